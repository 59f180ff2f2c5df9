"""The notifications page: list, open (marks read), mark all read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from ..limits import parse_id
from ..notifications.services import DatabaseNotificationService

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("notifications.list", "/notifications")
    config.add_route("notifications.read_all", "/notifications/read")
    config.add_route("notifications.open", "/notifications/{notification_id}")
    config.scan(__name__)


@view_config(route_name="notifications.list", permission="account",
             renderer="notifications/list.html")
def notifications(request: Request) -> dict[str, Any]:
    before = parse_id(request.GET.get("before", ""))
    items, next_cursor = DatabaseNotificationService(request.db).page(request, before)
    return {"items": items, "next": next_cursor}


@view_config(route_name="notifications.open", permission="account")
def open_notification(request: Request) -> HTTPSeeOther:
    notification_id = parse_id(request.matchdict["notification_id"])
    found = None if notification_id is None else DatabaseNotificationService(request.db).open(
        request, notification_id)
    if found is None:
        raise HTTPNotFound()
    return HTTPSeeOther(found.item.url)


@view_config(route_name="notifications.read_all", permission="account", request_method="POST")
def read_all(request: Request) -> HTTPSeeOther:
    DatabaseNotificationService(request.db).mark_all_read(request)
    return HTTPSeeOther(request.route_path("notifications.list"))
