"""The anonymous page cache: pages for visitors who are not signed in, kept in memory.

What may be cached: GET and HEAD requests without a sign-in cookie or an Authorization
header (so the answer is the anonymous visitor's, the same for all of them) that are answered
200 with HTML, JSON, XML or text and set no cookie of their own. The key is the address and
the visitor's language.

When an entry is stale: every write that can change what visitors see (anything flushed
except the models marked ``page_cache_neutral``, such as sign-in sessions and read markers)
adds one to a generation number stored in the database, in the same transaction. Each
cached answer remembers the generation it was made at and is used only while that number is
unchanged, so no page is ever older than the last write, even with several app processes on
one database. Entries also expire after ``forum.page_cache_seconds`` (for "3 minutes ago").

Per-visitor parts: the CSRF token in forms. A cached page stores a placeholder where the
token was and gets the visitor's own token (from their cookie, or a new one with its cookie)
each time it is served.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from pyramid.interfaces import ICSRFStoragePolicy
from pyramid.response import Response
from sqlalchemy import BigInteger, Engine, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .accounts.security import COOKIE_NAME
from .db import Base
from .i18n import negotiate_locale

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request

#: set on a request whose answer depends on more than the database (the search index)
UNCACHEABLE = "forum.page_cache.skip"
CACHEABLE_TYPES = ("text/html", "application/json", "application/atom+xml",
                   "application/xml", "text/plain")
PLACEHOLDER = b"\x00forum-csrf-token\x00"
STATUS_HEADER = "X-Forum-Cache"


class PageCacheState(Base):
    """One row: the generation of what anonymous visitors may see."""

    __tablename__ = "page_cache_state"
    page_cache_neutral = True

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


def changes_public_pages(session: Session) -> bool:
    return any(not getattr(type(obj), "page_cache_neutral", False)
               for obj in chain(session.new, session.dirty, session.deleted))


def _advance(session: Session) -> None:
    session.connection().execute(
        update(PageCacheState).values(generation=PageCacheState.generation + 1))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    """Every session's writes that visitors could see make cached pages stale..."""
    if changes_public_pages(session):
        _advance(session)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: Any) -> None:
    """...and so do UPDATE and DELETE statements run through a session (counters)."""
    if state.is_update or state.is_delete or state.is_insert:
        mapper = state.bind_mapper
        if mapper is None or not getattr(mapper.class_, "page_cache_neutral", False):
            _advance(state.session)


@dataclass(frozen=True)
class Entry:
    generation: int
    stored_at: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    has_token: bool


class PageCache:
    """A thread-safe LRU of answers, at most ``entries`` of them and ``max_bytes`` in all."""

    def __init__(self, entries: int, seconds: float, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.entries, self.seconds, self.max_bytes = entries, seconds, max_bytes
        self._items: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], generation: int) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            if entry.generation != generation or \
                    time.monotonic() - entry.stored_at > self.seconds:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = entry
            self._bytes += len(entry.body)
            while len(self._items) > self.entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def _drop(self, key: tuple[str, ...]) -> None:
        self._bytes -= len(self._items.pop(key).body)


def do_not_cache(request: Any) -> None:
    """Keep this request's answer out of the cache: it depends on more than the database
    (search results come from the index, which is updated after the commit)."""
    request.environ[UNCACHEABLE] = True


