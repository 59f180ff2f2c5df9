"""The core's content types: topics and replies, declared once for search, feeds, the sitemap
and notifications, each item found through the visibility choke point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import joinedload

from ..content.models import Post, Topic
from ..content.tags import TOPIC, ContentTag
from ..content.urls import topic_url
from ..contenttypes import ContentItem, ContentType, SearchDocument, chunked_keys
from ..i18n import _
from ..rendering import plain_text
from . import post_clause, public_viewer, topic_clause
from .queries import newest_topics

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session


def _ids(request: Request, query: Any) -> set[int]:
    """The ids a one-column query finds, run on the request's connection: the ORM's own
    result handling took a third of the time of checking a search's 500 hits."""
    return set(request.db.connection().execute(query).scalars())


class TopicType(ContentType):
    """A topic: its title and its opening post."""

    name = "topic"
    label = _("Topics")
    item_label = _("Topic")
    model = Topic
    structured_data = "DiscussionForumPosting"
    searchable = True
    watches = (Topic, Post, ContentTag)
    in_feeds = True
    in_sitemap = True

    def changed(self, session: Session, obj: object) -> Iterable[int]:
        if isinstance(obj, Topic):
            return (obj.id,)
        if isinstance(obj, Post) and obj.number == 1:
            return (obj.topic_id,)
        if isinstance(obj, ContentTag) and obj.content_type == TOPIC:
            return (obj.content_key,)
        return ()

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        batches = chunked_keys(session, Topic.id) if keys is None else [list(keys)]
        for batch in batches:
            rows = session.execute(select(Topic, Post).join(Post, Post.topic_id == Topic.id)
                                   .where(Post.number == 1, Topic.id.in_(batch)))
            tags: dict[int, list[int]] = {}
            for key, tag_id in session.execute(
                    select(ContentTag.content_key, ContentTag.tag_id)
                    .where(ContentTag.content_type == TOPIC, ContentTag.content_key.in_(batch))):
                tags.setdefault(key, []).append(tag_id)
            for topic, post in rows:
                yield SearchDocument("topic", topic.id, topic.title, plain_text(post.html),
                                     topic.created_at, topic.category_id, topic.user_id,
                                     tags=tuple(sorted(tags.get(topic.id, ()))))

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(Topic)) or 0

    @staticmethod
    def _where(request: Request, keys: Sequence[int]) -> tuple[Any, ...]:
        # a topic is shown with its opening post: both must be visible
        viewer = request.viewer
        return (Post.number == 1, Topic.id.in_(keys), topic_clause(viewer), post_clause(viewer))

    def visible(self, request: Request, keys: Sequence[int]) -> set[int]:
        return _ids(request, select(Topic.id).join(Post, Post.topic_id == Topic.id)
                    .where(*self._where(request, keys)))

    def items(self, request: Request, keys: Sequence[int]) -> dict[int, ContentItem]:
        rows = request.db.execute(
            select(Topic, Post).join(Post, Post.topic_id == Topic.id)
            .where(*self._where(request, keys))
            .options(joinedload(Topic.category), joinedload(Post.author)))
        return {topic.id: ContentItem(
            "topic", topic.id, topic.title, topic_url(request, topic), topic.created_at,
            post.author, topic.category, html=post.html, updated_at=post.edited_at)
            for topic, post in rows}

    def newest(self, request: Request, limit: int, category_id: int | None = None,
               ) -> list[tuple[dt.datetime, int]]:
        query = newest_topics(request.viewer, limit, category_id)
        return [(row.created_at, row.id) for row in request.db.execute(query)]

    def sitemap(self, request: Request, limit: int) -> Iterator[tuple[str, dt.datetime | None]]:
        rows = request.db.execute(
            select(Topic.id, Topic.slug, Topic.last_post_at)
            .where(topic_clause(public_viewer(request)))
            .order_by(Topic.last_post_at.desc(), Topic.id.desc()).limit(limit))
        for topic_id, slug, modified in rows:
            yield request.route_url("content.topic", topic_id=topic_id, slug=slug), modified


class PostType(ContentType):
    """A reply (every post after a topic's opening one), and, for notifications, any post."""

    name = "post"
    label = _("Replies")
    item_label = _("Reply")
    model = Post
    structured_data = "Comment"
    searchable = True
    watches = (Topic, Post)

    def changed(self, session: Session, obj: object) -> Iterable[int]:
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

    def visible(self, request: Request, keys: Sequence[int]) -> set[int]:
        return _ids(request, select(Post.id).where(Post.id.in_(keys),
                                                   post_clause(request.viewer)))

    def items(self, request: Request, keys: Sequence[int]) -> dict[int, ContentItem]:
        rows = request.db.scalars(
            select(Post).where(Post.id.in_(keys), post_clause(request.viewer))
            .options(joinedload(Post.topic).joinedload(Topic.category),
                     joinedload(Post.author)))
        return {post.id: ContentItem(
            "post", post.id, post.topic.title, topic_url(request, post.topic, post.number),
            post.created_at, post.author, post.topic.category, html=post.html,
            updated_at=post.edited_at) for post in rows}


