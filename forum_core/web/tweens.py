"""Request guards that run before any view."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from pyramid.httpexceptions import HTTPRequestEntityTooLarge

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from pyramid.response import Response


def _valid_utf8(encoded: bytes) -> bool:
    """Whether every field of a URL-encoded query or form decodes as UTF-8."""
    for field in encoded.split(b"&"):
        try:
            unquote_to_bytes(field.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _multipart_text_is_utf8(request: Request) -> bool:
    """Whether every field of a multipart form that is not a file is UTF-8 text."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        if part.get_filename() is None:
            payload = part.get_payload(decode=True)
            try:
                (payload if isinstance(payload, bytes) else b"").decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True


def input_guard_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                             ) -> Callable[[Request], Any]:
    """Refuse request bodies over ``forum.max_body_bytes`` before anything reads them, and
    queries or forms that are not UTF-8 (WebOb would quietly replace the bad bytes)."""
    limit = registry.settings["forum.max_body_bytes"]

    def input_guard_tween(request: Request) -> Response:
        if request.content_length is not None and request.content_length > limit:
            raise HTTPRequestEntityTooLarge()
        if not _valid_utf8(request.query_string.encode("latin-1")):
            raise InvalidText()
        if request.content_length:
            # reading the body may spool it to a temporary file; close it when done
            request.environ["forum.original_input"] = request.environ.get("wsgi.input")
            request.add_finished_callback(_close_body)
        if request.content_type == "application/x-www-form-urlencoded" \
                and not _valid_utf8(request.body):
            raise InvalidText()
        if request.content_type == "multipart/form-data" and not _multipart_text_is_utf8(request):
            raise InvalidText()
        return handler(request)

    return input_guard_tween


def _close_body(request: Request) -> None:
    # uploaded files of a multipart form that was read are spooled to temporary files too
    parsed = request.environ.get("webob._parsed_post_vars")
    for value in parsed[0].values() if parsed else ():
        upload = getattr(value, "file", None)
        if upload is not None:
            upload.close()
    # a copy WebOb made to seek in (perhaps a temporary file); the server closes its own input
    if request.body_file_raw is not request.environ.get("forum.original_input"):
        request.body_file_raw.close()


class InvalidText(ValueError):
    """A query or form holds bytes that are not UTF-8 text."""


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
