"""Discussions: categories, topics, posts, edit history and read markers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from .appearance import APPEARANCE_NAME_MAX

#: Who may do something in a category, in rising order. Plugins add finer rules through
#: permission hooks; these levels are the core's own.
ACCESS_LEVELS = ("everyone", "members", "moderators", "admins")

#: the longest plugin id a ``governed_by`` column holds
GOVERNOR_MAX = 64


class Category(Base):
    """A place for topics: its name, address (``slug``), who may read, start topics and
    reply (``ACCESS_LEVELS``), and its counters. Plugins narrow who sees it through
    ``forum_visibility_filter``; ``governed_by`` names the plugin whose filter decides who
    sees it (set with ``govern``), so it stays hidden while that plugin is not enabled."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), default=None)
    read_access: Mapped[str] = mapped_column(String(20), default="everyone")
    topic_access: Mapped[str] = mapped_column(String(20), default="members")
    reply_access: Mapped[str] = mapped_column(String(20), default="members")
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_topic_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the id of the plugin that decides who sees it (None: the core's access levels alone)
    governed_by: Mapped[str | None] = mapped_column(String(GOVERNOR_MAX), default=None)
    #: a colour of the palette (``appearance.CATEGORY_COLOURS``), None for the plain look
    colour: Mapped[str | None] = mapped_column(String(APPEARANCE_NAME_MAX), default=None)
    #: a built-in icon (``appearance.CATEGORY_ICONS``), or None
    icon: Mapped[str | None] = mapped_column(String(APPEARANCE_NAME_MAX), default=None)

    parent: Mapped[Category | None] = relationship(remote_side=[id])


class Topic(Base):
    """A discussion in a category: its title, author, states (pinned, locked, closed,
    deleted, held) and counters. Its posts are numbered from 1, the opening post."""

    __tablename__ = "topics"
    __table_args__ = (
        # the category listing: pinned first, then latest activity (keyset pagination)
        Index("ix_topics_listing", "category_id", "is_pinned", "last_post_at", "id"),
        # the newest topics, of the forum and of a category (the Atom feeds)
        Index("ix_topics_created", "created_at", "id"),
        Index("ix_topics_category_created", "category_id", "created_at", "id"),
        # the forum-wide lists: Latest and Unread, by last activity (keyset pagination)
        Index("ix_topics_last_post", "last_post_at", "id"),
        # the few topics a plugin governs (counted when the forum starts)
        Index("ix_topics_governed_by", "governed_by",
              sqlite_where=text("governed_by IS NOT NULL"),
              postgresql_where=text("governed_by IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_post_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    #: posts ever numbered in this topic (numbers are never reused)
    post_number_seq: Mapped[int] = mapped_column(default=0)
    #: visible replies (posts after the first that are neither deleted, hidden nor held)
    reply_count: Mapped[int] = mapped_column(default=0)
    #: how often the topic was opened: a member's first read, and visitors' views counted
    #: per process and added in batches (:mod:`forum_core.content.views`)
    view_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_closed: Mapped[bool] = mapped_column(default=False)
    is_deleted: Mapped[bool] = mapped_column(default=False)
    #: the opening post waits for a moderator's approval (a new member's first posts)
    is_held: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: the id of the plugin that decides who sees it, besides its category's rules (None:
    #: the core's rules alone); hidden from all but administrators while it is not enabled
    governed_by: Mapped[str | None] = mapped_column(String(GOVERNOR_MAX), default=None)

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[user_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_post_user_id])


class Post(Base):
    """A post of a topic: its Markdown ``source`` and the sanitized ``html`` made from it
    when it was written (show ``html``; never render ``source`` again)."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("topic_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: position in the topic, 1 for the opening post; the topic page's keyset
    number: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    edit_count: Mapped[int] = mapped_column(default=0)
    is_deleted: Mapped[bool] = mapped_column(default=False)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    is_held: Mapped[bool] = mapped_column(default=False)
    #: members who like it (rows of ``post_likes``), moved by one UPDATE per like or unlike
    like_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    topic: Mapped[Topic] = relationship()
    author: Mapped[User] = relationship()


class PostLike(Base):
    """A member likes a post: at most one row per member and post (the primary key), written
    and removed by :mod:`forum_core.content.likes`, which keeps ``Post.like_count`` exact."""

    __tablename__ = "post_likes"
    __table_args__ = (
        # "who liked this", newest first, a page at a time (keyset on time and member)
        Index("ix_post_likes_listing", "post_id", "created_at", "user_id"),
        # what a member liked (their account's deletion, a plugin counting a member's likes)
        Index("ix_post_likes_user_id", "user_id"),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PostRevision(Base):
    """An earlier text of a post, kept when it is edited (moderators see the history)."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TopicRead(Base):
    """How far a member has read a topic: drives the unread and new markers."""

    __tablename__ = "topic_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    last_read_number: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
