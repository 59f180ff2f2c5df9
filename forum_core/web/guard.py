"""The first look at every request: bounded checks of its size, its address and its form,
before Pyramid matches a route, before WebOb parses a form and before any view, service or
database query sees a value.

What it refuses, each with a clear page (a problem document in the JSON API):

- a body larger than ``forum.max_body_bytes`` (413), judged by its ``Content-Length`` before a
  byte of it is read;
- a path, query string or form field that is not UTF-8 text, or that holds a NUL character
  (400): PostgreSQL cannot store NUL in text, and every part of the forum would otherwise
  have to remember that;
- a form whose shape is hostile (400): too many fields, a ``Content-Type`` or a part header
  line longer than any browser sends, or a multipart body that is not well formed. The
  standard library's parsers under WebOb read header parameters in time that grows with
  the square of their length (a file name of hundreds of kilobytes took tens of seconds),
  so the body is streamed through a strict parser with limits (``multipart``) first, and
  WebOb only ever parses a body that passed.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote_to_bytes

from multipart import MultipartError, PushMultipartParser, parse_options_header
from pyramid.httpexceptions import HTTPRequestEntityTooLarge

from ..i18n import _
from ..limits import (
    CONTENT_TYPE_MAX,
    FORM_FIELDS_MAX,
    FORM_PART_HEADER_MAX,
    FORM_PART_HEADERS_MAX,
)

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from pyramid.response import Response

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
#: bytes read from the client at a time while a multipart body is checked
CHUNK = 64 * 1024
#: a checked body up to this size stays in memory; a larger one goes to a temporary file
IN_MEMORY = 1024 * 1024


class BadInput(ValueError):
    """A request the guard refuses before any view; ``message`` says why (a translation
    string). Answered 400 by the error views."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidText(BadInput):
    """A path, query or form holds bytes that are not UTF-8 text, or a NUL character."""

    def __init__(self, nul: bool = False) -> None:
        super().__init__(_(
            "The request contains a NUL character, which no text on the forum may hold. "
            "Remove it and send the request again.") if nul else _(
            "The request contains text that is not valid UTF-8. Go back and send it again."))


class MalformedForm(BadInput):
    """A form's body is not well formed, or its shape is beyond what any page sends."""

    def __init__(self) -> None:
        super().__init__(_(
            "The form cannot be read: it is not well formed, or it has more fields or longer "
            "field or file names than the forum's forms use. Go back, reload the page and "
            "send it again."))


class BodyTooLarge(HTTPRequestEntityTooLarge):
    """413 with a message that names the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(_(
            "The request is larger than the forum accepts (${size} KB at most). Send a "
            "smaller picture or a shorter text.", mapping={"size": limit // 1024}))


def check_text(encoded: bytes) -> None:
    """Refuse URL-encoded fields (a query string or a form body, ``&``-separated) that are not
    UTF-8 or that hold a NUL.

    The whole string is decoded at once: its separators are ASCII, so it is UTF-8 exactly when
    every field is, and ``%26`` decoded inside a value changes nothing about that."""
    if encoded.count(b"&") >= FORM_FIELDS_MAX:
        raise MalformedForm()
    if b"%" in encoded:
        encoded = unquote_to_bytes(encoded)
    if b"\x00" in encoded:
        raise InvalidText(nul=True)
    try:
        encoded.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidText() from None


def check_path(request: Request) -> None:
    """The path (WSGI gives its bytes, already %-decoded, as a latin-1 string)."""
    path = request.environ.get("PATH_INFO", "")
    if "\x00" in path:
        raise InvalidText(nul=True)
    try:
        path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise InvalidText() from None


def _boundary(content_type: str) -> str:
    boundary = parse_options_header(content_type)[1].get("boundary", "")
    # RFC 2046: 1 to 70 characters; cgi (under WebOb) takes printable ASCII only
    if not 0 < len(boundary) <= 70 or not boundary.isascii() or not boundary.isprintable():
        raise MalformedForm()
    return boundary


def check_multipart(body: BinaryIO, content_type: str, length: int) -> IO[bytes]:
    """Stream a multipart form through a strict parser with limits; returns a copy of the
    body (from its start) for WebOb to parse. Fields that are not files must be UTF-8
    without NUL; a file's content is not looked at here."""
    parser = PushMultipartParser(
        _boundary(content_type), content_length=length,
        max_header_size=FORM_PART_HEADER_MAX, max_header_count=FORM_PART_HEADERS_MAX,
        max_segment_count=FORM_FIELDS_MAX)
    copy = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115  (returned)
    decoder: Any = None
    try:
        with parser:
            remaining = length
            while not parser.closed:
                chunk = body.read(min(CHUNK, remaining)) if remaining > 0 else b""
                remaining -= len(chunk)
                copy.write(chunk)
                for event in parser.parse(chunk):
                    if isinstance(event, bytes):
                        if decoder is not None:
                            if b"\x00" in event:
                                raise InvalidText(nul=True)
                            decoder.decode(event)
                    elif event is None:
                        if decoder is not None:
                            decoder.decode(b"", final=True)
                    else:  # a part's headers
                        if "\x00" in event.name:
                            raise InvalidText(nul=True)
                        text = event.filename is None
                        decoder = codecs.getincrementaldecoder("utf-8")() if text else None
    except UnicodeDecodeError:
        copy.close()
        raise InvalidText() from None
    except (MultipartError, BadInput):
        copy.close()
        raise
    copy.seek(0)
    return copy


def input_guard_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                              ) -> Callable[[Request], Any]:
    """The guard, as the outermost tween that still has the forum's error pages around it."""
    limit = registry.settings["forum.max_body_bytes"]

    def input_guard_tween(request: Request) -> Response:
        length = request.content_length
        if length is not None and length > limit:
            raise BodyTooLarge(limit)
        check_path(request)
        check_text(request.environ.get("QUERY_STRING", "").encode("latin-1", "replace"))
        if length:
            # reading the body may spool it to a temporary file; close it when done
            request.environ["forum.original_input"] = request.environ.get("wsgi.input")
            request.add_finished_callback(_close_body)
            _check_body(request, length)
        return handler(request)

    return input_guard_tween


def _check_body(request: Request, length: int) -> None:
    kind = request.content_type
    if kind not in (FORM, MULTIPART):
        return  # JSON and the rest: read by their own views, with their own checks
    content_type = request.environ.get("CONTENT_TYPE", "")
    if len(content_type) > CONTENT_TYPE_MAX:
        raise MalformedForm()
    if kind == FORM:
        check_text(request.body)
        return
    try:
        checked = check_multipart(request.body_file_raw, content_type, length)
    except MultipartError:
        raise MalformedForm() from None
    # WebOb parses the checked copy; its Content-Length is the one checked
    request.environ["wsgi.input"] = checked
    request.is_body_seekable = True


def _close_body(request: Request) -> None:
    # uploaded files of a multipart form that was read are spooled to temporary files too
    parsed = request.environ.get("webob._parsed_post_vars")
    for value in parsed[0].values() if parsed else ():
        upload = getattr(value, "file", None)
        if upload is not None:
            upload.close()
    # a copy made to check or seek in (perhaps a temporary file); the server closes its own
    if request.body_file_raw is not request.environ.get("forum.original_input"):
        request.body_file_raw.close()
