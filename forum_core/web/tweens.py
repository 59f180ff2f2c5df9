"""The query counter around each request (``forum.count_queries``); the input guard is in
:mod:`forum_core.web.guard`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from pyramid.response import Response


_queries = threading.local()


def _count_statement(*args: Any) -> None:
    counted = getattr(_queries, "counted", None)
    if counted is not None:
        counted[0] += 1


def query_count_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                              ) -> Callable[[Request], Any]:
    """``X-Forum-Queries``: how many times the request went to the database
    (``forum.count_queries``).

    Every SQL statement SQLAlchemy sends counts (``BEGIN`` and savepoints too, where the
    forum sends them), and so does the end of each transaction (a commit or rollback, which
    the driver sends without a statement). The tween is the outermost one, so the count
    includes what runs around the view: the sign-in and permission look-ups, the flush and
    commit of the transaction, and an error page. Statements are counted per thread, as
    waitress answers each request in one thread; statements of other threads (the search
    index's background writer) are not the request's."""
    from sqlalchemy import event

    engine = registry["forum.db_engine"]
    event.listen(engine, "before_cursor_execute", _count_statement)
    event.listen(engine, "commit", _count_statement)
    event.listen(engine, "rollback", _count_statement)

    def query_count_tween(request: Request) -> Response:
        counted = _queries.counted = [0]
        try:
            response = handler(request)
        finally:
            _queries.counted = None
        response.headers["X-Forum-Queries"] = str(counted[0])
        return response

    return query_count_tween