def generation_reader(engine: Engine) -> Callable[[], int]:
    """A function answering the current generation, as cheaply as the database allows.

    Each server thread asks through a connection of its own, outside the pool (a shared one
    behind a lock made the threads queue on it). On SQLite it asks ``PRAGMA data_version``,
    which changes whenever another connection (of any process) has committed; the generation
    row is read again only then, so a visitor's cached page costs no query while nothing is
    written. On PostgreSQL the row is read each time, in autocommit (one indexed query, no
    transaction to begin and end).
    """
    def from_database() -> int:
        with engine.connect() as connection:
            return connection.scalar(select(PageCacheState.generation)) or 0

    mine = threading.local()  # a connection per thread: no lock for threads to queue on
    database = engine.url.database
    if engine.dialect.name == "postgresql":
        return _postgres_reader(engine, mine, from_database)
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return from_database

    def from_sqlite() -> int:
        own = getattr(mine, "own", None)
        if own is None:
            # (used by this thread only, but closed by whichever thread drops its locals)
            own = mine.own = _Own(sqlite3.connect(f"file:{database}?mode=ro", uri=True,
                                                  check_same_thread=False))
        version = own.connection.execute("PRAGMA data_version").fetchone()[0]
        if version != own.version:
            row = own.connection.execute("SELECT generation FROM page_cache_state").fetchone()
            own.version, own.generation = version, row[0] if row else 0
        return own.generation

    return from_sqlite


class _Own:
    """A thread's own connection, closed when the thread ends (its locals are dropped)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.version: Any = None  # SQLite's data_version when the generation was read
        self.generation = 0

    def __del__(self) -> None:
        with suppress(Exception):  # a connection already broken has nothing to release
            self.connection.close()


def _postgres_reader(engine: Engine, mine: threading.local,
                     fallback: Callable[[], int]) -> Callable[[], int]:
    import psycopg

    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def from_postgres() -> int:
        own = getattr(mine, "own", None)
        try:
            if own is None or own.connection.closed:
                own = mine.own = _Own(psycopg.connect(conninfo, autocommit=True))
            row = own.connection.execute("SELECT generation FROM page_cache_state").fetchone()
        except psycopg.Error:  # e.g. the server restarted: a new connection next time
            mine.own = None
            return fallback()
        return row[0] if row else 0

    return from_postgres


def is_anonymous_read(request: Request) -> bool:
    return (request.method in ("GET", "HEAD") and COOKIE_NAME not in request.cookies
            and "Authorization" not in request.headers)


def _storable(response: Response) -> bool:
    cache_control = response.cache_control
    return (response.status_code == 200 and response.content_type in CACHEABLE_TYPES
            and "Set-Cookie" not in response.headers and not cache_control.private
            and not cache_control.no_store)


def page_cache_tween_factory(handler: Callable[[Request], Response], registry: Registry,
                             ) -> Callable[[Request], Response]:
    settings = registry.settings
    if settings["forum.page_cache_entries"] == 0:
        return handler
    cache = PageCache(settings["forum.page_cache_entries"], settings["forum.page_cache_seconds"])
    current_generation = generation_reader(registry["forum.db_engine"])
    csrf = registry.getUtility(ICSRFStoragePolicy)

    def page_cache_tween(request: Request) -> Response:
        if not is_anonymous_read(request):
            return handler(request)
        try:
            address = request.path_qs
        except UnicodeDecodeError:  # the error views answer that, not the cache
            return handler(request)
        generation = current_generation()
        key = (request.host_url, address, negotiate_locale(request))
        entry = cache.get(key, generation)
        if entry is not None:
            body = entry.body
            if entry.has_token:  # this visitor's own token (and its cookie, if new)
                body = body.replace(PLACEHOLDER, csrf.get_csrf_token(request).encode())
            response = Response(status=entry.status, headerlist=list(entry.headers),
                                body=body)
            response.headers[STATUS_HEADER] = "hit"
            return response
        response = handler(request)
        if _storable(response) and not request.environ.get(UNCACHEABLE):
            body = response.body
            token = request.cookies.get("forum_csrf", "").encode()
            has_token = bool(token) and token in body
            if has_token:
                body = body.replace(token, PLACEHOLDER)
            headers = tuple((name, value) for name, value in response.headerlist
                            if name.lower() != "content-length")
            cache.put(key, Entry(generation, time.monotonic(), response.status, headers, body,
                                 has_token))
            response.headers[STATUS_HEADER] = "miss"
        return response

    return page_cache_tween
