"""What answering questions earns: a badge for a first accepted answer, and points for every
question whose accepted answer the member wrote.

Each is a query of the present state (``forum_core.api.BadgeRule``, ``PointsAction``): the
recognising plugin re-checks an answer's author when something announced may have changed
it, so an answer taken back, replaced by another, or hidden or deleted (which takes it back
by itself) loses its points at that re-check. An accepted answer counts when:

* someone other than the asker wrote it (answering one's own question earns nothing; an
  asker whose account is gone asked nobody the answerer could be);
* its question is one (its topic in a support category: a question moved elsewhere keeps
  its row for when it comes back, but is no question there) and its topic is not deleted;
* the reply itself is shown to everyone (not deleted, hidden or held).

The service announces ``ContributionChanged("post", post id, author)`` for every answer
accepted or no longer accepted (:mod:`.services`); the core announces topics moved. Every
``earned`` is one query, whatever the number of members asked about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from forum_core.api import (
    BadgeRule,
    ContributionChanged,
    Earned,
    Event,
    PointsAction,
    Post,
    Topic,
    TopicMoved,
    TopicStateChanged,
    _,
    utcnow,
)

from .models import Question, SupportCategory

#: what an accepted answer is announced as: the reply, a core post
TYPE_NAME = "post"
#: the events that may change what answers earn: an answer accepted or no longer (announced
#: by the service), a question moved into or out of a support category
TRIGGERS: tuple[type[Event], ...] = (ContributionChanged, TopicMoved, TopicStateChanged)


def accepted_answers(*columns: Any) -> Select[Any]:
    """``columns`` of the questions whose accepted answer counts (joins
    :class:`~.models.Question`, the accepted ``Post`` and the question's ``Topic``)."""
    return (select(*columns).select_from(Question)
            .join(Post, Post.id == Question.accepted_post_id)
            .join(Topic, Topic.id == Question.topic_id)
            .join(SupportCategory, SupportCategory.category_id == Topic.category_id)
            .where(or_(Question.asker_id.is_(None), Post.user_id != Question.asker_id),
                   Topic.is_deleted.is_(False), Post.is_deleted.is_(False),
                   Post.is_hidden.is_(False), Post.is_held.is_(False)))


def answer_authors(session: Session, event: Event) -> list[int]:
    """Whose accepted answers ``event`` may have changed (one of :data:`TRIGGERS`): the
    author a ``ContributionChanged`` about a post names (None: nobody), or the author of a
    moved, deleted or restored question's accepted answer (one small read, in the
    transaction of the change)."""
    if isinstance(event, ContributionChanged):
        if event.type_name != TYPE_NAME or event.author_id is None:
            return []
        return [event.author_id]
    if isinstance(event, (TopicMoved, TopicStateChanged)):
        return list(session.scalars(
            select(Post.user_id).join(Question, Question.accepted_post_id == Post.id)
            .where(Question.topic_id == event.topic_id)))
    return []


class FirstAcceptedAnswer(BadgeRule):
    """Members who wrote the accepted answer to someone else's question; the badge names
    the first such reply."""

    name = "support.first_accepted_answer"
    label = _("A first accepted answer")
    description = _("Wrote a reply accepted as the answer to a question")
    triggers = TRIGGERS

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return answer_authors(session, event)

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        if not user_ids:
            return []
        rows = session.execute(
            accepted_answers(Post.user_id, func.min(Post.id))
            .where(Post.user_id.in_(list(user_ids))).group_by(Post.user_id))
        return [Earned(user_id, TYPE_NAME, post_id) for user_id, post_id in rows]


class AnswerAccepted(PointsAction):
    """Every question whose accepted answer the member wrote (not the asker's own):
    ``answer:<question's topic id>``, when the question was first solved. Another reply
    accepted instead moves the points to its author."""

    name = "support.answer_accepted"
    label = _("An answer accepted")
    default_points = 15
    triggers = TRIGGERS

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return answer_authors(session, event)

    def earned(self, session: Session,
               user_ids: Sequence[int]) -> Iterable[tuple[int, str, dt.datetime]]:
        if not user_ids:
            return []
        rows = session.execute(
            accepted_answers(Post.user_id, Question.topic_id, Question.solved_at)
            .where(Post.user_id.in_(list(user_ids))))
        now = utcnow()
        return [(user_id, f"answer:{topic_id}", solved_at or now)
                for user_id, topic_id, solved_at in rows]


def badge_rules() -> list[BadgeRule]:
    """The rules of ``forum_register_badge_rules``."""
    return [FirstAcceptedAnswer()]


def point_actions() -> list[PointsAction]:
    """The actions of ``forum_register_point_actions``."""
    return [AnswerAccepted()]
