"""Compressed answers: pages, style sheets, scripts, JSON, feeds and SVG, gzip or brotli.

When an answer is finished (:func:`forum_core.web.httpcache.finish_response`, on
``NewResponse``, after every tween, error pages included) it is compressed when the browser
accepts an encoding (brotli first when the ``brotli`` package is installed, then gzip), the
answer is of a text type and at least :data:`MIN_SIZE` bytes, and it is not encoded already.
Pictures in PNG, JPEG or WebP are compressed already and are left alone. Every answer of a
compressible type says ``Vary: Accept-Encoding``, compressed or not, so a shared cache keeps
one copy per encoding. The ``ETag`` is taken before compressing, from the page as rendered,
and names the encoding, so each encoding has its own validator, a 304 costs no compression,
and equal pages keep equal tags. Static files are compressed once per file version and
encoding, in memory.

BREACH: compressing a page that holds a secret next to text an attacker can choose (a search
query, a form value sent back, the address) lets someone who sees the sizes of encrypted
answers guess the secret a byte at a time. The one secret pages carry is the CSRF token, and
no page carries it as it is: every form gets it masked with fresh random bytes
(:mod:`forum_core.accounts.csrf`), so members' pages are compressed like visitors'.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING, Any

try:  # optional: gzip alone when it is missing
    import brotli
except ImportError:  # pragma: no cover - installed with the forum
    brotli = None

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

#: smaller answers gain too little to pay for the work (and a packet holds them anyway)
MIN_SIZE = 1024
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/xml", "text/javascript",
    "application/javascript", "application/json", "application/problem+json",
    "application/xml", "application/atom+xml", "application/rss+xml",
    "application/manifest+json", "image/svg+xml",
})
ENCODINGS: tuple[str, ...] = ("br", "gzip") if brotli is not None else ("gzip",)
#: static files compressed, by (path, last modified, size, encoding)
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_cache_lock = Lock()


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=5)  # as small as gzip -9, several times faster
    return gzip.compress(body, compresslevel=6, mtime=0)


def _static_body(response: Response, encoding: str) -> bytes:
    """A file's answer compressed, from memory after the first time; the file is closed."""
    files = response.app_iter
    try:
        key = (getattr(getattr(files, "file", None), "name", None) or id(files),
               response.last_modified, response.content_length, encoding)
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
        compressed = _compress(b"".join(files), encoding)
    finally:
        close = getattr(files, "close", None)
        if close is not None:
            close()
    with _cache_lock:
        _cache[key] = compressed
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compressed


def chosen_encoding(request: Request) -> str | None:
    """The encoding the browser prefers among ours (None: send it as it is)."""
    if "Accept-Encoding" not in request.headers:
        return None
    offers = request.accept_encoding.acceptable_offers(ENCODINGS)
    if not offers:
        return None
    best = max(quality for _name, quality in offers)
    # equal preference: the first of ours (brotli)
    return next(name for name in ENCODINGS if (name, best) in offers)


def _add_vary(response: Response) -> None:
    vary = list(response.vary or ())
    if "Accept-Encoding" not in vary:
        response.vary = (*vary, "Accept-Encoding")


def planned_encoding(request: Request, response: Response) -> str | None:
    """The encoding :func:`compress` will use for ``response`` (None: sent as it is). Also
    adds ``Vary: Accept-Encoding`` to an answer of a compressible type."""
    if response.content_type not in COMPRESSIBLE or response.status_code in (204, 304) \
            or response.status_code < 200:
        return None
    _add_vary(response)
    if response.content_encoding:
        return None
    encoding = chosen_encoding(request)
    length = response.content_length
    if encoding is None or (length is not None and length < MIN_SIZE):
        return None
    if isinstance(response.app_iter, list | tuple) and len(response.body) < MIN_SIZE:
        return None
    return encoding


def compress(response: Response, encoding: str | None) -> None:
    """Compress ``response``'s body with ``encoding`` (from :func:`planned_encoding`)."""
    if encoding is None:
        return
    is_file = not isinstance(response.app_iter, list | tuple)
    body = _static_body(response, encoding) if is_file else _compress(response.body, encoding)
    response.body = body  # (sets Content-Length)
    response.content_encoding = encoding
