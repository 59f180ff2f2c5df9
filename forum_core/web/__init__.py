"""The HTTP layer under the pages and the JSON API: guards on input, security headers, HTTP
validators, templates, themes and static files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPNotFound
from pyramid.tweens import EXCVIEW, INGRESS

if TYPE_CHECKING:
    from pyramid.config import Configurator


class NotAvailable(HTTPNotFound):
    """Raise it for content the viewer may not see, or that does not exist: the core answers
    its "not available" page (404; a problem document in the JSON API), the same for both,
    so the answer never tells whether hidden content exists."""


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    # oversized bodies, NUL and bytes that are not UTF-8 in paths, queries and forms, and
    # hostile form shapes are refused before anything parses them (inside the error pages)
    config.add_tween("forum_core.web.guard.input_guard_tween_factory", under=EXCVIEW)
    if settings["forum.count_queries"]:
        # outermost: around the transaction (its flush and commit) and the error pages
        config.add_tween("forum_core.web.tweens.query_count_tween_factory", under=INGRESS)
    # CSP, nosniff, framing and referrer rules on every response
    config.include(".headers")
    # ETags and 304s on every page and API answer; Cache-Control says who may keep a copy;
    # CSRF tokens masked and text answers compressed (gzip or brotli), error pages included
    config.include(".httpcache")
    # Jinja2 templates, themes, static files and template slots
    config.include(".templating")
    # a year's cache for static files at content-hashed addresses
    config.include(".static")
    # request.route_path without a registry look-up per link
    config.include(".urls")
    # the picture of link previews (og:image), drawn once from the forum's name
    config.include(".shareimage")
