"""What the forum answers when something it depends on is away: the database (a 503 page in
the reader's language, or a problem document in the JSON API, drawn without the database, and
one log line per outage), the data folder (nothing saved or sent, said so) and the search
index (search is not available; the rest works).

Every page reads the database, at the latest when it looks up who is asking, and so does the
error page of a failed request; before this module a refused connection failed the error page
too and the server answered its own plain-text 500. The page drawn here treats the reader as
a visitor (no member look-up, no notification count, no plugin slot, the site's name from
``forum.ini``), and tells browsers and proxies to keep nothing (``no-store``) and when to try
again (``Retry-After``). Nothing is remembered about the outage but when to log: the engine
checks each pooled connection before use (``pool_pre_ping``), so the first request after the
database is back is answered as usual.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from pyramid.authorization import Everyone
from pyramid.response import Response
from pyramid.tweens import INGRESS
from pyramid.view import exception_view_config
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..admin.services import site_defaults
from ..datadir import StorageUnavailable
from ..db import describe_url, unavailable_reason
from ..i18n import _
from ..search.backends import SearchUnavailable
from ..web.templating import WITHOUT_SLOTS
from ..webapi.endpoints import is_api_request, problem_response
from .errors import error_page, server_error
from .search import SEARCH_UNAVAILABLE, SEARCH_UNAVAILABLE_HEADERS

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.registry import Registry
    from pyramid.request import Request

log = logging.getLogger(__name__)

#: seconds after which a browser or a client may ask again
RETRY_AFTER = "30"
TITLE = _("The forum is not available right now")
MESSAGE = _("The forum cannot reach its database at the moment. Try again in a minute; if you "
            "were sending a form, check afterwards whether it was saved.")
#: how often a lasting outage is logged again
LOG_EVERY_SECONDS = 60.0


class OutageLog:
    """One log line when the database becomes unreachable, one a minute while it stays so
    (with how many requests were answered 503), and one when a request reaches it again:
    never a traceback per request, which would bury the log under a busy forum's traffic."""

    def __init__(self, where: str, every: float = LOG_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.where, self.every, self.clock = where, every, clock
        self.lock = threading.Lock()
        self.since: float | None = None
        self.logged_at = 0.0
        self.answered = 0

    @property
    def active(self) -> bool:
        return self.since is not None

    def failed(self, reason: str) -> None:
        now = self.clock()
        with self.lock:
            self.answered += 1
            if self.since is None:
                self.since, self.logged_at, self.answered = now, now, 0
                log.error("the database (%s) is not reachable: %s; pages answer 503 until it "
                          "is back", self.where, reason)
            elif now - self.logged_at >= self.every:
                log.error("the database (%s) is still not reachable after %d s: %s; %d "
                          "requests answered 503 since the last line", self.where,
                          now - self.since, reason, self.answered)
                self.logged_at, self.answered = now, 0

    def recovered(self) -> None:
        with self.lock:
            if self.since is None:
                return
            log.warning("the database (%s) is reachable again after %d s", self.where,
                        self.clock() - self.since)
            self.since, self.answered = None, 0


def _outage_log(request: Request) -> OutageLog:
    return request.registry["forum.outage_log"]


def as_visitor(request: Request) -> None:
    """Draw the page without the database: the reader counts as a visitor, the site's
    fields come from forum.ini, and no plugin slot is asked (a slot may query)."""
    request.__dict__.update(user=None, principals=[Everyone], unread_notifications=0,
                            menu_notifications=[],
                            site=site_defaults(request.registry.settings))
    request.environ[WITHOUT_SLOTS] = True


_HEADERS = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}


@exception_view_config(DBAPIError, renderer="error.html")
@exception_view_config(PoolTimeout, renderer="error.html")
def database_error(exc: Exception, request: Request) -> Any:
    reason = unavailable_reason(exc)
    if reason is None:  # a faulty statement, not an outage
        return server_error(exc, request)
    _outage_log(request).failed(reason)
    as_visitor(request)
    return error_page(request, 503, TITLE, MESSAGE, headers=dict(_HEADERS))


@exception_view_config(StorageUnavailable, renderer="error.html")
def storage_unavailable(exc: StorageUnavailable, request: Request) -> Any:
    """A file could not be written (the data folder, logged where it failed): the member is
    told that nothing was saved or sent."""
    return error_page(request, 503, exc.title, exc.message, headers={
        "Retry-After": "300", "Cache-Control": "no-store"})


@exception_view_config(SearchUnavailable, renderer="error.html")
def search_unavailable(request: Request) -> Any:
    """The search index can be neither read nor rebuilt (logged by the backend): the JSON
    API's search, and plugins' pages that search. The search page says so itself."""
    return error_page(request, 503, _("Search is not available"), SEARCH_UNAVAILABLE,
                      headers=dict(SEARCH_UNAVAILABLE_HEADERS))


def plain_outage_response(request: Request) -> Response:
    """The same answer without a template, for when the error page itself could not be
    drawn."""
    as_visitor(request)
    if is_api_request(request):
        return problem_response(request, 503, TITLE, MESSAGE, headers=_HEADERS)
    title, message = escape(request.translate(TITLE)), escape(request.translate(MESSAGE))
    body = (f'<!doctype html>\n<html lang="{escape(request.locale_name)}"><head>'
            f'<meta charset="utf-8"><meta name="robots" content="noindex"><title>{title}'
            f'</title></head><body><main><h1>{title}</h1><p>{message}</p></main></body></html>')
    response = Response(body, status=503, content_type="text/html", charset="utf-8")
    response.headers.update(_HEADERS)
    return response


def outage_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                         ) -> Callable[[Request], Response]:
    """Outermost: an outage that got past the error pages (one that failed while drawing the
    503 page) is still answered 503, never by the server's plain-text 500; and the first
    request that reaches the database again ends the outage in the log."""
    outage: OutageLog = registry["forum.outage_log"]

    def outage_tween(request: Request) -> Response:
        try:
            response = handler(request)
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            # the error page of another error (a 404, an expired form) met the outage: the
            # outage's own page, else the same words without a template
            try:
                response = request.invoke_exception_view(sys.exc_info())
            except Exception:
                outage.failed(reason)
                return plain_outage_response(request)
            if response.status_code != 503:
                outage.failed(reason)
                return plain_outage_response(request)
            return response
        if outage.active and "db" in request.__dict__ and response.status_code != 503:
            outage.recovered()
        return response

    return outage_tween


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.registry["forum.outage_log"] = OutageLog(
        describe_url(settings["forum.database_url"])[0])
    config.add_tween("forum_core.views.outage.outage_tween_factory", under=INGRESS)
    config.scan(__name__)
