"""Discussions: categories, topics and posts, and the services that write them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..accounts.services import DatabaseUserService
from ..registries import registries_for
from .interfaces import IContentService, ITagService
from .services import DatabaseContentService
from .tags import DatabaseTagService

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from sqlalchemy.orm import Session


def content_service(session: Session, hold_first_posts: int = 0) -> DatabaseContentService:
    """The service that writes discussions (``IContentService``), on a session of the forum:
    a request's ``request.db`` (prefer ``request.find_service(IContentService)`` there, which
    also applies ``forum.hold_first_posts``), or the session of a job, command or test.
    Posts are rendered with the forum's Markdown pipeline; their events reach the plugins."""
    return DatabaseContentService(session, registries_for(session).cooker,
                                  hold_first_posts=hold_first_posts,
                                  mention_url=DatabaseUserService(session).mention_url)


def _content_service(context: object, request: Request) -> DatabaseContentService:
    return content_service(request.db, request.registry.settings["forum.hold_first_posts"])


def _tag_service(context: object, request: Request) -> DatabaseTagService:
    settings = request.registry.settings
    return DatabaseTagService(request.db, settings["forum.tagging"],
                              settings["forum.max_tags_per_topic"])


def includeme(config: Configurator) -> None:
    config.register_service_factory(_content_service, IContentService)
    config.register_service_factory(_tag_service, ITagService)
