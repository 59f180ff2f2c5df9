"""The error pages every route shares (HTML, or problem documents in the JSON API), and the
language switcher in every page's footer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyramid.authorization import Everyone
from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPBadRequest, HTTPException, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)
from sqlalchemy.exc import IntegrityError

from ..accounts.interfaces import IUserService
from ..db import DatabaseBusy
from ..i18n import LOCALE_COOKIE, _
from ..plugins import AccessHookFailed
from ..ratelimit import RateLimited
from ..web.guard import BadInput
from ..web.templating import WITHOUT_SLOTS
from ..webapi import unauthenticated
from ..webapi.endpoints import is_api_request, problem_response

if TYPE_CHECKING:
    from pyramid.config import Configurator

log = logging.getLogger(__name__)


def includeme(config: Configurator) -> None:
    config.add_route("core.language", "/language")
    config.scan(__name__)


@view_config(route_name="core.language", request_method="POST", require_csrf=False)
def switch_language(request: Request) -> HTTPSeeOther:
    """Remember the language picked in the footer: in a cookie (visitors too) and, for a
    signed-in member, in their account. Then back to the page it was picked on.

    A visitor's switch only sets this browser's language cookie, so it needs no CSRF token:
    the footer of a visitor's page then prints none, sets no cookie and can be shared by a
    proxy. A member's switch changes their account, so it needs the token like every other
    change (checked here as Pyramid's default check would: origin, then token)."""
    if request.user is not None:
        check_csrf_origin(request, raises=True)
        check_csrf_token(request, raises=True)
    available = request.registry.settings["forum.available_locales"]
    locale = request.POST.get("locale", "")
    if locale not in available:
        raise HTTPBadRequest(_("Choose one of the languages offered."))
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back or len(back) > 2000:
        back = request.route_path("core.home")
    response = HTTPSeeOther(back)
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=request.registry.settings["forum.cookie_secure"])
    if request.user is not None:
        request.find_service(IUserService).set_locale(request.user, locale, available)
    return response


def error_page(request: Request, status: int, title: str, message: str,
               headers: dict[str, str] | None = None) -> Any:
    """Values for error.html with ``status`` set on the response (messages translated); for
    the JSON API, a problem+json response with the same title and message."""
    if is_api_request(request):
        return problem_response(request, status, title, message, headers=headers)
    request.response.status = status
    request.response.headers.update(headers or {})
    return {"status": status, "title": request.translate(title),
            "message": request.translate(message)}


@notfound_view_config(renderer="error.html", append_slash=False)
def not_found(request: Request) -> Any:
    return error_page(request, 404, _("Page not found"), _(
        "This page does not exist, or it is not available to you. If you followed a link, "
        "sign in or register, or contact the administrator."))


@forbidden_view_config(renderer="error.html")
def forbidden(request: Request) -> Any:
    if is_api_request(request) and request.user is None:
        problem = unauthenticated(request)
        return problem_response(request, 401, problem.title, problem.detail,
                                headers=problem.headers)
    return error_page(request, 403, _("Not available"), _(
        "This content is not available to you. Sign in or register, or contact the "
        "administrator if you think you should have access."))


@exception_view_config(BadCSRFToken, renderer="error.html")
@exception_view_config(BadCSRFOrigin, renderer="error.html")
def bad_csrf(request: Request) -> Any:
    if is_api_request(request):
        return error_page(request, 400, _("CSRF token missing"), _(
            "A request with the browser's session cookie must send the CSRF token in the "
            "X-CSRF-Token header. Scripts should use a personal API token instead."))
    return error_page(request, 400, _("The form has expired"), _(
        "The form was sent without a valid security token, perhaps because it was open for "
        "a long time or came from another site. Go back, reload the page and send it again."))


@exception_view_config(RateLimited, renderer="error.html")
def rate_limited(exc: RateLimited, request: Request) -> Any:
    return error_page(request, 429, _("Slow down"), exc.message,
                      headers={"Retry-After": str(exc.retry_after)})


