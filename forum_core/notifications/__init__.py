"""In-app notifications for replies, quotes and @mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .views import unread_notifications

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_request_method(unread_notifications, "unread_notifications", reify=True)
    config.add_route("notifications.list", "/notifications")
    config.add_route("notifications.read_all", "/notifications/read")
    config.add_route("notifications.open", "/notifications/{notification_id}")
    config.scan(".views")
