"""The core's notification kinds; plugins declare theirs through
``forum_register_notification_kinds``."""

from __future__ import annotations

from ..i18n import _
from ..registries import NotificationKind

# what is said to the member directly is e-mailed at once (a few minutes later, batched)
REPLY = NotificationKind("reply", _("${actor} replied to ${title}"),
                         _("Replies to my topics"), email="immediately")
QUOTE = NotificationKind("quote", _("${actor} quoted you in ${title}"),
                         _("Quotes of my posts"), email="immediately")
MENTION = NotificationKind("mention", _("${actor} mentioned you in ${title}"),
                           _("Mentions of me"), email="immediately")

LIKE = NotificationKind("like", _("${actor} liked your post in ${title}"),
                        _("Likes of my posts"), email="never")

#: a post's own kinds, in the order its notification takes them: the most specific wins
POST_KINDS = (MENTION, QUOTE, REPLY)
#: the core's kinds, as the account page lists them
CORE_KINDS = (*POST_KINDS, LIKE)
