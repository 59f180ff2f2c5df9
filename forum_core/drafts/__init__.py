"""Drafts: what members write is kept on the server while they write, per topic, new topic
and post being changed, and restored when they come back (pages and ``/api/v1/drafts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .interfaces import IDraftService
from .services import DatabaseDraftService

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request


def _draft_service(context: object, request: Request) -> DatabaseDraftService:
    return DatabaseDraftService(request.db)


def includeme(config: Configurator) -> None:
    config.register_service_factory(_draft_service, IDraftService)
