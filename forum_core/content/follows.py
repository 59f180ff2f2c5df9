"""What a member follows, and how closely: follow levels per place (a category, a topic, a
member, and any place a feature declares, such as a tag).

A place is named by a kind and an id (``("category", 3)``, ``("topic", 12)``,
``("member", 7)``). A member's level for a place is one of :data:`LEVELS`:

* **watching**: told about every new post there;
* **watching first post**: told about every new topic there (not for a single topic);
* **tracking**: not told, but the place's topics show in Unread with their counts of new
  posts;
* **normal**: what a place is without a choice (a row with it overrides a wider place's level:
  a topic set to normal in a watched category tells nothing);
* **muted**: never told, and its topics are left out of Latest, Unread, New and Top.

The most specific place decides: a topic's own level wins over its category's and tags', and
among the wider places a muted one wins over a watched one. Levels are rows of
:class:`Follow`; no row means normal. Kept here, below the visibility layer, because the
lists leave out what a member muted; telling members is the notifications'
(:mod:`forum_core.notifications.watching`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    and_,
    bindparam,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from ..i18n import _
from .models import Topic
from .tags import ContentTag

WATCHING = "watching"
WATCHING_FIRST_POST = "watching_first_post"
TRACKING = "tracking"
NORMAL = "normal"
MUTED = "muted"

#: the levels, from the closest to the most distant, with their names to show
LEVELS = {
    WATCHING: _("Watching"),
    WATCHING_FIRST_POST: _("Watching first post"),
    TRACKING: _("Tracking"),
    NORMAL: _("Normal"),
    MUTED: _("Muted"),
}
#: what each level means, as the follow menus explain it
LEVEL_HELP = {
    WATCHING: _("You will be notified of every new post."),
    WATCHING_FIRST_POST: _("You will be notified of every new topic, not of replies."),
    TRACKING: _("Topics show in Unread with their count of new posts; no notifications."),
    NORMAL: _("You will be notified when someone mentions, quotes or replies to you."),
    MUTED: _("Never notified, and left out of Latest, Unread, New and Top."),
}

CATEGORY = "category"
STREAM = "stream"
TAG = "tag"
TOPIC = "topic"
MEMBER = "member"
#: ``Follow.source`` of the levels given by posting in a topic (not the member's choice)
AUTO = "auto"
#: ``Follow.source`` of the levels an audience's defaults gave
DEFAULT = "group"
#: the levels a single topic can have (a topic has one first post: its own)
TOPIC_LEVELS = (WATCHING, TRACKING, NORMAL, MUTED)


class Follow(Base):
    """A member's level for one place (see the module's documentation)."""

    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_place", "place", "place_id", "level"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: the kind of place: "category", "topic", "member", "tag", ...
    place: Mapped[str] = mapped_column(String(20), primary_key=True)
    place_id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    #: how the level came: "member" (their choice), "auto" (they posted in the topic),
    #: "group" (a default of a group they are in); a member's own choice is never replaced
    source: Mapped[str] = mapped_column(String(10), default="member")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FollowDefault(Base):
    """A level an administrator gives the members of an audience for a place: the members
    of a group (``principal`` "group:12") or of a role ("role:member") watch "Partner
    news". Members get it when they join the audience, or when they apply the defaults
    themselves; a level a member chose is never replaced."""

    __tablename__ = "follow_defaults"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    place: Mapped[str] = mapped_column(String(20), primary_key=True)
    place_id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20))


class Stream(Base):
    """A named set of places that staff compose ("Product news": three categories and the
    tag "release") and that members follow as a whole, at any level a category can have."""

    __tablename__ = "streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StreamPlace(Base):
    """A place in a stream: a category or a tag."""

    __tablename__ = "stream_places"

    stream_id: Mapped[int] = mapped_column(ForeignKey("streams.id", ondelete="CASCADE"),
                                           primary_key=True)
    place: Mapped[str] = mapped_column(String(20), primary_key=True)
    place_id: Mapped[int] = mapped_column(primary_key=True)


def tags_of_topic() -> Any:
    """The ids of the tags of the topic of the statement's row (a correlated subquery)."""
    # (correlated by name: it is nested two levels deep in the lists' clauses, and SQLAlchemy
    # correlates by itself only to the statement right around it)
    return select(ContentTag.tag_id).where(ContentTag.content_type == TOPIC,
                                           ContentTag.content_key == Topic.id).correlate(Topic)


def streams_of_topic() -> Any:
    """The ids of the streams that hold the statement's topic: its category or one of its
    tags (a correlated subquery)."""
    return select(StreamPlace.stream_id).where(or_(
        and_(StreamPlace.place == CATEGORY, StreamPlace.place_id == Topic.category_id),
        and_(StreamPlace.place == TAG, StreamPlace.place_id.in_(tags_of_topic())))
    ).correlate(Topic)


def in_stream_clause() -> ColumnElement[bool]:
    """The topics that the stream of the bound ``stream_id`` holds: in one of its categories
    or with one of its tags (each an index range, not a look per topic)."""
    def places(kind: str) -> Any:
        return select(StreamPlace.place_id).where(
            StreamPlace.stream_id == bindparam("stream_id"), StreamPlace.place == kind)
    tagged = select(ContentTag.content_key).where(ContentTag.content_type == TOPIC,
                                                  ContentTag.tag_id.in_(places(TAG)))
    return or_(Topic.category_id.in_(places(CATEGORY)), Topic.id.in_(tagged))


def muted_topic_clause(user_id: object) -> ColumnElement[bool]:
    """True for the topics ``user_id`` muted: the topic itself, or its category, one of its
    tags or a stream that holds it while the
    topic has no level the member chose (a topic they set apart from a muted category shows;
    one they only posted in, tracked automatically, stays muted).
    ``user_id`` is a number or a bound parameter."""
    own = exists().where(Follow.user_id == user_id, Follow.place == TOPIC,
                         Follow.place_id == Topic.id, Follow.source != AUTO)
    category_muted = exists().where(Follow.user_id == user_id, Follow.level == MUTED, or_(
        and_(Follow.place == CATEGORY, Follow.place_id == Topic.category_id),
        and_(Follow.place == TAG, Follow.place_id.in_(tags_of_topic())),
        and_(Follow.place == STREAM, Follow.place_id.in_(streams_of_topic()))))
    # (exists() only: a NULL from a missing row would make the negation NULL, hiding all)
    return or_(topic_level_is(user_id, MUTED), and_(~own, category_muted))


def topic_level_is(user_id: object, level: str) -> ColumnElement[bool]:
    """True for the topics to which ``user_id`` gave ``level`` themselves."""
    return exists().where(Follow.user_id == user_id, Follow.place == TOPIC,
                          Follow.place_id == Topic.id, Follow.level == level)
