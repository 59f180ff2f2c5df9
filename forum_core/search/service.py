"""Searching, and keeping the index in step with the database.

:class:`SearchIndex` owns the backend and the document types. Changes are noted while a
database session flushes and sent to the index only once its transaction has committed, so a
rolled-back request indexes nothing. :func:`run_search` answers a member's search: the backend
ranks candidates, then every candidate goes through the visibility choke point (each document
type's ``results``), and only what the viewer may see is shown or counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from ..accounts.models import User
from ..content.models import Category
from ..content.tags import tags_by_slugs
from ..contenttypes import ContentItem, ContentType, SearchDocument
from ..datadir import describe
from ..db import unavailable_reason
from ..errors import ValidationError
from ..i18n import _
from ..limits import SIMILAR_TEXT_MAX, parse_id
from ..rendering import plain_text
from ..visibility import category_clause
from .backends import Hit, SearchBackend, SearchUnavailable
from .documents import snippet
from .models import SearchQueue
from .query import MAX_CLAUSES, MAX_HITS, Clause, IndexQuery, parse_text, words

log = logging.getLogger(__name__)

PER_PAGE = 20
#: how long a search waits for the writer thread to index what was committed before it
SETTLE_WAIT = 10.0
SORTS = ("relevance", "newest")
_PENDING = "forum.search_pending"
INDEX_KEY = "forum.search_index"


class SearchIndex:
    """The backend plus the searchable content types of the core and the enabled plugins.

    With ``deferred`` (a Whoosh index in the web application) committed changes are written
    to the index by one background thread, many transactions in one index write: a Whoosh
    write opens a reader of the whole index (most of a second at 200,000 posts), which a
    member's post would otherwise wait for. A search first waits until the index holds what
    this process committed before it began (:meth:`settle`), so nobody misses their own post;
    what a killed process never wrote is replayed from the ``search_queue`` table.
    """

    def __init__(self, backend: SearchBackend, types: Iterable[ContentType],
                 sessions: sessionmaker[Session], deferred: bool = False) -> None:
        self.backend = backend
        self.types: dict[str, ContentType] = {t.name: t for t in types}
        self.sessions = sessions
        self.deferred = deferred
        self._done: set[int] = set()
        self._done_lock = threading.Lock()
        self._waiting: tuple[set[Hit], list[int]] = (set(), [])  # for the writer thread
        self._submitted = self._written = 0  # transactions handed over / written
        self._turn = threading.Condition()
        self._writer: threading.Thread | None = None
        self._closed = False  # the writer thread ends once it has nothing left to write

    def watch(self, factory: sessionmaker[Session]) -> None:
        """Index what sessions of ``factory`` commit."""
        # (keeping what others put there: the job queue sessions enqueue to)
        factory.configure(info={**factory.kw.get("info", {}), INDEX_KEY: self})

    def noted(self, session: Session, obj: Any) -> Iterator[Hit]:
        for type_ in self.types.values():
            if isinstance(obj, type_.watched):
                for key in type_.changed(session, obj):
                    yield type_.name, key

    def refresh(self, hits: Iterable[Hit]) -> None:
        """Re-read these documents from the database and update (or remove) them."""
        by_type: dict[str, set[int]] = defaultdict(set)
        for name, key in hits:
            by_type[name].add(key)
        documents: list[SearchDocument] = []
        removed: list[Hit] = []
        with self.sessions() as session:
            for name, keys in by_type.items():
                found = {d.key: d for d in self.types[name].documents(session, sorted(keys))}
                documents.extend(found.values())
                removed.extend((name, key) for key in keys if key not in found)
        self.backend.update(documents, removed)

    def all_documents(self) -> Iterator[SearchDocument]:
        with self.sessions() as session:
            for type_ in self.types.values():
                yield from type_.documents(session)

    def total(self) -> int:
        with self.sessions() as session:
            return sum(type_.count(session) for type_ in self.types.values())

    def rebuild(self, progress: Callable[[int], None] = lambda n: None) -> int:
        count = self.backend.rebuild(self.all_documents(), progress)
        self.clear_queue()  # the whole index is new: nothing queued is missing from it
        return count

    def submit(self, hits: set[Hit], queued: list[int]) -> None:
        """Index ``hits``, which a transaction committed with the ``search_queue`` rows
        ``queued``: at once, or by the writer thread when ``deferred``."""
        if not self.deferred:
            self._write(hits, queued)
            return
        with self._turn:
            self._waiting[0].update(hits)
            self._waiting[1].extend(queued)
            self._submitted += 1
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_waiting, daemon=True,
                                                name="forum-search-writer")
                self._writer.start()
            self._turn.notify_all()

    def settle(self, timeout: float = SETTLE_WAIT) -> None:
        """Wait (at most ``timeout`` seconds) until the index holds every change this process
        committed so far."""
        with self._turn:
            target = self._submitted
            self._turn.wait_for(lambda: self._written >= target, timeout)

    def close(self, timeout: float = SETTLE_WAIT) -> None:
        """Finish what the writer thread was handed and a rebuild in progress (each at most
        ``timeout`` seconds), so that neither reads the database after this returns. The
        writer thread ends (a process that goes on, such as a test run, would otherwise keep
        every closed index and its application alive); a later change starts another."""
        self.settle(timeout)
        with self._turn:
            self._closed = True
            writer = self._writer
            self._turn.notify_all()
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout)
        self.backend.wait(timeout)

    def _write_waiting(self) -> None:
        while True:
            with self._turn:
                self._turn.wait_for(lambda: self._written < self._submitted or self._closed)
                if self._written >= self._submitted:  # closed, and nothing left to write
                    self._writer = None  # (under the lock: a submit after this starts one)
                    return
                (hits, queued), self._waiting = self._waiting, (set(), [])
                upto = self._submitted
            self._write(hits, queued)
            with self._turn:
                self._written = upto
                self._turn.notify_all()

    def _write(self, hits: set[Hit], queued: list[int]) -> None:
        try:
            self.refresh(hits)
        except Exception as exc:  # the data is committed; the queue replays it at restart
            reason = unavailable_reason(exc) or (
                describe(exc) if isinstance(exc, OSError) else None)
            if reason is None:
                log.exception("updating the search index failed for %d documents; they are "
                              "indexed when the forum starts again (or run `forum reindex`)",
                              len(hits))
            else:  # a folder or database that is away: one line, no traceback per post
                log.error("could not update the search index for %d documents (%s); they "
                          "are indexed when the forum starts again, or run 'forum reindex' "
                          "once the index can be written", len(hits), reason)
            return
        if self.backend.ready:  # not while a rebuild holds them in memory only
            self.mark_done(queued)

    # the queue of promised index work (see _note_changes)

    def mark_done(self, ids: Iterable[int]) -> None:
        with self._done_lock:
            self._done.update(ids)

    def take_done(self) -> list[int]:
        with self._done_lock:
            done, self._done = sorted(self._done), set()
        return done

    def replay_queue(self, writes: sessionmaker[Session]) -> int:
        """Index what committed transactions queued but no index write confirmed (a process
        was killed in between); returns how many documents. Run when the forum starts."""
        with self.sessions() as session:
            rows = list(session.execute(select(SearchQueue.id, SearchQueue.hits)))
        if not rows:
            return 0
        hits = set().union(*(decode_hits(text) for _, text in rows))
        self.refresh(hit for hit in hits if hit[0] in self.types)
        with writes() as session, session.begin():
            session.execute(delete(SearchQueue).where(
                SearchQueue.id.in_([row_id for row_id, _ in rows])))
        return len(hits)

    def forget_done(self, writes: sessionmaker[Session]) -> None:
        """Delete the queue rows whose documents the index has (a command does this when it
        ends, as it has no later write to carry the deletion)."""
        done = self.take_done()
        if done:
            with writes() as session, session.begin():
                session.execute(delete(SearchQueue).where(SearchQueue.id.in_(done)))

    def clear_queue(self) -> None:
        with self.sessions.kw["bind"].begin() as connection:
            connection.execute(delete(SearchQueue))


# -- after commit, never after a rollback; replayed after a crash -----------------------------

_QUEUED = "forum.search_queued"


def encode_hits(hits: Iterable[Hit]) -> str:
    return " ".join(f"{name}:{key}" for name, key in sorted(hits))


def decode_hits(text: str) -> set[Hit]:
    found = set()
    for item in text.split():
        name, _, key = item.rpartition(":")
        number = parse_id(key)
        if name and number is not None:
            found.add((name, number))
    return found


@sa_event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context: Any) -> None:
    """Note the documents this flush touches, and queue them in the same transaction, so a
    process killed between the commit and the index write leaves the work to be replayed."""
    index = session.info.get(INDEX_KEY)
    if index is None:
        return
    pending = session.info.setdefault(_PENDING, set())
    hits: set[Hit] = set()
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            hits.update(index.noted(session, obj))
    hits -= pending
    connection = session.connection()
    done = index.take_done()
    if done:  # rows whose documents the index already has go with this transaction
        connection.execute(delete(SearchQueue).where(SearchQueue.id.in_(done)))
    if hits:
        pending.update(hits)
        row_id = connection.scalar(insert(SearchQueue).values(hits=encode_hits(hits))
                                   .returning(SearchQueue.id))
        session.info.setdefault(_QUEUED, []).append(row_id)


@sa_event.listens_for(Session, "after_commit")
def _send_changes(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    queued = session.info.pop(_QUEUED, [])
    index = session.info.get(INDEX_KEY)
    if pending and index is not None:
        index.submit(pending, queued)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_changes(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_QUEUED, None)


# -- a member's search ------------------------------------------------------------------------

FILTERS = ("q", "type", "category", "author", "from", "to", "status", "tag", "sort", "page")
#: ``tag:slug`` in the search text: the same as the ``tag`` filter
_TAG_IN_TEXT = re.compile(r"(?:^|(?<=\s))tag:(\S+)")
#: at most this many tags in one search
SEARCH_TAGS_MAX = 5


def search_tags(text: str, param: str) -> tuple[str, list[str]]:
    """The search text without its ``tag:slug`` words, and the slugs of those and of the
    ``tag`` parameter (slugs separated by commas)."""
    slugs = [s for s in param.split(",") if s.strip()]
    slugs += [s for match in _TAG_IN_TEXT.findall(text) for s in match.split(",") if s]
    return _TAG_IN_TEXT.sub(" ", text), slugs


@dataclass
class SearchPage:
    """One page of visible results; ``total`` counts only what the viewer may see."""

    params: dict[str, str]
    results: list[ContentItem] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    capped: bool = False
    rebuilding: bool = False
    searched: bool = False


#: a day as year-month-day (RFC 3339's full-date); fromisoformat alone also takes 20260131
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _date(value: str, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        if re.fullmatch(DATE_PATTERN, value, flags=re.ASCII) is None:
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Write dates as year-month-day, for example 2026-01-31.")
                              ) from None
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    return moment.replace(tzinfo=dt.UTC)


def _page_number(value: str) -> int:
    if not value:
        return 1
    number = parse_id(value)
    if number is None:
        raise ValidationError(_("The page must be a number."))
    return max(1, number)


def clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The search parameters of a query string, each a single stripped string."""
    cleaned = {}
    for name in FILTERS:
        value = params.get(name, "")
        cleaned[name] = value.strip() if isinstance(value, str) else ""
    return {name: value for name, value in cleaned.items() if value}


