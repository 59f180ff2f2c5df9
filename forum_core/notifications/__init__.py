"""In-app notifications for replies, quotes and @mentions, and what plugins tell members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .services import menu_notifications, unread_notifications

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_request_method(unread_notifications, "unread_notifications", reify=True)
    # the header's notifications menu on wide screens (base.html)
    config.add_request_method(menu_notifications, "menu_notifications", reify=True)
