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

#: about places a member watches (:mod:`.watching`); the reason names the place
#: (e-mailed at once unless a member chooses otherwise: watching is asking to be told)
WATCHED_TOPIC = NotificationKind("watched_topic", _("${actor} started ${title}"),
                                 _("New topics in places I watch"), email="immediately")
WATCHED_POST = NotificationKind("watched_post", _("${actor} posted in ${title}"),
                                _("New posts in places I watch"), email="immediately")

#: a post's own kinds, in the order its notification takes them: the most specific wins
POST_KINDS = (MENTION, QUOTE, REPLY)
#: the core's kinds, as the account page lists them
CORE_KINDS = (*POST_KINDS, LIKE, WATCHED_TOPIC, WATCHED_POST)
