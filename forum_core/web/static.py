"""Static files (the core's, the themes' and the plugins') at content-hashed addresses.

Every URL made with ``request.static_path``/``static_url`` for a file of a static folder
carries ``?v=<hash of the file's bytes>``. A browser may then keep the file for a year without
asking again (``Cache-Control: public, max-age=31536000, immutable``): a changed file has a new
address. A request with a missing or another hash (a page cached before a release, a typed
address) still gets the file as it is now, with ``no-cache``, so the browser asks again next
time; ``Last-Modified`` makes that a 304 when nothing changed.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyramid.events import NewResponse
from pyramid.static import QueryStringCacheBuster

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

PARAM = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
#: registry: static view route name -> the folder it serves
_ROOTS = "forum.static_roots"


@lru_cache(maxsize=2048)
def _hash(path: str, modified: int, size: int) -> str:
    # keyed by modification time and size: an edited file (a theme being worked on, a
    # template reload in development) gets a new token without a restart
    with open(path, "rb") as handle:
        return hashlib.blake2b(handle.read(), digest_size=6).hexdigest()


def file_token(path: str | os.PathLike[str]) -> str | None:
    """The hash of a file's bytes as its URL carries it; None for a missing file."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return _hash(os.fspath(path), status.st_mtime_ns, status.st_size)


class ContentHashCacheBuster(QueryStringCacheBuster):
    """Adds ``?v=<hash of the file>`` to static URLs (Pyramid's cache buster interface)."""

    def __init__(self) -> None:
        super().__init__(param=PARAM)

    def tokenize(self, request: Request, pathspec: str, kw: dict[str, Any]) -> str:
        return file_token(kw.get("rawspec", pathspec)) or "0"


BUSTER = ContentHashCacheBuster()


def add_static(config: Configurator, name: str, folder: str | os.PathLike[str]) -> None:
    """Serve ``folder`` at ``/<name>/`` with content-hashed URLs and their cache headers."""
    folder = os.fspath(folder)
    config.add_static_view(name, folder)  # no max-age of its own: see static_cache_headers
    config.add_cache_buster(folder, BUSTER)
    prefix = config.route_prefix
    route = f"__{prefix}/{name}/" if prefix else f"__{name}/"
    config.registry.setdefault(_ROOTS, {})[route] = Path(folder)


def static_file_path(request: Request, path: str | os.PathLike[str]) -> str:
    """``request.static_path(path)`` (a file of a served static folder, with its content
    hash), made once per process and script name: every page asks for each plugin's script
    and style sheet."""
    known = request.registry.setdefault("forum.static_file_paths", {})
    key = (request.script_name, os.fspath(path))
    if key not in known:
        known[key] = request.static_path(os.fspath(path))
    return known[key]


def static_cache_headers(event: NewResponse) -> None:
    request, response = event.request, event.response
    route = getattr(request, "matched_route", None)
    if route is None or response.status_code not in (200, 304):
        return
    folder = request.registry.get(_ROOTS, {}).get(route.name)
    if folder is None:
        return
    token = file_token(folder.joinpath(*request.matchdict.get("subpath", ())))
    fresh = token is not None and request.GET.get(PARAM) == token
    response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE


def includeme(config: Configurator) -> None:
    config.add_subscriber(static_cache_headers, NewResponse)
