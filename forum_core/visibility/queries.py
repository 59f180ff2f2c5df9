"""Read-side queries of discussions. Every one starts from the visibility choke point and
loads what a page shows in a fixed number of statements, whatever the page size."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..content.models import Category, Post, Topic, TopicRead
from ..pagination import Page, after, cursor_pattern, decode_cursor, encode_cursor
from . import Viewer, post_clause, topic_clause, visible_categories

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 20
_TOPIC_ORDER = (Topic.is_pinned, Topic.last_post_at, Topic.id)
_TOPIC_KINDS = (bool, dt.datetime, int)
#: the form of a cursor of :func:`topics_page` (pinned, last activity, id)
TOPIC_CURSOR_PATTERN = cursor_pattern(_TOPIC_KINDS)


def categories(db: Session, viewer: Viewer) -> list[Category]:
    return list(db.scalars(visible_categories(viewer).order_by(Category.position, Category.id)))


def latest_topics(db: Session, viewer: Viewer, categories: list[Category]) -> dict[int, Topic]:
    """The topic with the latest activity of each category, by id, for the home page: only
    topics the viewer may see (one query for all categories)."""
    ids = [c.last_topic_id for c in categories if c.last_topic_id is not None]
    if not ids:
        return {}
    return {topic.id: topic for topic in db.scalars(
        select(Topic).where(Topic.id.in_(ids), topic_clause(viewer)))}


def topics_page(db: Session, viewer: Viewer, category: Category,
                cursor: str | None = None, per_page: int = TOPICS_PER_PAGE) -> Page[Topic]:
    """A page of a category's topics: pinned first, then the latest activity.

    :raises BadCursor: for a cursor not of :data:`TOPIC_CURSOR_PATTERN`'s form.
    """
    query = (select(Topic)
             .where(topic_clause(viewer), Topic.category_id == category.id)
             .options(joinedload(Topic.author), joinedload(Topic.last_poster))
             .order_by(*(column.desc() for column in _TOPIC_ORDER))
             .limit(per_page + 1))
    if cursor is not None:
        query = query.where(after(_TOPIC_ORDER, decode_cursor(cursor, _TOPIC_KINDS),
                                  descending=True))
    rows = list(db.scalars(query).unique())
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor([last.is_pinned, last.last_post_at, last.id]) \
        if more and last else None
    return Page(rows, next_cursor)


def posts_page(db: Session, viewer: Viewer, topic: Topic, after_number: int = 0,
               per_page: int = POSTS_PER_PAGE) -> Page[Post]:
    """A page of a topic's posts in order, starting after post number ``after_number``."""
    rows = list(db.scalars(
        select(Post)
        .where(post_clause(viewer), Post.topic_id == topic.id, Post.number > after_number)
        .options(joinedload(Post.author))
        .order_by(Post.number)
        .limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(rows, str(rows[-1].number) if more and rows else None)


def unread_state(db: Session, viewer: Viewer, topic_ids: list[int]) -> dict[int, int | None]:
    """For the viewer's listing: None for a topic never opened, the last read post number for
    a topic with posts the viewer may see after it; read topics are left out.

    The newest post is looked up through the visibility choke point, so a hidden or held
    reply never shows up as "unread" to someone who may not see it.
    """
    if viewer.user_id is None or not topic_ids:
        return {}
    reads = dict(db.execute(
        select(TopicRead.topic_id, TopicRead.last_read_number)
        .where(TopicRead.user_id == viewer.user_id, TopicRead.topic_id.in_(topic_ids))).all())
    # only topics with posts numbered after the marker can be unread; of those, ask whether
    # one of those later posts is visible (an index range per topic, not every post)
    numbered = dict(db.execute(select(Topic.id, Topic.post_number_seq)
                               .where(Topic.id.in_(list(reads)))).all()) if reads else {}
    candidates = [t for t, last in reads.items() if numbered.get(t, 0) > last]
    unread: set[int] = set()
    if candidates:
        later = or_(*(and_(Post.topic_id == t, Post.number > reads[t]) for t in candidates))
        unread = set(db.scalars(select(Post.topic_id).where(later, post_clause(viewer))
                                .distinct()))
    state: dict[int, int | None] = {}
    for topic_id in topic_ids:
        if topic_id not in reads:
            state[topic_id] = None
        elif topic_id in unread:
            state[topic_id] = reads[topic_id]
    return state



def visible_post(db: Session, viewer: Viewer, post_id: int) -> Post | None:
    """One post, only if the viewer may see it (quotes, permalinks, previews)."""
    return db.scalar(select(Post).options(joinedload(Post.author))
                     .where(Post.id == post_id, post_clause(viewer)))


def member_activity(db: Session, viewer: Viewer, user_id: int, before_post_id: int | None = None,
                    per_page: int = POSTS_PER_PAGE) -> tuple[list[Topic], Page[Post], int]:
    """What a profile shows: the member's latest topics, a page of posts and the post count,
    all of it only what the viewer may see."""
    topics = list(db.scalars(select(Topic).where(topic_clause(viewer), Topic.user_id == user_id)
                             .order_by(Topic.id.desc()).limit(10)))
    query = (select(Post).where(post_clause(viewer), Post.user_id == user_id)
             .options(joinedload(Post.topic)).order_by(Post.id.desc()).limit(per_page + 1))
    if before_post_id is not None:
        query = query.where(Post.id < before_post_id)
    rows = list(db.scalars(query))
    more = len(rows) > per_page
    rows = rows[:per_page]
    count = db.scalar(select(func.count()).select_from(Post)
                      .where(post_clause(viewer), Post.user_id == user_id)) or 0
    return topics, Page(rows, str(rows[-1].id) if more and rows else None), count


def newest_topics(viewer: Viewer, limit: int, category_id: int | None = None,
                  ) -> Select[tuple[dt.datetime, int]]:
    """``(created_at, id)`` of the newest topics ``viewer`` may see, of one category or of
    all, newest first (the Atom feeds; an index gives them in order)."""
    query = (select(Topic.created_at, Topic.id).where(topic_clause(viewer))
             .order_by(Topic.created_at.desc(), Topic.id.desc()).limit(limit))
    if category_id is not None:
        query = query.where(Topic.category_id == category_id)
    return query

