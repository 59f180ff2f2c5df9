"""The forum-wide topic lists (Latest, Unread, New, Since your last visit, Top) and what
every listing shows of a topic besides its own columns: the avatars of its posters and the
member's reading state.

Each list is one kept statement (:mod:`.kept`) that starts from :func:`topic_clause`, so a
member outside a closed group never meets its topics in any list. Lists page by keyset: each
orders by columns ending in the topic's id, so topics with equal times (or equal counts)
still have one fixed order and a page never repeats or skips one of them.

What a page of topics costs, whatever its size: the topics with their authors and last
posters (one statement), the categories (one), the recent posters of every topic (one),
and for a member their read markers and the counts of unread posts (two at most).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..content.follows import NORMAL, in_stream_clause, muted_topic_clause, topic_level_is
from ..content.models import Post, Topic, TopicRead
from ..db import read_rows, utcnow
from ..pagination import Page, after_params, cursor_pattern, decode_cursor, encode_cursor
from . import VIEWER_ID, Viewer, post_clause, topic_clause
from .kept import kept
from .listed import (
    AUTHOR,
    LAST_POSTER,
    LISTED_COLUMNS,
    ListedMember,
    ListedTopic,
    _member_columns,
    listed_topics_in,
)
from .queries import TOPICS_PER_PAGE, categories
from .tagged import has_tags_clause, tag_params

#: the lists, in the order of their tabs
LIST_NAMES = ("latest", "unread", "new", "whats-new", "top")
#: lists that only a signed-in member has (they depend on what they have read, or when they
#: were here last)
PERSONAL_LISTS = frozenset({"unread", "new", "whats-new"})
#: the periods of the Top list and their length in days
PERIODS = {"day": 1, "week": 7, "month": 30, "year": 365}
DEFAULT_PERIOD = "week"
#: a topic created this recently that the member has not opened is "new" to them
NEW_WINDOW = dt.timedelta(days=2)
#: the posters a row shows: the original poster and up to four recent others
POSTERS_SHOWN = 5
#: the recent posters are looked for among a topic's last this many posts
POSTERS_WINDOW = 20


@dataclass(frozen=True)
class _Order:
    columns: tuple[Any, ...]
    kinds: tuple[type, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"after_{column.key}" for column in self.columns)


# Latest, Unread and Since your last visit by last activity, New by creation, Top by replies
# then views; all newest (or largest) first, the id breaking ties
_ORDERS = {
    "latest": _Order((Topic.last_post_at, Topic.id), (dt.datetime, int)),
    "unread": _Order((Topic.last_post_at, Topic.id), (dt.datetime, int)),
    "new": _Order((Topic.created_at, Topic.id), (dt.datetime, int)),
    "whats-new": _Order((Topic.last_post_at, Topic.id), (dt.datetime, int)),
    "top": _Order((Topic.reply_count, Topic.view_count, Topic.id), (int, int, int)),
}


def list_cursor_pattern(name: str) -> str:
    """The form of a cursor of list ``name`` (for the API's document)."""
    return cursor_pattern(_ORDERS[name].kinds)


def _read_marker() -> Any:
    return (TopicRead.topic_id == Topic.id) & (TopicRead.user_id == VIEWER_ID)


def _list_statement(viewer: Viewer, name: str, per_page: int, with_cursor: bool,
                    with_tags: bool = False, in_stream: bool = False,
                    show_muted: bool = False) -> Select[Any]:
    order = _ORDERS[name]
    query = (select(*LISTED_COLUMNS)
             .join(AUTHOR, AUTHOR.id == Topic.user_id)
             .outerjoin(LAST_POSTER, LAST_POSTER.id == Topic.last_post_user_id)
             .where(topic_clause(viewer, VIEWER_ID))
             .order_by(*(column.desc() for column in order.columns))
             .limit(per_page + 1))
    if viewer.user_id is not None and not show_muted:  # what the member muted is in no list
        query = query.where(~muted_topic_clause(VIEWER_ID))
    if name == "unread":
        # opened before, not set back to normal, and a post the viewer may see came after
        # their marker
        later = (select(Post.id).where(Post.topic_id == Topic.id,
                                       Post.number > TopicRead.last_read_number,
                                       post_clause(viewer, VIEWER_ID)).exists())
        query = query.join(TopicRead, _read_marker()).where(
            Topic.post_number_seq > TopicRead.last_read_number, later,
            ~topic_level_is(VIEWER_ID, NORMAL))
    elif name == "new":
        query = query.outerjoin(TopicRead, _read_marker()).where(
            TopicRead.topic_id.is_(None), Topic.user_id != VIEWER_ID,
            Topic.created_at >= bindparam("since", type_=Topic.created_at.type))
    elif name == "whats-new":
        # a post the viewer may see came from someone else after their last visit
        since = bindparam("since", type_=Topic.last_post_at.type)
        later = (select(Post.id).where(Post.topic_id == Topic.id, Post.created_at > since,
                                       Post.user_id != VIEWER_ID,
                                       post_clause(viewer, VIEWER_ID)).exists())
        query = query.where(Topic.last_post_at > since, later)
    elif name == "top":
        query = query.where(Topic.created_at >= bindparam("since", type_=Topic.created_at.type))
    if with_cursor:
        query = query.where(after_params(order.columns, order.names, descending=True))
    if with_tags:
        query = query.where(has_tags_clause())
    if in_stream:
        query = query.where(in_stream_clause())
    return query


def topic_list(db: Session, viewer: Viewer, name: str, cursor: str | None = None,
               period: str = DEFAULT_PERIOD, per_page: int = TOPICS_PER_PAGE,
               now: dt.datetime | None = None, tag_ids: Sequence[int] = (),
               last_visit: dt.datetime | None = None, stream_id: int | None = None,
               show_muted: bool = False) -> Page[ListedTopic]:
    """A page of list ``name`` (one of :data:`LIST_NAMES`) as ``viewer`` may see it.

    Unread: topics the member opened that have posts after their marker. New: topics of the
    last :data:`NEW_WINDOW` that others started and the member has not opened. Since your
    last visit: topics where others posted after ``last_visit`` (the end of the member's
    previous visit, :func:`forum_core.accounts.visits.last_visit`). Top: the
    topics started in ``period`` (:data:`PERIODS`) with the most replies, then views. The
    personal lists are empty for a visitor. ``tag_ids``: only topics with all these tags;
    ``stream_id``: only topics the stream holds (in its categories or with its tags).
    ``show_muted``: with the topics the member muted (a place's own page shows them, as a
    muted category's page does).

    :raises BadCursor: for a cursor not of :func:`list_cursor_pattern`'s form.
    """
    order = _ORDERS[name]
    params: dict[str, Any] = dict(viewer.params)
    if cursor is not None:
        params.update(zip(order.names, decode_cursor(cursor, order.kinds), strict=True))
    if name in PERSONAL_LISTS and viewer.user_id is None \
            or name == "whats-new" and last_visit is None:
        return Page([], None)
    now = now or utcnow()
    if name == "new":
        params["since"] = now - NEW_WINDOW
    elif name == "whats-new":
        params["since"] = last_visit
    elif name == "top":
        params["since"] = now - dt.timedelta(days=PERIODS[period])
    if tag_ids:
        params.update(tag_params(tag_ids))
    if stream_id is not None:
        params["stream_id"] = stream_id
    rows = read_rows(db, kept(viewer, _list_statement, name, per_page, cursor is not None,
                              bool(tag_ids), stream_id is not None, show_muted),
                     params).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    by_id = {category.id: category for category in categories(db, viewer)}
    # (the same clause chose the topics' categories: a row outside it cannot be, and would
    # be left out rather than shown without its category)
    items = listed_topics_in([row for row in rows if row[1] in by_id], by_id)
    last = items[-1] if more and items else None
    next_cursor = None if last is None else encode_cursor(
        [getattr(last, column.key) for column in order.columns])
    return Page(items, next_cursor)


# -- what a row shows besides the topic ------------------------------------------------------

def _recent_posts(viewer: Viewer) -> Select[Any]:
    # who wrote each topic's last POSTERS_WINDOW posts that the viewer may see, newest first:
    # an index range per topic (topic_id, number), however long the topic; the topic's own
    # visibility is checked on the joined row, once per topic
    return (select(Post.topic_id, Post.user_id)
            .join(Topic, Topic.id == Post.topic_id)
            .where(Post.topic_id.in_(bindparam("topic_ids", expanding=True)),
                   Post.number > Topic.post_number_seq - POSTERS_WINDOW,
                   post_clause(viewer, VIEWER_ID, topic_joined=True))
            .order_by(Post.topic_id, Post.number.desc()))


_MEMBERS = select(*_member_columns(User)).where(
    User.id.in_(bindparam("user_ids", expanding=True)))


def posters(db: Session, viewer: Viewer, topics: Iterable[ListedTopic],
            ) -> dict[int, list[ListedMember]]:
    """For each topic, its original poster and up to four others who posted most recently
    in it, among its last :data:`POSTERS_WINDOW` posts (only posts the viewer may see
    count): two statements for the whole page, whose work does not grow with the topics'
    length (a ranking in SQL cost more than choosing here from at most a few hundred rows)."""
    topics = list(topics)
    if not topics:
        return {}
    authors = {topic.id: topic.user_id for topic in topics}
    chosen: dict[int, list[int]] = {}
    for topic_id, user_id in read_rows(db, kept(viewer, _recent_posts),
                                       {**viewer.params, "topic_ids": list(authors)}):
        others = chosen.setdefault(topic_id, [])
        if user_id != authors[topic_id] and user_id not in others \
                and len(others) < POSTERS_SHOWN - 1:
            others.append(user_id)
    wanted = {user_id for others in chosen.values() for user_id in others}
    members = {row[0]: ListedMember(*row) for row in read_rows(
        db, _MEMBERS, {"user_ids": sorted(wanted)})} if wanted else {}
    return {topic.id: [topic.author, *(members[user_id] for user_id in chosen.get(topic.id, ())
                                       if user_id in members)]
            for topic in topics}


@dataclass(frozen=True)
class Reading:
    """How far a member has read a topic of a listing."""

    #: the number of the last post read; None: never opened
    last_read: int | None
    #: posts the member may see after it (0 when read, or never opened)
    unread: int = 0


#: the viewer's read markers of some topics, with how many posts each topic has numbered
_READS = (select(TopicRead.topic_id, TopicRead.last_read_number, Topic.post_number_seq)
          .join(Topic, Topic.id == TopicRead.topic_id)
          .where(TopicRead.user_id == VIEWER_ID,
                 TopicRead.topic_id.in_(bindparam("topic_ids", expanding=True))))


def _unread_counts(viewer: Viewer) -> Select[tuple[int, int]]:
    return (select(Post.topic_id, func.count())
            .join(TopicRead, (TopicRead.topic_id == Post.topic_id)
                  & (TopicRead.user_id == VIEWER_ID))
            .where(Post.topic_id.in_(bindparam("topic_ids", expanding=True)),
                   Post.number > TopicRead.last_read_number, post_clause(viewer, VIEWER_ID))
            .group_by(Post.topic_id))


def reading(db: Session, viewer: Viewer, topic_ids: list[int]) -> dict[int, Reading]:
    """The member's reading state of each of ``topic_ids`` (nothing for a visitor). Unread
    posts are counted through the visibility choke point: a hidden or held reply is never
    "unread" to someone who may not see it."""
    if viewer.user_id is None or not topic_ids:
        return {}
    reads: dict[int, int] = {}
    candidates = []
    for topic_id, last_read, numbered in read_rows(
            db, _READS, {**viewer.params, "topic_ids": topic_ids}):
        reads[topic_id] = last_read
        if numbered > last_read:  # only these can have later posts
            candidates.append(topic_id)
    counts: dict[int, int] = {}
    if candidates:
        counts = {topic_id: number for topic_id, number in read_rows(
            db, kept(viewer, _unread_counts), {**viewer.params, "topic_ids": candidates})}
    return {topic_id: Reading(reads.get(topic_id), counts.get(topic_id, 0))
            for topic_id in topic_ids}


def _last_post(viewer: Viewer) -> Select[tuple[int]]:
    return (select(Post.number)
            .where(Post.topic_id == bindparam("topic_id"), post_clause(viewer, VIEWER_ID))
            .order_by(Post.number.desc()).limit(1))


def last_post_number(db: Session, viewer: Viewer, topic_id: int) -> int:
    """The number of the last post of a topic that the viewer may see (0: none), for the
    reading progress ("12 / 40")."""
    return read_rows(db, kept(viewer, _last_post),
                     {**viewer.params, "topic_id": topic_id}).scalar() or 0
