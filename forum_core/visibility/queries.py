"""Read-side queries of discussions. Every one starts from the visibility choke point and
loads what a page shows in a fixed number of statements, whatever the page size.

The pages' queries are kept statements (:mod:`.kept`): built once per kind of viewer, run
with the viewer's id and the page's values bound."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from ..content.models import Category, Post, Topic
from ..db import read_rows
from ..pagination import Page, after_params, cursor_pattern, decode_cursor, encode_cursor
from . import VIEWER_ID, Viewer, category_clause, post_clause, topic_clause
from .kept import kept
from .listed import AUTHOR, LAST_POSTER, LISTED_COLUMNS, ListedTopic, listed_topics
from .tagged import has_tags_clause, tag_params

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 20
_TOPIC_ORDER = (Topic.is_pinned, Topic.last_post_at, Topic.id)
_TOPIC_KINDS = (bool, dt.datetime, int)
#: the form of a cursor of :func:`topics_page` (pinned, last activity, id)
TOPIC_CURSOR_PATTERN = cursor_pattern(_TOPIC_KINDS)
_TOPIC_CURSOR = ("after_pinned", "after_last_post_at", "after_id")


def _categories(viewer: Viewer) -> Select[tuple[Category]]:
    return select(Category).where(category_clause(viewer)).order_by(Category.position,
                                                                     Category.id)


def categories(db: Session, viewer: Viewer) -> list[Category]:
    return list(db.scalars(kept(viewer, _categories), viewer.params))


def _topics_by_id(viewer: Viewer) -> Select[tuple[Topic]]:
    return select(Topic).where(Topic.id.in_(bindparam("topic_ids", expanding=True)),
                               topic_clause(viewer, VIEWER_ID))


def latest_topics(db: Session, viewer: Viewer, categories: list[Category]) -> dict[int, Topic]:
    """The topic with the latest activity of each category, by id, for the home page: only
    topics the viewer may see (one query for all categories)."""
    ids = [c.last_topic_id for c in categories if c.last_topic_id is not None]
    if not ids:
        return {}
    return {topic.id: topic for topic in db.scalars(kept(viewer, _topics_by_id),
                                                    {**viewer.params, "topic_ids": ids})}


def _topics_page(viewer: Viewer, per_page: int, with_cursor: bool,
                 with_tags: bool = False) -> Select[Any]:
    query = (select(*LISTED_COLUMNS)
             .join(AUTHOR, AUTHOR.id == Topic.user_id)
             .outerjoin(LAST_POSTER, LAST_POSTER.id == Topic.last_post_user_id)
             .where(topic_clause(viewer, VIEWER_ID),
                    Topic.category_id == bindparam("category_id"))
             .order_by(*(column.desc() for column in _TOPIC_ORDER))
             .limit(per_page + 1))
    if with_cursor:
        query = query.where(after_params(_TOPIC_ORDER, _TOPIC_CURSOR, descending=True))
    if with_tags:
        query = query.where(has_tags_clause())
    return query


def topics_page(db: Session, viewer: Viewer, category: Category,
                cursor: str | None = None, per_page: int = TOPICS_PER_PAGE,
                tag_ids: Sequence[int] = ()) -> Page[ListedTopic]:
    """A page of a category's topics: pinned first, then the latest activity (as
    :class:`~.listed.ListedTopic`: what the listing shows, not model objects);
    ``tag_ids``: only topics with all these tags.

    :raises BadCursor: for a cursor not of :data:`TOPIC_CURSOR_PATTERN`'s form.
    """
    params = {**viewer.params, "category_id": category.id}
    if cursor is not None:  # (an empty cursor is not the first page: it is a bad one)
        params.update(zip(_TOPIC_CURSOR, decode_cursor(cursor, _TOPIC_KINDS), strict=True))
    if tag_ids:
        params.update(tag_params(tag_ids))
    rows = listed_topics(
        read_rows(db, kept(viewer, _topics_page, per_page, cursor is not None, bool(tag_ids)),
                  params).all(), category)
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor([last.is_pinned, last.last_post_at, last.id]) \
        if more and last else None
    return Page(rows, next_cursor)


def _posts_page(viewer: Viewer, per_page: int) -> Select[tuple[Post]]:
    return (select(Post)
            .where(post_clause(viewer, VIEWER_ID), Post.topic_id == bindparam("topic_id"),
                   Post.number > bindparam("after_number"))
            .options(joinedload(Post.author))
            .order_by(Post.number)
            .limit(per_page + 1))


def posts_page(db: Session, viewer: Viewer, topic: Topic, after_number: int = 0,
               per_page: int = POSTS_PER_PAGE) -> Page[Post]:
    """A page of a topic's posts in order, starting after post number ``after_number``."""
    rows = list(db.scalars(kept(viewer, _posts_page, per_page),
                           {**viewer.params, "topic_id": topic.id,
                            "after_number": after_number}))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(rows, str(rows[-1].number) if more and rows else None)


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


def recent_activity(db: Session, viewer: Viewer, user_id: int, limit: int = 3) -> list[Post]:
    """The member's latest posts that the viewer may see, newest first, with their topics
    (a post numbered 1 started its topic): what a user card shows."""
    return list(db.scalars(select(Post).where(post_clause(viewer), Post.user_id == user_id)
                           .options(joinedload(Post.topic))
                           .order_by(Post.id.desc()).limit(limit)))


def newest_topics(viewer: Viewer, limit: int, category_id: int | None = None,
                  ) -> Select[tuple[dt.datetime, int]]:
    """``(created_at, id)`` of the newest topics ``viewer`` may see, of one category or of
    all, newest first (the Atom feeds; an index gives them in order)."""
    query = (select(Topic.created_at, Topic.id).where(topic_clause(viewer))
             .order_by(Topic.created_at.desc(), Topic.id.desc()).limit(limit))
    if category_id is not None:
        query = query.where(Topic.category_id == category_id)
    return query

