"""Discussions: categories, topics and posts, and the services that write them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..accounts.interfaces import IUserService
from ..rendering import Cooker
from .interfaces import IContentService
from .services import DatabaseContentService

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request


def _content_service(context: object, request: Request) -> DatabaseContentService:
    return DatabaseContentService(
        request.db, request.registry["forum.cooker"],
        hold_first_posts=request.registry.settings["forum.hold_first_posts"],
        mention_url=request.find_service(IUserService).mention_url)


def includeme(config: Configurator) -> None:
    registry = config.registry
    # the Markdown pipeline is built once, with every plugin's extensions and allowlist changes
    registry["forum.cooker"] = Cooker(hooks=registry.forum.hooks)
    config.register_service_factory(_content_service, IContentService)
