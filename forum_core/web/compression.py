"""Compressed answers: pages, style sheets, scripts, JSON, feeds and SVG, gzip or brotli.

A tween outside the error pages compresses a finished answer when the browser accepts an
encoding (brotli first when the ``brotli`` package is installed, then gzip), the answer is of
a text type and at least :data:`MIN_SIZE` bytes, and it is not encoded already. Pictures in
PNG, JPEG or WebP are compressed already and are left alone. Every answer of a compressible
type says ``Vary: Accept-Encoding``, compressed or not, so a shared cache keeps one copy per
encoding. The ``ETag`` is made afterwards from the body as sent (:mod:`.httpcache` runs on
``NewResponse``, after the tweens), so each encoding has its own validator and
``If-None-Match`` answers 304 for the one the browser has; both compressors are
deterministic (gzip without a timestamp), so equal pages keep equal tags. Static files are
compressed once per file version and encoding, in memory.

BREACH: compressing a page that holds a secret next to text an attacker can choose (a search
query, a form value sent back, the address) lets someone who sees the sizes of encrypted
answers guess the secret a byte at a time. The only secret pages carry is the CSRF token, and
a page that prints it says so (:func:`forum_core.web.templating.csrf_token`): such answers are
sent uncompressed. Visitors' pages (no token: most of the traffic and every page a search
engine reads), static files and the JSON API (authenticated by a header, no token in the
body) are compressed. Masking the token differently in every answer (as Django does) would
let members' pages be compressed too; until then they are not.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import TYPE_CHECKING, Any

try:  # optional: gzip alone when it is missing
    import brotli
except ImportError:  # pragma: no cover - installed with the forum
    brotli = None

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from pyramid.response import Response

#: environ: the answer holds a secret (the CSRF token) and is never compressed
SECRET_IN_BODY = "forum.secret_in_body"
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


def compress_response(request: Request, response: Response) -> Response:
    """Compress ``response`` for ``request`` when it is worth it and safe."""
    if response.content_type not in COMPRESSIBLE or response.status_code in (204, 304) \
            or response.status_code < 200:
        return response
    _add_vary(response)
    if response.content_encoding or request.environ.get(SECRET_IN_BODY):
        return response
    encoding = chosen_encoding(request)
    length = response.content_length
    if encoding is None or (length is not None and length < MIN_SIZE):
        return response
    is_file = not isinstance(response.app_iter, list | tuple)
    if not is_file and len(response.body) < MIN_SIZE:
        return response
    body = _static_body(response, encoding) if is_file else _compress(response.body, encoding)
    response.body = body  # (sets Content-Length)
    response.content_encoding = encoding
    return response


def compression_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                              ) -> Callable[[Request], Response]:
    def compression_tween(request: Request) -> Response:
        return compress_response(request, handler(request))

    return compression_tween
