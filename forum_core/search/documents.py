"""What the search index holds, and how each kind of content gets in and back out.

A :class:`DocumentType` describes one kind of searchable content: how to turn database rows
into :class:`SearchDocument` s for the index, which rows a change touches, and how to load the
hits a viewer may see (through the visibility choke point) as :class:`SearchResult` s. The core
has topics and posts; a plugin adds its own through ``forum_search_document_types``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, joinedload

from ..content.models import Post, Topic
from ..content.urls import topic_url
from ..i18n import _
from ..rendering import plain_text
from ..visibility import post_clause, topic_clause
from .query import Clause

BATCH = 500
SNIPPET_CHARS = 240


@dataclass(frozen=True)
class SearchDocument:
    """One entry of the index. ``key`` is the content's id within its ``type``."""

    type: str
    key: int
    title: str
    body: str
    created_at: dt.datetime
    category_id: int | None = None
    author_id: int | None = None
    status: str = ""


@dataclass
class SearchResult:
    """A hit the viewer may see, ready for a results page or the JSON API.

    Give the words to quote from as ``text``, or as cooked ``html`` (turned into text only for
    the results actually shown).
    """

    type: str
    key: int
    title: str
    url: str
    text: str
    created_at: dt.datetime
    author: Any = None
    category: Any = None
    status: str = ""
    html: str = ""
    snippet: Markup = Markup("")


class DocumentType:
    """Base class of a searchable kind of content. Subclass it and return an instance from
    ``forum_search_document_types``.

    :cvar name: the type's name in URLs and the index (``[a-z0-9_]+``), e.g. ``"idea"``.
    :cvar label: what the search form calls it (a translation string), e.g. "Ideas".
    :cvar item_label: what a result is called, e.g. "Idea" (``label`` when empty).
    :cvar statuses: ``(value, label)`` pairs members can filter by, if the content has a status.
    :cvar models: the mapped classes whose changes may touch this type's documents.
    """

    name: str = ""
    label: Any = ""
    item_label: Any = ""
    statuses: tuple[tuple[str, Any], ...] = ()
    models: tuple[type, ...] = ()

    def changed(self, session: Session, obj: Any) -> Iterable[int]:
        """Keys of this type's documents to refresh because ``obj`` was added, changed or
        deleted in ``session`` (called while it flushes)."""
        return ()

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        """Documents for ``keys`` (those still existing), or for all content when None."""
        raise NotImplementedError

    def count(self, session: Session) -> int:
        """How many documents :meth:`documents` yields for all content (for progress bars)."""
        raise NotImplementedError

    def results(self, request: Any, keys: Sequence[int]) -> dict[int, SearchResult]:
        """The hits among ``keys`` that ``request.viewer`` may see, by key. Must query through
        the visibility functions of ``forum_core.api``; a key left out is not shown or counted."""
        raise NotImplementedError

    def visible(self, request: Any, keys: Sequence[int]) -> set[int]:
        """The keys among ``keys`` that ``request.viewer`` may see, without loading what a
        result shows: a search counts every hit but loads only one page of them. Override it
        with a query of ids alone (through the same visibility functions as :meth:`results`);
        this default loads the results."""
        return set(self.results(request, keys))


def _ids(request: Any, query: Any) -> set[int]:
    """The ids a one-column query finds, run on the request's connection: the ORM's own
    result handling took a third of the time of checking a search's 500 hits."""
    return set(request.db.connection().execute(query).scalars())


def chunked_keys(session: Session, column: Any, where: Any = None) -> Iterator[list[int]]:
    """All values of an integer key ``column`` in ascending batches (keyset, not OFFSET)."""
    last = 0
    while True:
        query = select(column).where(column > last).order_by(column).limit(BATCH)
        if where is not None:
            query = query.where(where)
        keys = list(session.scalars(query))
        if not keys:
            return
        yield keys
        last = keys[-1]


