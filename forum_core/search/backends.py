"""Where documents are indexed and matched: a Whoosh index on this machine, or PostgreSQL's
full-text search in the forum's database (for several app processes on several machines).

A backend knows nothing of viewers: it returns the ``(type, key)`` pairs that match an
:class:`~forum_core.search.query.IndexQuery`, best first, and the search service keeps only
what the viewer may see. Both backends are fed the same pre-split words (see
:func:`~forum_core.search.query.words`), so they agree on what matches.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, delete, desc, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..contenttypes import SearchDocument
from .models import SearchEntry
from .query import Clause, IndexQuery, words

log = logging.getLogger(__name__)

Hit = tuple[str, int]


def batches(documents: Iterable[SearchDocument], size: int = 500,
            ) -> Iterator[list[SearchDocument]]:
    """``documents`` in lists of at most ``size``, read lazily."""
    pending: list[SearchDocument] = []
    for document in documents:
        pending.append(document)
        if len(pending) >= size:
            yield pending
            pending = []
    if pending:
        yield pending


def doc_id(type_: str, key: int) -> str:
    return f"{type_}:{key}"


class SearchUnavailable(Exception):
    """The index can be neither read nor rebuilt now (its folder is read-only or gone, the
    disk is full): searches answer 503 until it can; the rest of the forum works."""

    def __init__(self, path: Path, error: BaseException) -> None:
        super().__init__(f"search index {path}: {_reason(error)}")


def _reason(error: BaseException) -> str:
    """An error in one line, without the name of the file it was about."""
    if isinstance(error, OSError) and error.errno:
        return f"[Errno {error.errno}] {error.strerror}"
    return " ".join(f"{type(error).__name__}: {error}".split())


class SearchBackend:
    """Interface of a backend. ``ready`` is False while a missing or broken index is rebuilt."""

    name = ""

    def update(self, documents: Sequence[SearchDocument], removed: Iterable[Hit]) -> None:
        raise NotImplementedError

    def search(self, query: IndexQuery) -> list[Hit]:
        raise NotImplementedError

    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] = lambda n: None) -> int:
        """Replace the whole index with ``documents``; returns how many were indexed."""
        raise NotImplementedError


    @property
    def ready(self) -> bool:
        return True

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for a rebuild in progress (if any) to finish, at most ``timeout`` seconds."""


# -- Whoosh -----------------------------------------------------------------------------------

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
#: indexes this process is rebuilding now
_BUILDING: set[str] = set()


def _process_lock(path: Path) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path.resolve()), threading.RLock())


def _schema() -> Any:
    from whoosh.analysis import LowercaseFilter, RegexTokenizer
    from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema

    analyzer = RegexTokenizer(r"\w+") | LowercaseFilter()
    return Schema(id=ID(unique=True, stored=True), type=ID(stored=True), key=ID(stored=True),
                  category=ID, author=ID, status=ID, tags=KEYWORD,
                  created=DATETIME(sortable=True),
                  title=TEXT(analyzer=analyzer, field_boost=2.0), body=TEXT(analyzer=analyzer))


