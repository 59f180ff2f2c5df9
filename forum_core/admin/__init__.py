"""The administrators' work: site settings, categories, members and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .services import request_site

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # the site's name, description and contact address, as set in the browser
    config.add_request_method(request_site, "site", reify=True)
