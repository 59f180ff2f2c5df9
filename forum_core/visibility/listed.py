"""What a listing shows of each topic, read as plain rows rather than as model objects.

A category page lists 30 topics with their authors and last posters: made into ORM objects
(90 of them, each tracked by the session) they cost more than the query and the HTML
together. Nothing on a listing changes them, so :class:`ListedTopic` and
:class:`ListedMember` are frozen plain objects with the same attribute names as ``Topic``
and ``User`` (a template reads ``topic.author.name`` either way). A member's e-mail address
and password hash are not among them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..content.models import Category, Topic


@dataclass(frozen=True, slots=True)
class ListedMember:
    """A member as a listing names them."""

    id: int
    username: str
    display_name: str
    avatar: str
    title: str
    role: str

    @property
    def name(self) -> str:
        """What pages show for this member (``User.name``)."""
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class ListedTopic:
    """A topic as a listing shows it (the columns of ``Topic``, its ``author``,
    ``last_poster`` and ``category``)."""

    id: int
    category_id: int
    user_id: int
    title: str
    slug: str
    created_at: dt.datetime
    last_post_at: dt.datetime
    last_post_user_id: int | None
    post_number_seq: int
    reply_count: int
    view_count: int
    is_pinned: bool
    is_locked: bool
    is_closed: bool
    is_deleted: bool
    is_held: bool
    author: ListedMember
    last_poster: ListedMember | None
    category: Category


_TOPIC_COLUMNS = (Topic.id, Topic.category_id, Topic.user_id, Topic.title, Topic.slug,
                  Topic.created_at, Topic.last_post_at, Topic.last_post_user_id,
                  Topic.post_number_seq, Topic.reply_count, Topic.view_count, Topic.is_pinned,
                  Topic.is_locked, Topic.is_closed, Topic.is_deleted, Topic.is_held)
AUTHOR = aliased(User, name="author")
LAST_POSTER = aliased(User, name="last_poster")


def _member_columns(member: Any) -> tuple[Any, ...]:
    return (member.id, member.username, member.display_name, member.avatar, member.title,
            member.role)


#: select these, join ``AUTHOR`` and outer-join ``LAST_POSTER``, and make the rows with
#: :func:`listed_topics`
LISTED_COLUMNS = (*_TOPIC_COLUMNS, *_member_columns(AUTHOR), *_member_columns(LAST_POSTER))
_TOPIC_END = len(_TOPIC_COLUMNS)
_AUTHOR_END = _TOPIC_END + 6


def listed_topics(rows: Sequence[Sequence[Any]], category: Category) -> list[ListedTopic]:
    """The topics of ``rows`` (of :data:`LISTED_COLUMNS`), all of ``category``."""
    return listed_topics_in(rows, defaultdict(lambda: category))


def listed_topics_in(rows: Sequence[Sequence[Any]],
                     categories: Mapping[int, Category]) -> list[ListedTopic]:
    """The topics of ``rows`` (of :data:`LISTED_COLUMNS`), with their categories from
    ``categories`` (by id; the listing's visible categories)."""
    found = []
    for row in rows:
        last = row[_AUTHOR_END:]
        # (mypy cannot count the slice: its columns are exactly the fields before author)
        found.append(ListedTopic(  # type: ignore[misc]
            *row[:_TOPIC_END], author=ListedMember(*row[_TOPIC_END:_AUTHOR_END]),
            last_poster=ListedMember(*last) if last[0] is not None else None,
            category=categories[row[1]]))
    return found
