"""The anonymous page cache: pages for visitors who are not signed in, kept in memory.

What may be cached: GET and HEAD requests without a sign-in cookie or an Authorization
header (so the answer is the anonymous visitor's, the same for all of them) that are answered
200 with HTML, JSON, XML or text, are not marked ``Cache-Control: private`` or ``no-store``
and set no cookie of their own. The key is the address and the visitor's language. Hits are
answered by ``CachedPages``, a WSGI layer in front of Pyramid (``forum_core.make_wsgi_app``
leaves it out when ``forum.page_cache_entries`` is 0).

When an entry is stale: every write that can change what visitors see (anything flushed
except the models marked ``page_cache_neutral``, such as sign-in sessions and read markers)
adds one to a generation number stored in the database, in the same transaction. Each
cached answer remembers the generation it was made at and is used only while that number is
unchanged, so no page is ever older than the last write, even with several app processes on
one database. Entries also expire after ``forum.page_cache_seconds`` (for "3 minutes ago").

The same generation also tells when values every request reads alike (the site's settings,
which categories are idea boards, a member's groups) must be read again:
:func:`until_next_write` keeps them in memory between requests, signed in or not.

Requests with a sign-in cookie go to :class:`forum_core.memberpages.MemberPages`, which keeps
members' topic pages on the same terms.

Per-visitor parts: the CSRF token in forms. A cached page stores a placeholder where the
token was and gets the visitor's own token (from their cookie, or a new one with its cookie)
each time it is served.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from pyramid.interfaces import ICSRFStoragePolicy
from sqlalchemy import BigInteger, Engine, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from webob.request import BaseRequest

from .accounts.security import COOKIE_NAME
from .db import SAFE_METHODS, Base
from .i18n import LOCALE_COOKIE, choose_locale

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.router import Router

#: set on a request whose answer depends on more than the database (the search index)
UNCACHEABLE = "forum.page_cache.skip"
#: the generation the page cache read for a request it passes on (``request.generation``)
GENERATION = "forum.page_cache.generation"
CACHEABLE_TYPES = ("text/html", "application/json", "application/atom+xml",
                   "application/xml", "text/plain")
PLACEHOLDER = b"\x00forum-csrf-token\x00"
STATUS_HEADER = "X-Forum-Cache"
#: a CSRF token as the forum makes them; only such a token is swapped in and out of pages
TOKEN = re.compile("[0-9a-f]{32}")


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


class SharedReads:
    """Values read from the database, kept for every request until the generation changes.

    Only the current generation's values are kept: the first value stored at a newer
    generation drops the others. ``entries`` bounds them in between (values per member, such
    as their groups, grow with the members browsing while nothing is written).
    """

    def __init__(self, entries: int = 10_000) -> None:
        self.entries = entries
        self.generation: int | None = None
        self._values: dict[Hashable, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: int, compute: Callable[[], Any]) -> Any:
        found = self._values.get(key)
        if found is not None and found[0] == generation:
            return found[1]
        value = compute()
        self.put(key, generation, value)
        return value

    def peek(self, key: Hashable, generation: int) -> Any:
        """The value kept at ``generation``, or None."""
        found = self._values.get(key)
        return found[1] if found is not None and found[0] == generation else None

    def put(self, key: Hashable, generation: int, value: Any) -> None:
        with self._lock:
            if generation != self.generation or len(self._values) >= self.entries:
                if self.generation is not None and generation < self.generation:
                    return  # a request that began before the last write: not kept
                self._values = {}
                self.generation = generation
            self._values[key] = (generation, value)


def until_next_write(request: Request, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, a read of the database that is the same for every request (or for every
    request of one member: put their id in ``key``), kept until the next write that changes
    what pages show (any flush of a model not marked ``page_cache_neutral``).

    The value is shared between threads: return something immutable (a tuple, a frozenset)
    or copy it. Requests that may write (POST and the like) always compute it, since their own
    uncommitted writes are not in the generation yet.
    """
    if request.method not in SAFE_METHODS:
        return compute()
    return request.registry["forum.shared_reads"].get(key, request.generation, compute)


def _request_generation(request: Request) -> int:
    """The generation when this request began (reified as ``request.generation``); read
    before the request's first query (see ``db._request_db``), so whatever the request
    reads is at least as new as the generation it is kept under. A request the page cache
    passed on has it already (read before Pyramid began): it is not read twice."""
    found = request.environ.get(GENERATION)
    return request.registry["forum.generation"]() if found is None else found


def includeme(config: Configurator) -> None:
    registry = config.registry
    registry["forum.generation"] = generation_reader(registry["forum.db_engine"])
    registry["forum.shared_reads"] = SharedReads()
    config.add_request_method(_request_generation, "generation", reify=True)


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


