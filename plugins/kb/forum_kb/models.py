"""The knowledge base's tables; their names start with 'kb_'.

A **section** is a node of the knowledge base's own tree (not a discussion category). Who may
read it is an access level like a category's; a section may live in a core category (a
closed group's space), and is then visible only to those who may read that category, so the
group's protection covers it through the core's visibility choke point. Both are copied down
the tree when a section is made or moved: a section is never more open than its parent, and
every check reads the section's own row.

An **article** belongs to a section; its text lives in **revisions** (every save is one, with
its author, time and note). ``published_revision_id`` is what readers see (None: a draft that
only the section's editors and its writer see); ``latest_revision_id`` is the newest, which
an edit must start from (a save from an older one is a conflict).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum_core.api import Base, User, _, utcnow

#: the rights a section gives to roles and groups (``principal``: ``role:moderator``,
#: ``group:3``, ``authenticated``)
WRITE, EDIT, PUBLISH = "write", "edit", "publish"
RIGHTS = (WRITE, EDIT, PUBLISH)
RIGHT_LABELS = {
    WRITE: _("Write drafts"),
    EDIT: _("Edit every article"),
    PUBLISH: _("Publish"),
}
#: the principal that stands for every signed-in member
MEMBERS = "authenticated"


class Section(Base):
    __tablename__ = "kb_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_sections.id", ondelete="RESTRICT"), default=None, index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: who may read it: an access level of the core's categories ("everyone", "members"...)
    read_access: Mapped[str] = mapped_column(String(20), default="everyone")
    #: the core category it lives in (a group's space), or None; copied down the tree
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Section | None] = relationship(remote_side=[id])


class SectionRight(Base):
    """``principal`` may do ``right`` in a section (and its subsections, unless they say
    otherwise: rights are copied to a new subsection)."""

    __tablename__ = "kb_section_rights"

    section_id: Mapped[int] = mapped_column(ForeignKey("kb_sections.id", ondelete="CASCADE"),
                                            primary_key=True)
    right: Mapped[str] = mapped_column(String(20), primary_key=True)
    principal: Mapped[str] = mapped_column(String(60), primary_key=True)


class Article(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_section", "section_id", "title"),
                      Index("ix_kb_articles_review_by", "review_by"))

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("kb_sections.id", ondelete="RESTRICT"))
    #: the title and address of the published revision (of the latest, for a draft)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    #: who reviews it and is reminded when its review date passes
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    #: who started it (sees their own draft)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # (ids without a foreign key: the revisions refer to the article already, and SQLite
    # cannot add a constraint to a table that exists; the service keeps them right)
    published_revision_id: Mapped[int | None] = mapped_column(default=None)
    latest_revision_id: Mapped[int | None] = mapped_column(default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    review_by: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: when the owner was last reminded of the review date (one reminder per date)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: the discussion it was made from, if any
    source_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), default=None, index=True)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    section: Mapped[Section] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    published: Mapped[Revision | None] = relationship(
        primaryjoin="foreign(Article.published_revision_id) == Revision.id", viewonly=True)
    latest: Mapped[Revision | None] = relationship(
        primaryjoin="foreign(Article.latest_revision_id) == Revision.id", viewonly=True)

    @property
    def is_draft(self) -> bool:
        return self.published_revision_id is None


class Revision(Base):
    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    #: 1, 2, 3... within the article
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: the number of the revision this one restored, if it did
    restored_from: Mapped[int | None] = mapped_column(default=None)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class Feedback(Base):
    """"Was this helpful?" from one member (``user_id``) or one visitor's session
    (``visitor``: a random token of their cookie, nothing personal) about one revision."""

    __tablename__ = "kb_feedback"
    __table_args__ = (UniqueConstraint("revision_id", "user_id", name="uq_kb_feedback_member"),
                      UniqueConstraint("revision_id", "visitor", name="uq_kb_feedback_visitor"),
                      Index("ix_kb_feedback_article", "article_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("kb_revisions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None)
    visitor: Mapped[str | None] = mapped_column(String(64), default=None)
    helpful: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