class _Lengths:
    """One field's length byte per document of a segment, held in memory."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __getitem__(self, docnum: int) -> int:
        return self.data[docnum] if docnum < len(self.data) else 0


#: the fields BM25F weighs by their length
_SCORED_FIELDS = ("title", "body")


class _Segment:
    """What searches keep of one index segment, which never changes once written (an updated
    document is deleted there and added to a new segment):

    - the length of each document's title and body. BM25F weighs each match by its field's
      length, and Whoosh read that byte from the segment's file for every matching document
      (the index is read with plain file reads, see :meth:`WhooshBackend._storage`): a fifth
      of a search's time. 2 bytes per document, read once.
    - the hit (type and key) of each document. Reading a document's stored fields costs
      about 7 µs, half of a search that found 500 documents. 9 bytes per document, read
      ahead for the whole segment in the web application (see
      :meth:`WhooshBackend._learn_hits`), and by searches for documents not read yet.

    Together 2.2 MB at 200,000 posts. Holding the lengths uses the internals of Whoosh's only
    codec; a reader without them is left as it is.
    """

    __slots__ = ("keys", "types", "lengths")

    def __init__(self, reader: Any) -> None:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        count = reader.doc_count_all()
        self.keys = array("q", bytes(8 * count))  # 0: not read yet (keys start at 1)
        self.types = bytearray(count)  # index + 1 in _TYPE_NAMES
        self.lengths: dict[str, _Lengths] = {}
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader") \
                or not hasattr(perdoc, "_readers"):
            return
        for field in _SCORED_FIELDS:
            name = _lenfield(field)
            column = perdoc._cached_reader(name, LENGTHS_COLUMN)
            if column is not None:
                self.lengths[name] = _Lengths(column._dbfile.get(column._basepos,
                                                                 column._count))

    def learn(self, local: int, fields: dict[str, Any]) -> None:
        """Remember document ``local``'s hit from its stored fields (its type first: a key
        that is set means both are)."""
        self.types[local] = _type_code(fields["type"])
        self.keys[local] = int(fields["key"])

    def hold_lengths(self, reader: Any) -> None:
        """Let ``reader`` (a new reader of this segment) score from the lengths held here."""
        perdoc = getattr(reader, "_perdoc", None)
        if self.lengths and perdoc is not None:
            perdoc._readers.update(self.lengths)


#: document type names, numbered for _Segment.types
_TYPE_NAMES: list[str] = []


def _type_code(name: str) -> int:
    if name not in _TYPE_NAMES:
        _TYPE_NAMES.append(name)
    return _TYPE_NAMES.index(name) + 1


class WhooshBackend(SearchBackend):
    """A Whoosh index in ``<data_dir>/search``.

    Writes from the threads of this process queue behind one lock, writers of other processes
    (``forum reindex``) behind Whoosh's lock file. A missing or unreadable index is detected on
    first use and rebuilt from ``source``: in a background thread in the web application
    (searches answer with what is already there meanwhile), at once in a command (which
    would exit before a background thread finished).
    """

    name = "whoosh"
    WRITE_TIMEOUT = 30.0
    OPEN_ATTEMPTS = 4

    def __init__(self, path: Path, source: Callable[[], Iterable[SearchDocument]] | None = None,
                 background: bool = True) -> None:
        self.path = Path(path)
        self.source = source
        self.background = background
        self.lock = _process_lock(self.path)
        self._rebuilding: threading.Thread | None = None
        self._missed: list[tuple[Sequence[SearchDocument], list[Hit]]] = []
        self._shared: tuple[Any, int] | None = None  # (searcher, epoch it was opened at)
        self._segments: dict[str | None, _Segment] = {}  # by segment id
        self._learning: threading.Thread | None = None  # reading new segments' hits ahead
        self._search_lock = threading.Lock()
        self._state = threading.Lock()  # guards _missed and the end of a rebuild
        self._epoch = 0  # bumped when the shared searcher must open anew (a rebuilt index,
        # files it can no longer read)

    @property
    def ready(self) -> bool:
        return self._rebuilding is None or not self._rebuilding.is_alive()

    def _storage(self) -> Any:
        """The index's folder, read with plain file reads: Whoosh maps each segment file into
        memory by default, and opening a searcher then touched all of it (a 340 MB segment
        made a 700 MB process at 200,000 posts, against 40 MB with reads)."""
        from whoosh.filedb.filestore import FileStorage

        return FileStorage(str(self.path), supports_mmap=False)

    def _open(self) -> Any:
        from whoosh import index

        for attempt in range(self.OPEN_ATTEMPTS):
            try:
                if not index.exists_in(str(self.path)):
                    if self.path.exists():
                        log.warning("search index %s is missing; rebuilding it", self.path)
                    else:  # a new forum's first write: nothing was lost
                        log.info("creating the search index %s from the database", self.path)
                    break
                if self._interrupted():
                    log.warning("rebuilding the search index %s was interrupted; rebuilding "
                                "it again", self.path)
                    break
                ix = self._storage().open_index()
                if "tags" not in ix.schema.names():
                    log.warning("search index %s has no tags yet; rebuilding it", self.path)
                    break
                with ix.searcher() as searcher:
                    searcher.doc_count()
                return ix
            except Exception as exc:
                # a writer in another thread or process may have just replaced the files
                # being read: look again before calling the index broken
                if attempt + 1 < self.OPEN_ATTEMPTS:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if isinstance(exc, OSError):  # the folder, not the index: one line
                    log.warning("search index %s cannot be read (%s); rebuilding it",
                                self.path, _reason(exc))
                else:
                    log.exception("search index %s cannot be read; rebuilding it", self.path)
        return self._recover()

    # a rebuild in progress leaves a marker holding its process id, so one that was killed
    # half-way is noticed (its index is readable, but incomplete)
    MARKER = "REBUILDING"

    def _interrupted(self) -> bool:
        try:
            pid = int((self.path / self.MARKER).read_text().strip() or 0)
        except (OSError, ValueError):
            return False
        if pid == os.getpid():
            with _LOCKS_GUARD:  # rebuilding in this process right now, or a thread that died
                return str(self.path.resolve()) not in _BUILDING
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False  # another process is still rebuilding it

    def _finished(self) -> None:
        (self.path / self.MARKER).unlink(missing_ok=True)
        with _LOCKS_GUARD:
            _BUILDING.discard(str(self.path.resolve()))

    def _create(self) -> Any:

        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / self.MARKER).write_text(str(os.getpid()))
        with _LOCKS_GUARD:
            _BUILDING.add(str(self.path.resolve()))
        self._epoch += 1
        return self._storage().create_index(_schema())

    def _recover(self) -> Any:
        with self.lock:
            if self.ready:
                ix = self._create()
                if self.source is not None and not self.background:
                    self._add(self.source(), lambda n: None)
                    self._finished()
                elif self.source is not None:
                    self._rebuilding = threading.Thread(
                        target=self._background_rebuild, name="forum-search-rebuild",
                        daemon=True)
                    self._rebuilding.start()
                else:
                    self._finished()
                return ix
        return self._storage().open_index()

    def _background_rebuild(self) -> None:
        try:
            assert self.source is not None
            self._add(self.source(), lambda n: None)
        except Exception:
            log.exception("rebuilding the search index %s failed", self.path)
            with _LOCKS_GUARD:  # the marker stays: the next use rebuilds it again
                _BUILDING.discard(str(self.path.resolve()))
            return
        while True:  # what was written meanwhile; "ready" flips only once none is left
            with self._state:
                missed, self._missed = self._missed, []
                if not missed:
                    self._rebuilding = None
                    break
            for documents, removed in missed:
                self._write(documents, removed)
        self._finished()

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for a background rebuild to finish (tests and the command line use it)."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)

    @staticmethod
    def _fields(document: SearchDocument) -> dict[str, Any]:
        return {"id": doc_id(document.type, document.key), "type": document.type,
                "key": str(document.key), "category": str(document.category_id or 0),
                "author": str(document.author_id or ""), "status": document.status or "",
                "tags": " ".join(str(tag) for tag in document.tags),
                "created": document.created_at.replace(tzinfo=None),
                "title": document.title, "body": document.body}

    def update(self, documents: Sequence[SearchDocument], removed: Iterable[Hit]) -> None:
        removed = list(removed)
        with self._state:  # (not self.lock: a rebuild holds that until it is done)
            if not self.ready:
                self._missed.append((documents, removed))
                return
        self._write(documents, removed)

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        """The one searcher of the index's latest version, shared by all threads in turn.

        Opening a searcher reads every segment's term dictionary (a third of a second and
        about 400 MB at 200,000 posts), so it is kept until the index changes; a second one
        did not make searches faster on two cores (the GIL) and doubled the memory.
        """
        with self._search_lock:
            self._shared = self._fresh(self._shared)
            yield self._shared[0]

    def _fresh(self, kept: tuple[Any, int] | None) -> tuple[Any, int]:
        if kept is not None:
            searcher, epoch = kept
            try:
                if epoch == self._epoch and \
                        searcher._ix.latest_generation() == searcher.reader().generation():
                    return kept
            except Exception:  # files replaced under it: open the index anew
                log.info("reopening the search index %s", self.path, exc_info=True)
            try:
                searcher.close()
            except Exception:  # already unreadable: nothing to release but its files
                log.debug("closing a broken searcher", exc_info=True)
        return self._prepared(self._open().searcher()), self._epoch

    def _write(self, documents: Sequence[SearchDocument], removed: list[Hit]) -> None:
        ix = self._open()
        with self.lock:
            writer = ix.writer(timeout=self.WRITE_TIMEOUT, delay=0.05)
            try:
                for type_, key in removed:
                    writer.delete_by_term("id", doc_id(type_, key))
                for document in documents:
                    writer.update_document(**self._fields(document))
                writer.commit()
            except BaseException:
                # whatever failed, the lock must not outlive this writer, or every later
                # write would wait for it in vain
                try:
                    writer.cancel()
                except Exception:
                    writer.writelock.release()
                raise

    def _add(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        """Fill a new, empty index: one writer and one commit for everything (a commit per
        batch made a 200,000-post rebuild take a quarter of an hour, merging as it went)."""
        ix = self._open()
        total = 0
        with self.lock:
            writer = ix.writer(timeout=self.WRITE_TIMEOUT, limitmb=128)
            try:
                for batch in batches(documents):
                    for document in batch:
                        # replaces a copy a write made just before the rebuild began (cheap:
                        # the new index holds little else)
                        writer.update_document(**self._fields(document))
                    total += len(batch)
                    progress(len(batch))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
        return total

    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] = lambda n: None) -> int:
        with self.lock:
            self._create()
        count = self._add(documents, progress)
        self._finished()
        return count

    def search(self, query: IndexQuery) -> list[Hit]:
        from whoosh import query as q

        def field_query(clause: Clause, field: str) -> Any:
            if clause.prefix:
                head = [q.Term(field, word) for word in clause.words[:-1]]
                return q.And([*head, q.Prefix(field, clause.words[-1])]) if head else \
                    q.Prefix(field, clause.words[-1])
            if clause.is_phrase:
                return q.Phrase(field, list(clause.words))
            return q.Term(field, clause.words[0])

        def clause_query(clause: Clause) -> Any:
            return q.Or([field_query(clause, "title"), field_query(clause, "body")])

        parts = [clause_query(clause) for clause in query.positive]
        if query.any_clause:
            parts = [q.Or(parts)]
        parts += [q.Not(clause_query(clause)) for clause in query.negative]
        filters = []
        if query.types:
            filters.append(q.Or([q.Term("type", t) for t in query.types]))
        if query.category_ids is not None:
            filters.append(q.Or([q.Term("category", str(c)) for c in query.category_ids])
                           if query.category_ids else q.NullQuery)
        mask = q.Or([q.Term("category", str(c)) for c in query.hidden_category_ids]) \
            if query.hidden_category_ids else None
        if query.author_id is not None:
            filters.append(q.Term("author", str(query.author_id)))
        if query.status:
            filters.append(q.Term("status", query.status))
        filters.extend(q.Term("tags", str(tag)) for tag in query.tag_ids)
        if query.since or query.until:
            filters.append(q.DateRange(
                "created", query.since and query.since.replace(tzinfo=None),
                query.until and query.until.replace(tzinfo=None)))
        options: dict[str, Any] = {"limit": query.limit}
        if filters:
            options["filter"] = q.And(filters)
        if query.newest:
            options.update(sortedby="created", reverse=True)

        def run() -> list[Hit]:
            with self._searcher() as searcher:
                if mask is not None:
                    options["mask"] = self._mask(searcher, query.hidden_category_ids, mask)
                results = searcher.search(q.And(parts), **options)
                return self._hits(searcher, [docnum for _rank, docnum in results.top_n])

        try:
            return run()
        except Exception as exc:
            # files broken or replaced under the kept searcher: open the index anew (which
            # rebuilds it if it cannot be read) and try once more
            log.info("search index %s could not be read (%s); opening it again", self.path,
                     _reason(exc))
            self._forget_searcher()
        try:
            return run()
        except OSError as exc:  # neither readable nor rebuildable: the folder is the matter
            log.error("search index %s cannot be read or rebuilt (%s): searches answer 503 "
                      "until it can; check forum.data_dir, then run 'forum reindex'",
                      self.path, _reason(exc))
            raise SearchUnavailable(self.path, exc) from None

    def _prepared(self, searcher: Any) -> Any:
        """A newly opened searcher, with what is kept of its segments (see :class:`_Segment`):
        read for new segments, reused for those the previous searcher had too."""
        offsets, segments, kept, new = [], [], {}, []
        for reader, offset in searcher.reader().leaf_readers():
            found = reader.segment()  # (None for an empty index)
            segment_id = found.segment_id() if found is not None else None
            segment = self._segments.get(segment_id)
            if segment is None:
                segment = _Segment(reader)
                if found is not None:
                    new.append((segment, found))
            segment.hold_lengths(reader)
            if segment_id is not None:
                kept[segment_id] = segment
            offsets.append(offset)
            segments.append(segment)
        self._segments = kept  # (merged-away segments are forgotten)
        searcher.forum_segments = (offsets, segments)
        searcher.forum_masks = {}
        if new:
            self._learn_hits(searcher._ix, new)
        return searcher

    def _learn_hits(self, ix: Any, new: list[tuple[_Segment, Any]]) -> None:
        """In the web application, read the hits of every document of newly opened segments
        in a background thread (with a reader of its own), so that searches do not read them
        one by one: at 200,000 posts that took 1-2 ms of a search's median of 16 ms, until
        searches had met every document; reading them all takes 0.6 s. Searches meanwhile
        read what they need as before. A command, which searches little, reads only what it
        meets.
        """
        if not self.background:
            return

        def learn() -> None:
            from whoosh.reading import SegmentReader

            for segment, found in new:
                try:
                    reader = SegmentReader(ix.storage, ix.schema, found)
                    try:
                        for local in range(reader.doc_count_all()):
                            if not segment.keys[local] and not reader.is_deleted(local):
                                segment.learn(local, reader.stored_fields(local))
                    finally:
                        reader.close()
                except Exception:  # e.g. its files merged away meanwhile: searches read
                    log.debug("hits of segment %s not read ahead", found, exc_info=True)

        self._learning = threading.Thread(target=learn, daemon=True, name="forum-search-hits")
        self._learning.start()

    @staticmethod
    def _mask(searcher: Any, hidden: tuple[int, ...], query: Any) -> Any:
        """The documents of the categories a viewer may not read, as a bit set, found once
        per searcher for each set of such categories: Whoosh listed every document of every
        closed category (a group's whole space) again on each search of the viewers who
        may not read them, visitors first of all."""
        from whoosh.idsets import BitSet

        key = tuple(sorted(hidden))
        masks = searcher.forum_masks
        if key not in masks:
            if len(masks) >= 32:  # (a bit per document each: 25 KB at 200,000 posts)
                masks.clear()
            masks[key] = BitSet(searcher.docs_for_query(query), size=searcher.doc_count_all())
        return masks[key]

    @staticmethod
    def _hits(searcher: Any, docnums: list[int]) -> list[Hit]:
        """The (type, key) of documents, by their number in ``searcher`` (called while the
        searcher is held, so by one thread at a time)."""
        offsets, segments = searcher.forum_segments
        hits = []
        for docnum in docnums:
            at = bisect_right(offsets, docnum) - 1
            segment, local = segments[at], docnum - offsets[at]
            key = segment.keys[local]
            if not key:
                segment.learn(local, searcher.stored_fields(docnum))
                key = segment.keys[local]
            hits.append((_TYPE_NAMES[segment.types[local] - 1], key))
        return hits

    def _forget_searcher(self) -> None:
        with self._search_lock:
            self._epoch += 1  # the kept searcher is closed and the index opened anew


# -- PostgreSQL full-text search --------------------------------------------------------------

#: the stored tsvector of search_entries.terms, with a GIN index (migration core_0012)
TSVECTOR: ColumnElement[Any] = literal_column("search_entries.vector")


def _lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"


def tsquery_text(clauses: Sequence[Clause], any_clause: bool = False) -> str:
    """A ``to_tsquery`` expression for ``clauses`` (all of them, or with ``any_clause`` any
    of the positive ones); every word is quoted, so no input can inject tsquery syntax."""
    parts: list[str] = []
    wanted: list[str] = []
    for clause in clauses:
        lexemes = [_lexeme(word) for word in clause.words]
        if clause.prefix:
            lexemes[-1] += ":*"
        text = " <-> ".join(lexemes)
        if len(lexemes) > 1:
            text = f"({text})"
        (parts if clause.negated or not any_clause else wanted).append(
            f"!{text}" if clause.negated else text)
    if wanted:
        parts.insert(0, "(" + " | ".join(wanted) + ")")
    return " & ".join(parts)


class PostgresBackend(SearchBackend):
    """Rows of ``search_entries`` in the forum's PostgreSQL database, matched with a GIN index
    on ``to_tsvector('simple', terms)``; shared by every app process."""

    name = "postgresql"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _row(document: SearchDocument) -> dict[str, Any]:
        return {"doc_type": document.type, "doc_key": document.key,
                "category_id": document.category_id or 0, "author_id": document.author_id,
                "status": document.status or "", "created_at": document.created_at,
                "tags": "".join(f" {tag} " for tag in document.tags),
                "terms": " ".join(words(document.title) * 2 + words(document.body))}

    def update(self, documents: Sequence[SearchDocument], removed: Iterable[Hit]) -> None:
        removed = list(removed)
        with self.engine.begin() as conn:
            if removed:
                conn.execute(delete(SearchEntry).where(or_(*(
                    and_(SearchEntry.doc_type == t, SearchEntry.doc_key == k)
                    for t, k in removed))))
            if documents:
                stmt = pg_insert(SearchEntry).values([self._row(d) for d in documents])
                columns = ("category_id", "author_id", "status", "created_at", "terms", "tags")
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["doc_type", "doc_key"],
                    set_={column: stmt.excluded[column] for column in columns}))

    def rebuild(self, documents: Iterable[SearchDocument],
                progress: Callable[[int], None] = lambda n: None, batch: int = 500) -> int:
        total = 0
        with self.engine.begin() as conn:
            conn.execute(delete(SearchEntry))
            for pending in batches(documents, batch):
                conn.execute(pg_insert(SearchEntry).values([self._row(d) for d in pending]))
                total += len(pending)
                progress(len(pending))
        return total

    def search(self, query: IndexQuery) -> list[Hit]:
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                  tsquery_text(query.clauses, query.any_clause))
        stmt = select(SearchEntry.doc_type, SearchEntry.doc_key).where(TSVECTOR.op("@@")(tsquery))
        if query.types:
            stmt = stmt.where(SearchEntry.doc_type.in_(query.types))
        if query.category_ids is not None:
            stmt = stmt.where(SearchEntry.category_id.in_(query.category_ids))
        if query.hidden_category_ids:
            stmt = stmt.where(SearchEntry.category_id.not_in(query.hidden_category_ids))
        if query.author_id is not None:
            stmt = stmt.where(SearchEntry.author_id == query.author_id)
        if query.status:
            stmt = stmt.where(SearchEntry.status == query.status)
        for tag in query.tag_ids:
            stmt = stmt.where(SearchEntry.tags.contains(f" {tag} "))
        if query.since:
            stmt = stmt.where(SearchEntry.created_at >= query.since)
        if query.until:
            stmt = stmt.where(SearchEntry.created_at <= query.until)
        if query.newest:
            stmt = stmt.order_by(SearchEntry.created_at.desc(), SearchEntry.id.desc())
        else:
            stmt = stmt.order_by(desc(func.ts_rank(TSVECTOR, tsquery)),
                                 SearchEntry.created_at.desc())
        with self.engine.connect() as conn:
            return [(t, k) for t, k in conn.execute(stmt.limit(query.limit))]