@dataclass(frozen=True)
class CategoryScope:
    """The categories a viewer may search: ``readable`` rows (id, slug, name) in listing
    order, for the search form too, and the ids of those they may not read (the index
    leaves out these few closed ones, cheaper than listing every readable one; each hit is
    checked again by its document type anyway)."""

    readable: list[Any]
    hidden: tuple[int, ...]

    def id_of(self, slug: str) -> int | None:
        return next((row.id for row in self.readable if row.slug == slug), None)


def category_scope(request: Any) -> CategoryScope:
    readable, hidden = [], []
    for row in request.db.execute(
            select(Category.id, Category.slug, Category.name,
                   category_clause(request.viewer).label("readable"))
            .order_by(Category.position, Category.id)):
        if row.readable:
            readable.append(row)
        else:
            hidden.append(row.id)
    return CategoryScope(readable, tuple(hidden))


def run_search(request: Any, params: Mapping[str, str], per_page: int = PER_PAGE,
               scope: CategoryScope | None = None) -> SearchPage:
    """Search as ``request.viewer`` (in ``scope``, when the caller already has it).

    :raises ValidationError: for a query or filter that cannot be used, with what to change.
    :raises SearchUnavailable: when the index can be neither read nor rebuilt now.
    """
    index: SearchIndex = request.registry[INDEX_KEY]
    page = SearchPage(params=dict(params))
    if not params.get("q"):
        return page
    _prepare(index)
    text, tag_slugs = search_tags(params["q"], params.get("tag", ""))
    if len(tag_slugs) > SEARCH_TAGS_MAX:
        raise ValidationError(_("Search with at most ${maximum} tags.",
                                mapping={"maximum": SEARCH_TAGS_MAX}))
    # a tag's name is no secret (its page shows only what the viewer may see): an unknown
    # one is refused by name
    tag_ids = tuple(tag.id for tag in tags_by_slugs(request.db, tag_slugs))
    clauses = parse_text(text)
    types: tuple[str, ...] = ()  # all of them: no filter to compute
    if params.get("type"):
        if params["type"] not in index.types:
            raise ValidationError(_("There is no content type ${type}; choose one of ${types}.",
                                    mapping={"type": params["type"],
                                             "types": ", ".join(index.types)}))
        types = (params["type"],)
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise ValidationError(_("Sort by relevance or newest."))
    since, until = _date(params.get("from", "")), _date(params.get("to", ""), end=True)
    if since and until and since > until:
        raise ValidationError(_("The start date is after the end date."))
    db = request.db
    scope = scope or category_scope(request)
    hidden = scope.hidden
    if params.get("category"):
        chosen = scope.id_of(params["category"])
        if chosen is None:
            # a category the viewer may not read is treated exactly like a missing one
            raise ValidationError(_("There is no category ${category}.",
                                    mapping={"category": params["category"]}))
        category_ids: tuple[int, ...] | None = (chosen,)
        hidden = ()
    else:
        category_ids = None  # every category but the hidden ones
    author_id = None
    if params.get("author"):
        author_id = db.scalar(select(User.id).where(
            func.lower(User.username) == params["author"].lower()))
        if author_id is None:
            raise ValidationError(_("There is no member ${author}.",
                                    mapping={"author": params["author"]}))
    number = _page_number(params.get("page", ""))
    query = IndexQuery(clauses, types=types, category_ids=category_ids,
                       hidden_category_ids=hidden, author_id=author_id,
                       since=since, until=until, status=params.get("status") or None,
                       tag_ids=tag_ids, newest=sort == "newest", limit=MAX_HITS)
    hits = _visible_hits(request, index, index.backend.search(query))
    page.searched = True
    page.rebuilding = not index.backend.ready
    page.total = len(hits)
    page.capped = len(hits) >= MAX_HITS
    page.pages = max(1, -(-page.total // per_page))
    page.page = min(number, page.pages)
    page.results = _results(request, index, hits[(page.page - 1) * per_page:page.page * per_page])
    terms = tuple(clauses)
    for result in page.results:
        result.snippet = snippet(result.text or plain_text(result.html), terms)
    page.params.pop("page", None)
    return page


#: how long a search waits for a rebuild in progress (a small forum's takes less) before it
#: answers from what the index has so far
REBUILD_WAIT = 2.0

#: words shorter than this say little about whether two texts are alike
SIMILAR_MIN_LENGTH = 3


def find_similar(request: Any, text: str, types: Iterable[str] = (), limit: int = 5,
                 exclude: Iterable[tuple[str, int]] = ()) -> list[ContentItem]:
    """Up to ``limit`` documents the viewer may see that share the most words with ``text``
    (a new topic's or idea's title, to point at possible duplicates), best first.

    :param types: document type names to look in (all types when empty; unknown ones are
        ignored).
    :param exclude: ``(type, key)`` pairs to leave out, e.g. the document being edited.

    Nothing is found while the index cannot be read (the form it helps with still works).
    """
    terms = list(dict.fromkeys(w for w in words(text[:SIMILAR_TEXT_MAX])
                               if len(w) >= SIMILAR_MIN_LENGTH))
    index: SearchIndex = request.registry[INDEX_KEY]
    _prepare(index)
    wanted = tuple(t for t in types if t in index.types) if types else tuple(index.types)
    if not terms or not wanted:
        return []
    query = IndexQuery(tuple(Clause((word,)) for word in terms[:MAX_CLAUSES]), types=wanted,
                       hidden_category_ids=category_scope(request).hidden, any_clause=True,
                       limit=limit * 4)
    skip = set(exclude)
    try:
        found = index.backend.search(query)
    except SearchUnavailable:  # a hint only: the form it helps with still works (logged)
        return []
    hits = [hit for hit in found if hit not in skip]
    results = {(item.type, item.key): item for item in _results(request, index, hits)}
    return [results[hit] for hit in one_per_item(index, list(results))][:limit]


def _prepare(index: SearchIndex) -> None:
    """Before a search: wait for a rebuild (briefly) and for this process's latest writes."""
    if not index.backend.ready:
        index.backend.wait(REBUILD_WAIT)
    index.settle()


def _by_type(index: SearchIndex, hits: list[Hit]) -> Iterator[tuple[ContentType, list[int]]]:
    """The keys of ``hits`` grouped by document type (one query each); a disabled plugin's
    documents, which stay in the index until the next reindex, are left out."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for name, key in hits:
        grouped[name].append(key)
    for name, keys in grouped.items():
        if name in index.types:
            yield index.types[name], keys


def _visible_hits(request: Any, index: SearchIndex, hits: list[Hit]) -> list[Hit]:
    """The hits the viewer may see, in the backend's order, checked by key only, one per
    item (:func:`one_per_item`)."""
    seen = {(type_.name, key) for type_, keys in _by_type(index, hits)
            for key in type_.visible(request, keys)}
    return one_per_item(index, [hit for hit in hits if hit in seen])


def one_per_item(index: SearchIndex, hits: list[Hit]) -> list[Hit]:
    """``hits`` with each item once: where a type ``stands_for`` another and both documents
    of one key were found, the standing-in one is kept, at the first of the two places."""
    standing = {name: type_.stands_for for name, type_ in index.types.items()
                if type_.stands_for}
    if not standing:
        return hits
    present = set(hits)
    replaced: dict[Hit, Hit] = {}
    for name, key in hits:
        target = standing.get(name)
        if target and (target, key) in present:
            replaced.setdefault((target, key), (name, key))
    kept: dict[Hit, None] = {}
    for hit in hits:
        kept.setdefault(replaced.get(hit, hit), None)
    return list(kept)


def _results(request: Any, index: SearchIndex, hits: list[Hit]) -> list[ContentItem]:
    """The hits the viewer may see, loaded for showing, in the backend's order."""
    found = {(type_.name, key): result for type_, keys in _by_type(index, hits)
             for key, result in type_.items(request, keys).items()}
    return [found[hit] for hit in hits if hit in found]


