"""Likes on posts: one per member and post, taken back at will, counted exactly.

A like is a row of ``post_likes`` (its primary key is the post and the member, so a member
likes a post once whatever arrives at the same time), and ``posts.like_count`` is moved by
one ``UPDATE ... SET like_count = like_count + 1`` only when this call inserted the row
(``INSERT ... ON CONFLICT DO NOTHING``), or ``- 1`` only when it deleted one. Two tabs
liking at once, or many members at once, therefore leave the count equal to the rows: on
PostgreSQL the second insert of the same like waits for the first and inserts nothing; on
SQLite writers take turns.

Who may like what is decided before: the caller found the post through the visibility choke
point (a post the member may not see is "not found", exactly like a missing one). Here the
rules of liking itself: not one's own post, not a post that is deleted, hidden or waiting
for approval, not in a deleted topic. Liking again and taking back a like that is not there
change nothing and announce nothing (the JSON API's like and unlike are idempotent).

Each change is announced as a content event (``PostLiked`` / ``PostUnliked``): inside the
transaction for the author's notification, after the commit for plugins (badges, analytics).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db import insert_if_absent, read_rows, utcnow
from ..errors import ConflictError
from ..events import emit
from ..i18n import _
from ..pagination import Page, after, cursor_pattern, decode_cursor, encode_cursor
from .events import PostLiked, PostUnliked
from .models import Post, PostLike, Topic

#: members on a page of "who liked this"
LIKERS_PER_PAGE = 30
#: names in a like button's title ("Liked by Anna, Ben and 3 others")
NAMES_SHOWN = 3
_CURSOR_KINDS = (dt.datetime, int)
#: the form of a cursor of :func:`likers_page` (when they liked, the member's id)
LIKERS_CURSOR_PATTERN = cursor_pattern(_CURSOR_KINDS)


@dataclass(frozen=True)
class LikeState:
    """What a like or unlike left: whether the member likes the post now, its count, and
    whether this call changed anything (False for a repeated like or unlike)."""

    liked: bool
    like_count: int
    changed: bool


@dataclass(frozen=True)
class Liker:
    """A member who likes a post, and since when."""

    user: User
    liked_at: dt.datetime


def refusal(user: User, post: Post, topic: Topic) -> ConflictError | None:
    """Why ``user`` may not like ``post`` (a post they can see), or None if they may."""
    if post.user_id == user.id:
        return ConflictError(_("You cannot like your own post."))
    if post.is_deleted or post.is_hidden or post.is_held or topic.is_deleted:
        return ConflictError(_("This post is deleted, hidden or waiting for approval; it "
                               "cannot be liked."))
    return None


def like(session: Session, user: User, post: Post) -> LikeState:
    """``user`` likes ``post`` (found through the visibility choke point); liking it again
    changes nothing.

    :raises ConflictError: for one's own post, and for a post that is deleted, hidden or
        waiting for approval (or in a deleted topic).
    """
    refused = refusal(user, post, post.topic)
    if refused is not None:
        raise refused
    inserted = insert_if_absent(session, PostLike, {"post_id": post.id, "user_id": user.id,
                                                    "created_at": utcnow()},
                                ("post_id", "user_id"))
    if not inserted:
        return LikeState(True, _count(session, post), False)
    count = session.execute(update(Post).where(Post.id == post.id)
                            .values(like_count=Post.like_count + 1)
                            .returning(Post.like_count)).scalar_one()
    session.expire(post, ["like_count"])
    emit(session, PostLiked(post_id=post.id, topic_id=post.topic_id, user_id=user.id,
                            author_id=post.user_id, like_count=count))
    return LikeState(True, count, True)


def unlike(session: Session, user: User, post: Post) -> LikeState:
    """``user`` takes back their like of ``post``; without one, nothing changes. A like can
    be taken back whatever the post's state (hidden since, for example)."""
    removed = session.execute(delete(PostLike).where(
        PostLike.post_id == post.id, PostLike.user_id == user.id)
        .returning(PostLike.user_id)).first()
    if removed is None:
        return LikeState(False, _count(session, post), False)
    count = session.execute(update(Post).where(Post.id == post.id)
                            .values(like_count=Post.like_count - 1)
                            .returning(Post.like_count)).scalar_one()
    session.expire(post, ["like_count"])
    emit(session, PostUnliked(post_id=post.id, topic_id=post.topic_id, user_id=user.id,
                              author_id=post.user_id, like_count=count))
    return LikeState(False, count, True)


def _count(session: Session, post: Post) -> int:
    return session.scalar(select(Post.like_count).where(Post.id == post.id)) or 0


def liked_post_ids(session: Session, user_id: int | None, post_ids: Iterable[int]) -> set[int]:
    """Which of ``post_ids`` member ``user_id`` likes (one query; none for a visitor). It
    says nothing about whether those posts may be shown: ask the visibility choke point
    (``visible_posts``) for that, as for every post you show."""
    ids = sorted(set(post_ids))
    if user_id is None or not ids:
        return set()
    return set(read_rows(session, select(PostLike.post_id).where(
        PostLike.user_id == user_id, PostLike.post_id.in_(ids))).scalars())


def recent_likers(session: Session, post_ids: Iterable[int], limit: int = NAMES_SHOWN,
                  ) -> dict[int, list[User]]:
    """The ``limit`` members who liked each of ``post_ids`` last, newest first, by post id
    (one query whatever the number of posts; posts without likes are left out)."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    ranked = (select(PostLike.post_id, PostLike.user_id,
                     func.row_number().over(partition_by=PostLike.post_id, order_by=(
                         PostLike.created_at.desc(), PostLike.user_id.desc())).label("rank"))
              .where(PostLike.post_id.in_(ids)).subquery())
    rows = session.execute(select(ranked.c.post_id, User).join(User, User.id == ranked.c.user_id)
                           .where(ranked.c.rank <= limit)
                           .order_by(ranked.c.post_id, ranked.c.rank))
    found: dict[int, list[User]] = {}
    for post_id, user in rows:
        found.setdefault(post_id, []).append(user)
    return found


def likers_page(session: Session, post: Post, cursor: str | None = None,
                per_page: int = LIKERS_PER_PAGE) -> Page[Liker]:
    """A page of the members who like ``post`` (found through the visibility choke point),
    newest like first; ``cursor`` is the ``next_cursor`` of the previous page.

    :raises BadCursor: for a cursor not of :data:`LIKERS_CURSOR_PATTERN`'s form.
    """
    query = (select(User, PostLike.created_at).join(PostLike, PostLike.user_id == User.id)
             .where(PostLike.post_id == post.id)
             .order_by(PostLike.created_at.desc(), PostLike.user_id.desc())
             .limit(per_page + 1))
    if cursor is not None:
        query = query.where(after((PostLike.created_at, PostLike.user_id),
                                  decode_cursor(cursor, _CURSOR_KINDS), descending=True))
    rows = [Liker(user, liked_at) for user, liked_at in session.execute(query)]
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = encode_cursor([rows[-1].liked_at, rows[-1].user.id]) if more else None
    return Page(rows, next_cursor)


__all__ = ["LIKERS_CURSOR_PATTERN", "LIKERS_PER_PAGE", "LikeState", "Liker", "like",
           "liked_post_ids", "likers_page", "recent_likers", "refusal", "unlike"]
