"""Discussions: categories, topics and posts, with their pages and services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..accounts.interfaces import IUserService
from ..rendering import Cooker
from ..visibility import viewer_for
from .interfaces import IContentService
from .resources import CategoryResource, PostResource, TopicResource
from .services import DatabaseContentService

if TYPE_CHECKING:
    from pyramid.config import Configurator


def _content_service(context: Any, request: Any) -> DatabaseContentService:
    return DatabaseContentService(
        request.db, request.registry["forum.cooker"],
        hold_first_posts=request.registry.settings["forum.hold_first_posts"],
        mention_url=request.find_service(IUserService).mention_url)


def includeme(config: Configurator) -> None:
    registry = config.registry
    # the Markdown pipeline is built once, with every plugin's extensions and allowlist changes
    registry["forum.cooker"] = Cooker(hooks=registry.forum.hooks)
    config.add_request_method(viewer_for, "viewer", reify=True)
    config.register_service_factory(_content_service, IContentService)
    config.add_route("content.feed_latest", "/latest.atom")
    config.add_route("content.sitemap", "/sitemap.xml")
    config.add_route("content.robots", "/robots.txt")
    config.add_route("content.feed_category", "/c/{slug}/feed.atom", factory=CategoryResource)
    config.add_route("content.feed_topic", "/t/{topic_id}/feed.atom", factory=TopicResource)
    config.add_route("content.category", "/c/{slug}", factory=CategoryResource)
    config.add_route("content.new_topic", "/c/{slug}/new", factory=CategoryResource)
    config.add_route("content.topic_short", "/t/{topic_id}", factory=TopicResource)
    config.add_route("content.topic", "/t/{topic_id}/{slug}", factory=TopicResource)
    config.add_route("content.reply", "/t/{topic_id}/{slug}/reply", factory=TopicResource)
    config.add_route("content.edit", "/p/{post_id}/edit", factory=PostResource)
    config.add_route("content.history", "/p/{post_id}/history", factory=PostResource)
    config.add_route("content.preview", "/preview")
    config.scan(".views")
    config.scan(".feeds")