#: the core's content types, before the plugins' (in this order)
CORE_TYPES = (TopicType(), PostType())


class TopicRowType(ContentType):
    """Base of a plugin's content type whose items are core topics, each with a row of the
    plugin's own ``model`` keyed by its ``topic_id`` column (an idea with its votes, a support
    question with its state).

    Searchable: a document is the topic's title and opening post with :meth:`status_of` the
    row as its status; search lists it instead of the plain topic (``stands_for``). Items are
    found through the opening post's visibility, so whatever hides the topic (a closed group,
    a deleted topic, a plugin's filter) hides the item. Feeds and the sitemap list these
    topics already, as topics. Set ``name``, ``label``, ``item_label``, ``model``,
    ``statuses`` and ``structured_data``; override :meth:`status_of`,
    :meth:`updated_at_of` and :meth:`dated_at_of`.
    """

    searchable = True
    stands_for = "topic"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.model is not None and not cls.watches:
            # its row, the topic's title and the opening post make the document
            cls.watches = (cls.model, Topic, Post)

    def status_of(self, row: Any) -> str:
        """The status of the item whose plugin row is ``row`` (one of ``statuses``)."""
        return ""

    def updated_at_of(self, row: Any) -> dt.datetime | None:
        """When the item last changed in a way worth telling (a status set), if it did."""
        return None

    def dated_at_of(self, row: Any) -> dt.datetime | None:
        """The date search files the item under (its date filter and "newest"), when it is
        not the day the topic was started: an event's start."""
        return None

    def changed(self, session: Session, obj: object) -> Iterable[int]:
        # called while the session flushes: no queries; keys that are not items are ignored
        if self.model is not None and isinstance(obj, self.model):
            return (obj.topic_id,)  # type: ignore[attr-defined]
        if isinstance(obj, Topic):
            return (obj.id,)
        if isinstance(obj, Post) and obj.number == 1:
            return (obj.topic_id,)
        return ()

    def documents(self, session: Session, keys: Sequence[int] | None = None,
                  ) -> Iterator[SearchDocument]:
        model: Any = self.model
        last = 0
        while True:
            query = (select(model, Topic, Post).join(Topic, Topic.id == model.topic_id)
                     .join(Post, (Post.topic_id == Topic.id) & (Post.number == 1))
                     .order_by(model.topic_id))
            if keys is not None:
                query = query.where(model.topic_id.in_(list(keys)))
            else:
                query = query.where(model.topic_id > last).limit(500)
            rows = session.execute(query).all()
            for row, topic, post in rows:
                yield SearchDocument(self.name, topic.id, topic.title, plain_text(post.html),
                                     self.dated_at_of(row) or topic.created_at,
                                     topic.category_id, topic.user_id,
                                     status=self.status_of(row))
            if keys is not None or not rows:
                return
            last = rows[-1][0].topic_id

    def count(self, session: Session) -> int:
        model: Any = self.model
        return session.scalar(select(func.count()).select_from(model)) or 0

    def _opening_posts(self, request: Request, keys: Sequence[int]) -> Any:
        # the opening post through the visibility choke point: its topic must be visible too
        model: Any = self.model
        return (select(Post).where(post_clause(request.viewer))
                .join(model, model.topic_id == Post.topic_id)
                .where(Post.number == 1, Post.topic_id.in_(list(keys))))

    def visible(self, request: Request, keys: Sequence[int]) -> set[int]:
        return _ids(request, self._opening_posts(request, keys)
                    .with_only_columns(Post.topic_id))

    def items(self, request: Request, keys: Sequence[int]) -> dict[int, ContentItem]:
        rows = request.db.execute(
            self._opening_posts(request, keys).add_columns(self.model)
            .options(joinedload(Post.topic).joinedload(Topic.category),
                     joinedload(Post.author)))
        return {post.topic_id: ContentItem(
            self.name, post.topic_id, post.topic.title, topic_url(request, post.topic),
            post.topic.created_at, post.author, post.topic.category,
            status=self.status_of(row), html=post.html, updated_at=self.updated_at_of(row))
            for post, row in rows}
