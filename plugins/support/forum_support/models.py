"""The support plugin's tables; their names start with 'support_'.

A question is a core topic of a support category (its first post asks, replies answer) plus a
row of :class:`Question` with its state, its accepted answer, who handles it and the times the
service levels are measured from. A private conversation taken from a question
(:class:`Private`) is a core topic too, governed by this plugin: only its asker and staff see
it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum_core.api import Base, Category, Topic, _, utcnow

OPEN = "open"
ANSWERED = "answered"
SOLVED = "solved"
NEEDS_INFO = "needs_info"
ESCALATED = "escalated"
#: every state a question can be in, in the order it usually goes through them
STATES = (OPEN, ANSWERED, NEEDS_INFO, ESCALATED, SOLVED)
#: the states staff set by hand (the others follow from replies and accepted answers)
STAFF_STATES = (NEEDS_INFO,)
#: what members read for each state (beside an icon: never colour alone)
STATE_LABELS = {
    OPEN: _("Open"),
    ANSWERED: _("Answered"),
    SOLVED: _("Solved"),
    NEEDS_INFO: _("Needs more information"),
    ESCALATED: _("Escalated"),
}
#: the filters of a question list, and the states each keeps
FILTERS = {
    "unanswered": (OPEN,),
    "unsolved": (OPEN, ANSWERED, NEEDS_INFO, ESCALATED),
    "solved": (SOLVED,),
}
FILTER_LABELS = {"unanswered": _("Unanswered"), "unsolved": _("Unsolved"),
                 "solved": _("Solved")}
#: questions someone still has to do something about
QUEUED = (OPEN, ANSWERED, NEEDS_INFO)
#: the staff queue's views (``SupportService.queue``): "waiting" is what staff have to act
#: on now, the unanswered questions and those whose asker replied last
QUEUE_VIEWS = ("waiting", "unanswered", "needs_info", "unsolved", "mine", "escalated")
QUEUE_LABELS = {"waiting": _("Waiting for staff"), "unanswered": _("Unanswered"),
                "needs_info": _("Waiting for the asker"), "unsolved": _("All unsolved"),
                "mine": _("Handled by me"), "escalated": _("Escalated")}


class SupportCategory(Base):
    """A category whose topics are questions, with its rules."""

    __tablename__ = "support_categories"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    #: members of this group (of the groups plugin) are marked as experts on replies
    experts_group_id: Mapped[int | None] = mapped_column(default=None)
    #: a solved question takes no replies this many days after it was solved (0: never)
    close_after_days: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()


class Question(Base):
    """The support side of a topic in a support category."""

    __tablename__ = "support_questions"
    __table_args__ = (
        # the staff queue and the lists: by state, oldest or newest first
        Index("ix_support_questions_state_asked", "state", "asked_at"),
        Index("ix_support_questions_category_asked", "category_id", "asked_at"),
    )

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    #: the category the question was asked in (its topic's, kept here for the dashboard)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the first reply by someone other than the asker
    first_response_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_reply_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: who wrote that reply (the asker replying last puts the question back before staff)
    last_replier_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    #: when an answer was first accepted (changing the answer keeps it)
    solved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: the asker's answer to "did this answer help?" (None: not given)
    helpful: Mapped[bool | None] = mapped_column(default=None)
    #: the private conversation the question was taken to
    private_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), default=None)

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])

    @property
    def is_solved(self) -> bool:
        return self.state == SOLVED


class Private(Base):
    """A private conversation between staff and a question's asker."""

    __tablename__ = "support_private"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_questions.topic_id", ondelete="SET NULL"), default=None)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
