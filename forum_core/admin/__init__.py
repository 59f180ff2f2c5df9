"""The admin area (administrators only): site settings, categories, members and roles, and
the installed plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .services import request_site

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # the site's name, description and contact address, as set in the browser
    config.add_request_method(request_site, "site", reify=True)
    config.add_route("admin.home", "/admin")
    config.add_route("admin.settings", "/admin/settings")
    config.add_route("admin.categories", "/admin/categories")
    config.add_route("admin.category", "/admin/categories/{slug}")
    config.add_route("admin.members", "/admin/members")
    config.add_route("admin.role", "/admin/members/{username}/role")
    config.add_route("admin.plugins", "/admin/plugins")
    config.scan(".views")