def snippet(text: str, clauses: Sequence[Clause], length: int = SNIPPET_CHARS) -> Markup:
    """A window of ``text`` around the first matching word, matches wrapped in ``<mark>``."""
    patterns = [re.escape(word) + (r"\w*" if clause.prefix and word == clause.words[-1] else "")
                for clause in clauses if not clause.negated for word in clause.words]
    if not patterns:
        return Markup(escape(text[:length]))
    regex = re.compile(r"(?<!\w)(?:" + "|".join(sorted(patterns, key=len, reverse=True))
                       + r")(?!\w)", re.IGNORECASE)
    first = regex.search(text)
    start = 0 if first is None else max(0, first.start() - length // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first.start() else start  # type: ignore[union-attr]
    window = text[start:start + length]
    out, last = [], 0
    for match in regex.finditer(window):
        out.append(escape(window[last:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + length < len(text) else ""
    return Markup(prefix + "".join(out) + suffix)


class TopicDocuments(DocumentType):
    """A topic: its title and its opening post."""

    name = "topic"
    label = _("Topics")
    item_label = _("Topic")
    models = (Topic, Post)

    def changed(self, session: Session, obj: Any) -> Iterable[int]:
        if isinstance(obj, Topic):
            return (obj.id,)
        if isinstance(obj, Post) and obj.number == 1:
            return (obj.topic_id,)
        return ()

    def _rows(self, session: Session, keys: Sequence[int]) -> Any:
        return session.execute(select(Topic, Post).join(Post, Post.topic_id == Topic.id)
                               .where(Post.number == 1, Topic.id.in_(keys)))

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        batches = chunked_keys(session, Topic.id) if keys is None else [list(keys)]
        for batch in batches:
            for topic, post in self._rows(session, batch):
                yield SearchDocument("topic", topic.id, topic.title, plain_text(post.html),
                                     topic.created_at, topic.category_id, topic.user_id)

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(Topic)) or 0

    @staticmethod
    def _where(request: Any, keys: Sequence[int]) -> tuple[Any, ...]:
        viewer = request.viewer
        return (Post.number == 1, Topic.id.in_(keys), topic_clause(viewer), post_clause(viewer))

    def visible(self, request: Any, keys: Sequence[int]) -> set[int]:
        return _ids(request, select(Topic.id).join(Post, Post.topic_id == Topic.id)
                    .where(*self._where(request, keys)))

    def results(self, request: Any, keys: Sequence[int]) -> dict[int, SearchResult]:
        rows = request.db.execute(
            select(Topic, Post).join(Post, Post.topic_id == Topic.id)
            .where(*self._where(request, keys))
            .options(joinedload(Topic.category), joinedload(Post.author)))
        return {topic.id: SearchResult(
            "topic", topic.id, topic.title, topic_url(request, topic), "", topic.created_at,
            post.author, topic.category, html=post.html) for topic, post in rows}


class PostDocuments(DocumentType):
    """A reply (every post after a topic's opening one)."""

    name = "post"
    label = _("Replies")
    item_label = _("Reply")
    models = (Topic, Post)

    def changed(self, session: Session, obj: Any) -> Iterable[int]:
        if isinstance(obj, Post) and obj.number > 1:
            return (obj.id,)
        if isinstance(obj, Topic) and inspect(obj).attrs.category_id.history.has_changes():
            # a moved topic takes its replies to the other category
            return list(session.scalars(select(Post.id).where(Post.topic_id == obj.id,
                                                              Post.number > 1)))
        return ()

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        batches = (chunked_keys(session, Post.id, Post.number > 1) if keys is None
                   else [list(keys)])
        for batch in batches:
            rows = session.execute(select(Post, Topic).join(Topic, Post.topic_id == Topic.id)
                                   .where(Post.id.in_(batch), Post.number > 1))
            for post, topic in rows:
                # the topic's title is the topic document's: a reply matches by its own words
                yield SearchDocument("post", post.id, "", plain_text(post.html),
                                     post.created_at, topic.category_id, post.user_id)

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).where(Post.number > 1)) or 0

    def visible(self, request: Any, keys: Sequence[int]) -> set[int]:
        return _ids(request, select(Post.id).where(Post.id.in_(keys),
                                                   post_clause(request.viewer)))

    def results(self, request: Any, keys: Sequence[int]) -> dict[int, SearchResult]:
        rows = request.db.scalars(
            select(Post).where(Post.id.in_(keys), post_clause(request.viewer))
            .options(joinedload(Post.topic).joinedload(Topic.category),
                     joinedload(Post.author)))
        return {post.id: SearchResult(
            "post", post.id, post.topic.title, topic_url(request, post.topic, post.number), "",
            post.created_at, post.author, post.topic.category, html=post.html)
            for post in rows}
