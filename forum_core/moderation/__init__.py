"""Moderation: flags, the queue, hiding and deleting, suspending members, the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..content.resources import PostResource, TopicResource

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("moderation.topic", "/t/{topic_id}/{slug}/moderate", factory=TopicResource)
    config.add_route("moderation.post", "/p/{post_id}/moderate", factory=PostResource)
    config.add_route("moderation.delete_own", "/p/{post_id}/delete", factory=PostResource)
    config.add_route("moderation.flag", "/p/{post_id}/flag", factory=PostResource)
    config.add_route("moderation.queue", "/mod/queue")
    config.add_route("moderation.resolve_flag", "/mod/flags/{flag_id}")
    config.add_route("moderation.log", "/mod/log")
    config.add_route("moderation.member", "/u/{username}/moderate")
    config.scan(".views")
