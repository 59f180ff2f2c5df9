"""The core's notification kinds; plugins declare theirs through
``forum_register_notification_kinds``."""

from __future__ import annotations

from ..i18n import _
from ..registries import NotificationKind

REPLY = NotificationKind("reply", _("${actor} replied to ${title}"),
                         _("Replies to my topics"))
QUOTE = NotificationKind("quote", _("${actor} quoted you in ${title}"),
                         _("Quotes of my posts"))
MENTION = NotificationKind("mention", _("${actor} mentioned you in ${title}"),
                           _("Mentions of me"))

LIKE = NotificationKind("like", _("${actor} liked your post in ${title}"),
                        _("Likes of my posts"))

#: about places a member watches (:mod:`.watching`); the reason names the place
WATCHED_TOPIC = NotificationKind("watched_topic", _("${actor} started ${title}"),
                                 _("New topics in places I watch"))
WATCHED_POST = NotificationKind("watched_post", _("${actor} posted in ${title}"),
                                _("New posts in places I watch"))

#: a post's own kinds, in the order its notification takes them: the most specific wins
POST_KINDS = (MENTION, QUOTE, REPLY)
#: the core's kinds, as the account page lists them
CORE_KINDS = (*POST_KINDS, LIKE, WATCHED_TOPIC, WATCHED_POST)
