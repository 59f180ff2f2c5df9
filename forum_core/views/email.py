"""Unsubscribing from the forum's e-mail in one click (RFC 8058), without signing in.

A mail program sends ``POST`` with ``List-Unsubscribe=One-Click`` to the address of the
message's ``List-Unsubscribe`` header; a member who opens the link gets a page with a button
that sends the same ``POST``. The signed token in the address is the authority, so the
``POST`` needs neither a session nor a CSRF token, and it takes effect at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..errors import ValidationError
from ..i18n import _
from ..notifications.email_choices import ALL, DIGESTS, apply_unsubscribe, read_token
from ..webapi.endpoints import problem_response
from .errors import error_page

if TYPE_CHECKING:
    from pyramid.config import Configurator

#: the longest token read (a message's kinds are a few dozen characters)
TOKEN_MAX = 500


def includeme(config: Configurator) -> None:
    config.add_route("email.unsubscribe", "/email/unsubscribe/{token}")
    config.scan(__name__)


def _refused(request: Request, exc: ValidationError) -> Any:
    title = _("This link cannot unsubscribe you")
    offers = request.accept.acceptable_offers(["text/html", "application/problem+json",
                                               "application/json"])
    if offers and offers[0][0] != "text/html":
        return problem_response(request, 400, title, exc.message)
    return error_page(request, 400, title, exc.message)


def _what(request: Request, scope: tuple[str, ...]) -> list[str]:
    registries = request.registry.forum.registries
    if ALL in scope:
        return [request.translate(_("all e-mail from the forum"))]
    names = [request.translate(_("the daily digest") if name == "daily"
                               else _("the weekly digest")) for name in scope if name in DIGESTS]
    for name in scope:
        kind = registries.notification_kinds.get(name)
        if kind is not None:
            names.append(request.translate(kind.label) if kind.label else kind.name)
    return names


@view_config(route_name="email.unsubscribe", request_method="GET",
             permission=NO_PERMISSION_REQUIRED, renderer="notifications/unsubscribe.html")
def confirm(request: Request) -> Any:
    token = request.matchdict["token"][:TOKEN_MAX]
    try:
        wanted = read_token(request.db, request.registry.settings["forum.secret"], token)
    except ValidationError as exc:
        request.override_renderer = "error.html"
        return _refused(request, exc)
    request.response.headers["Referrer-Policy"] = "no-referrer"
    request.response.headers["X-Robots-Tag"] = "noindex"
    return {"token": token, "what": _what(request, wanted.scope), "done": False}


@view_config(route_name="email.unsubscribe", request_method="POST", require_csrf=False,
             permission=NO_PERMISSION_REQUIRED, renderer="notifications/unsubscribe.html")
def unsubscribe(request: Request) -> Any:
    token = request.matchdict["token"][:TOKEN_MAX]
    db, registries = request.db, request.registry.forum.registries
    try:
        wanted = read_token(db, request.registry.settings["forum.secret"], token)
    except ValidationError as exc:
        request.override_renderer = "error.html"
        return _refused(request, exc)
    apply_unsubscribe(db, registries, wanted)
    request.response.headers["Referrer-Policy"] = "no-referrer"
    return {"token": token, "what": _what(request, wanted.scope), "done": True}
