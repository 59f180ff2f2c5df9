"""The ideas plugin's tables; their names start with 'ideas_'.

An idea is a core topic (its first post is the description, replies are the comments) plus a
row of :class:`Idea` with its status and vote count. A category becomes an idea board with a
row of :class:`IdeaBoard`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum_core.api import Base, Category, Topic, _, utcnow

#: the statuses staff set, in the order an idea usually goes through them
STATUSES = ("new", "under_review", "planned", "in_progress", "done", "declined")
#: a duplicate merged into another idea (set by merging, not chosen)
MERGED = "merged"
#: ideas that take no votes any more; their votes go back to the voters' budgets
CLOSED = ("done", "declined", MERGED)
#: what members read for each status
STATUS_LABELS = {
    "new": _("New"),
    "under_review": _("Under review"),
    "planned": _("Planned"),
    "in_progress": _("In progress"),
    "done": _("Done"),
    "declined": _("Declined"),
    MERGED: _("Merged"),
}
#: the roadmap's columns
ROADMAP = ("under_review", "planned", "in_progress", "done")


class IdeaBoard(Base):
    """A category whose topics are ideas, with the board's voting rules."""

    __tablename__ = "ideas_boards"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    allow_downvotes: Mapped[bool] = mapped_column(default=False)
    #: at most this many votes per member on open ideas of the board (0: no limit)
    vote_budget: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()


class Idea(Base):
    """The voting side of a topic on an idea board."""

    __tablename__ = "ideas_ideas"
    __table_args__ = (Index("ix_ideas_ideas_votes", "votes", "topic_id"),)

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: up-votes minus down-votes, changed only by single UPDATE statements (exact under
    #: concurrent voting)
    votes: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas_ideas.topic_id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic] = relationship()

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class Vote(Base):
    """One member's vote for an idea: +1, or -1 where the board allows down-votes."""

    __tablename__ = "ideas_votes"
    # one vote per member and idea: the database refuses a second one, however concurrent
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas_ideas.topic_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