class CachedPages:
    """The WSGI application the server runs: the forum behind the anonymous page cache.

    A cached page is answered here, before Pyramid makes a request object, runs its tweens or
    looks up a view: a visitor's hit costs about as much as a hello-world page. Everything
    else goes to the forum (``self.app``), and an answer that may be kept is stored on its way
    out, with every header the forum gave it except the visitor's own cookie.
    """

    def __init__(self, app: Router) -> None:
        self.app = app
        self.registry = app.registry
        settings = app.registry.settings
        self.settings = settings
        self.cache = PageCache(settings["forum.page_cache_entries"],
                               settings["forum.page_cache_seconds"])
        self.current_generation = app.registry["forum.generation"]
        self.csrf_cookie = app.registry.getUtility(ICSRFStoragePolicy).cookie_profile
        self.count_queries = settings["forum.count_queries"]
        from .memberpages import MemberPages

        self.members = MemberPages(self) if settings["forum.page_cache_members"] else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _anonymous_read(environ):
            return self.app(environ, start_response)
        cookies = BaseRequest(environ).cookies  # (parsed once: Pyramid reuses the parse)
        token = cookies.get(self.csrf_cookie.cookie_name)
        if not (token is None or TOKEN.fullmatch(token)):
            # (a token the forum did not make is shown by the forum, escaped, and not kept)
            return self.app(environ, start_response)
        if COOKIE_NAME in cookies:  # a member's page: kept only if members may share it
            if self.members is None:
                return self.app(environ, start_response)
            return self.members(environ, start_response, cookies, token)
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        key = (environ["wsgi.url_scheme"], host,
               environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
               environ.get("QUERY_STRING", ""),
               choose_locale(self.settings, None, cookies.get(LOCALE_COOKIE),
                             environ.get("HTTP_ACCEPT_LANGUAGE")))
        generation = environ[GENERATION] = self.current_generation()
        entry = self.cache.get(key, generation)
        if entry is not None:
            return self.serve_kept(entry, environ, token, start_response)
        if environ["REQUEST_METHOD"] != "GET":  # a HEAD answer has no body to keep
            return self.app(environ, start_response)
        return self._store(key, generation, environ, token, start_response)

    def serve_kept(self, entry: Entry, environ: dict[str, Any], token: str | None,
               start_response: Callable[..., Any], body: bytes | None = None,
               served_as: str = "hit", queries: int = 0) -> list[bytes]:
        """Answer a kept page (``body``: the entry's, with a member's own parts put in)."""
        headers = list(entry.headers)
        body = entry.body if body is None else body
        if entry.has_token:  # this visitor's own token, and its cookie if they had none
            if not token:
                token = secrets.token_hex(16)
                headers.extend(self.csrf_cookie.get_headers(token))
            body = body.replace(PLACEHOLDER, token.encode())
        headers.append(("Content-Length", str(len(body))))
        headers.append((STATUS_HEADER, served_as))
        if self.count_queries:
            headers.append(("X-Forum-Queries", str(queries)))
        start_response(entry.status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _store(self, key: tuple[str, ...], generation: int, environ: dict[str, Any],
               token: str | None, start_response: Callable[..., Any]) -> Any:
        """Pass the request on; hold an answer that may be kept until it is whole, keep it,
        then send it. Any other answer (a file, an error, a redirect) streams through."""
        held: dict[str, Any] = {}
        written: list[bytes] = []
        deciding = True

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = _keepable(status, headers, self.csrf_cookie.cookie_name) if deciding \
                else None
            if kept is None:
                return start_response(status, headers, exc_info)
            held.update(status=status, headers=headers, kept=kept)
            return written.append

        chunks = self.app(environ, hold)
        deciding = False
        if not held:
            return chunks
        try:
            body = b"".join([*written, *chunks])
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers, (kept, new_token) = held["status"], held["headers"], held["kept"]
        if not environ.get(UNCACHEABLE):
            self.cache.put(key, Entry(generation, time.monotonic(), status, kept,
                                      *without_token(body, new_token or token)))
            headers = [*headers, (STATUS_HEADER, "miss")]
        start_response(status, headers)
        return [body]


def without_token(body: bytes, token: str | None) -> tuple[bytes, bool]:
    """A page to keep, with the placeholder where the CSRF token it was made with was, and
    whether there was one."""
    token_bytes = (token or "").encode()
    if not token_bytes or token_bytes not in body:
        return body, False
    return body.replace(token_bytes, PLACEHOLDER), True


def _anonymous_read(environ: dict[str, Any]) -> bool:
    return environ["REQUEST_METHOD"] in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in environ


def _keepable(status: str, headers: list[tuple[str, str]], csrf_cookie: str,
              ) -> tuple[tuple[tuple[str, str], ...], str | None] | None:
    """The headers to keep with an answer that may be cached, and the CSRF token it gave a
    new visitor; None for any other answer. Kept: a 200 of a text type, not private, that
    sets no cookie but the CSRF token; kept without that cookie, its length and its count
    of queries, which belong to this answer only."""
    if not status.startswith("200 "):
        return None
    kept, new_token, typed = [], None, False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-type":
            typed = value.split(";")[0].strip() in CACHEABLE_TYPES
        elif lowered == "cache-control" and ("private" in value or "no-store" in value):
            return None
        elif lowered == "set-cookie":
            cookie_name, _, rest = value.partition("=")
            new_token = rest.split(";")[0]
            if cookie_name != csrf_cookie or not TOKEN.fullmatch(new_token):
                return None
            continue
        if lowered not in ("content-length", "x-forum-queries"):
            kept.append((name, value))
    return (tuple(kept), new_token) if typed else None