@exception_view_config(UnicodeDecodeError, renderer="error.html")
def bad_encoding(request: Request) -> Any:
    _readable_path(request)
    return error_page(request, 400, _("The request cannot be handled"), _(
        "The request contains text that is not valid UTF-8. Go back and send it again."))


@exception_view_config(BadInput, renderer="error.html")
def bad_input(exc: BadInput, request: Request) -> Any:
    """Refused by the input guard (forum_core/web/guard.py) before any view ran."""
    _readable_path(request)
    return error_page(request, exc.status, _("The request cannot be handled"), exc.message)


def _readable_path(request: Request) -> None:
    """Let the error page read a path that is not UTF-8: its bad bytes become U+FFFD.

    WSGI gives the path as bytes in a latin-1 string; WebOb decodes it as UTF-8 each time
    ``request.path`` is read, so the API check and the page's own links would fail again.
    """
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        raw = request.environ.get(key, "").encode("latin-1", "replace")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            readable = raw.decode("utf-8", "replace").encode("utf-8")
            request.environ[key] = readable.decode("latin-1")


@exception_view_config(HTTPException, renderer="error.html")
def http_error(exc: HTTPException, request: Request) -> Any:
    if exc.code is None or exc.code < 400:
        return exc
    if isinstance(exc.detail, TranslationString):  # raised by the forum with a message
        return error_page(request, exc.code, _("The request cannot be handled"), exc.detail)
    return error_page(request, exc.code, _("The request cannot be handled"), _(
        "The forum cannot handle this request (${code} ${title}). Go back and try again, or "
        "start from the home page.", mapping={"code": exc.code, "title": exc.title}))


@exception_view_config(Exception, renderer="error.html")
def server_error(exc: Exception, request: Request) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path_qs)
    return error_page(request, 500, _("Something went wrong"), _(
        "The forum could not answer this request. The error has been logged; please try "
        "again later."))


@exception_view_config(IntegrityError, renderer="error.html")
def write_conflict(exc: IntegrityError, request: Request) -> Any:
    """The last resort for a write that the database refused on a key (a row another request
    created or deleted at the same moment): the request's transaction is rolled back (the
    session by the view deriver of forum_core.db, the transaction by pyramid_tm), and the
    answer is a 409 that says nothing was saved, never a 500. Services turn the conflicts
    they expect into their own answers (``insert_if_absent``); one that reaches this view
    is logged, so a missing one can be found and handled where it happens."""
    log.warning("write conflict on %s %s: %s", request.method, request.path_qs,
                " ".join(str(exc.orig).split())[:500])
    return error_page(request, 409, _("Changed at the same moment"), _(
        "Someone else, or you in another window, changed the same thing at the same "
        "moment, so nothing of this request was saved. Reload the page to see how things "
        "stand now, and try again if it is still needed."))


@exception_view_config(DatabaseBusy, renderer="error.html")
def busy(request: Request) -> Any:
    return error_page(request, 503, _("The forum is busy"), _(
        "Too many changes are being saved at this moment. Nothing of yours was saved; try "
        "again in a few seconds."), headers={"Retry-After": "5"})


@exception_view_config(AccessHookFailed, renderer="error.html")
def access_hook_failed(exc: AccessHookFailed, request: Request) -> Any:
    """A plugin that narrows access failed: it fails closed. The page says only that the
    content is not available (naming the plugin would tell visitors what protects what);
    the log names the plugin. The page itself is drawn for a visitor with no rights at all
    (no admin links, no notification count), since nothing about the viewer can be trusted."""
    request.__dict__.update(principals=[Everyone], unread_notifications=0,
                            menu_notifications=[])
    request.environ[WITHOUT_SLOTS] = True
    return error_page(request, 503, _("Not available"), _(
        "This content is not available right now. Try again later, or contact the "
        "administrator if it stays so."), headers={"Retry-After": "30",
                                                    "Cache-Control": "no-store"})
