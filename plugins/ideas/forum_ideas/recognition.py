"""What ideas earn: a badge for a first idea, one for each idea that reaches a number of
votes, and points for every vote an idea receives from someone else.

Each is a query of the present state (``forum_core.api.BadgeRule``, ``PointsAction``): the
recognising plugin re-checks an idea's author when something announced may have changed it,
so a vote taken back, an idea deleted or moved off its board takes its points back at that
re-check. An idea counts while it is one and everyone may see it:

* its topic is in a category that is an idea board (a topic moved off the board keeps its
  row, but is no idea there);
* its topic is neither deleted nor waiting for a moderator's approval.

The services announce ``ContributionChanged("idea", topic id, author)`` whenever an idea's
votes change (:mod:`.services`); the core announces topics started, moved and approved.
Every ``earned`` is one query, whatever the number of members asked about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from forum_core.api import (
    BadgeRule,
    ContributionChanged,
    Earned,
    Event,
    PointsAction,
    Post,
    PostStateChanged,
    RuleParameter,
    Topic,
    TopicCreated,
    TopicMoved,
    TopicStateChanged,
    _,
)

from .contenttypes import TYPE_NAME
from .models import Idea, IdeaBoard, Vote

#: the events that may change what ideas earn: a topic started on a board, a topic moved on
#: or off one, deleted or restored, an opening post approved (a held idea becomes public),
#: an idea's votes changed
TRIGGERS: tuple[type[Event], ...] = (TopicCreated, TopicMoved, TopicStateChanged,
                                     PostStateChanged, ContributionChanged)


def counted_ideas(*columns: Any) -> Select[Any]:
    """``columns`` of the ideas that count: on a board, not deleted, not held (joins
    :class:`~.models.Idea` and its ``Topic``)."""
    return (select(*columns).select_from(Idea)
            .join(Topic, Topic.id == Idea.topic_id)
            .join(IdeaBoard, IdeaBoard.category_id == Topic.category_id)
            .where(Topic.is_deleted.is_(False), Topic.is_held.is_(False)))


def idea_authors(session: Session, event: Event) -> list[int]:
    """Whose ideas ``event`` may have changed (one of :data:`TRIGGERS`); at most one small
    read, in the transaction of the change.

    * a topic started: its author, when its category is a board (every topic of the forum
      is announced; the idea's row is made after the announcement, so the board tells);
    * a topic moved, deleted or restored: its author, when it is an idea;
    * a post approved: the topic's author, when it is the opening post of an idea (a held
      idea became public); hiding, deleting or restoring a post leaves the topic as it is;
    * ``ContributionChanged`` about an idea: the author it names (None: nobody).
    """
    if isinstance(event, ContributionChanged):
        if event.type_name != TYPE_NAME or event.author_id is None:
            return []
        return [event.author_id]
    if isinstance(event, TopicCreated):
        return [event.user_id] if session.get(IdeaBoard, event.category_id) is not None else []
    author = select(Topic.user_id).join(Idea, Idea.topic_id == Topic.id)
    if isinstance(event, (TopicMoved, TopicStateChanged)):
        return list(session.scalars(author.where(Topic.id == event.topic_id)))
    if isinstance(event, PostStateChanged) and event.action == "approve":
        return list(session.scalars(
            author.join(Post, Post.topic_id == Topic.id)
            .where(Topic.id == event.topic_id, Post.id == event.post_id, Post.number == 1)))
    return []


class FirstIdea(BadgeRule):
    """Members who posted an idea that counts; the badge names their first."""

    name = "ideas.first_idea"
    label = _("Posted a first idea")
    description = _("Shared a first idea")
    triggers = TRIGGERS

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return idea_authors(session, event)

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        if not user_ids:
            return []
        rows = session.execute(
            counted_ideas(Topic.user_id, func.min(Topic.id))
            .where(Topic.user_id.in_(list(user_ids))).group_by(Topic.user_id))
        return [Earned(user_id, TYPE_NAME, key) for user_id, key in rows]


#: the parameter of :class:`IdeaVotes`
VOTES = RuleParameter("votes", _("Votes"), default=10, minimum=1)


class IdeaVotes(BadgeRule):
    """An idea of the member's that counts has a score (up-votes minus down-votes, as the
    board shows it) of at least ``votes``: once per such idea."""

    name = "ideas.votes"
    label = _("An idea reached a number of votes")
    description = _("An idea of theirs reached ${votes} votes")
    parameters = (VOTES,)
    triggers = TRIGGERS
    per_item = True

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return idea_authors(session, event)

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        if not user_ids:
            return []
        votes = int(params.get(VOTES.name, VOTES.default))
        rows = session.execute(
            counted_ideas(Topic.user_id, Idea.topic_id)
            .where(Topic.user_id.in_(list(user_ids)), Idea.votes >= votes)
            .order_by(Topic.user_id, Idea.topic_id))
        return [Earned(user_id, TYPE_NAME, topic_id) for user_id, topic_id in rows]


class VoteReceived(PointsAction):
    """Every up-vote another member gives an idea of the member's that counts (a down-vote,
    or a vote for one's own idea, earns nothing): ``vote:<vote id>``, when it was cast."""

    name = "ideas.vote_received"
    label = _("A vote received on an idea")
    default_points = 2
    triggers = TRIGGERS

    def members(self, session: Session, event: Event) -> Iterable[int]:
        return idea_authors(session, event)

    def earned(self, session: Session,
               user_ids: Sequence[int]) -> Iterable[tuple[int, str, dt.datetime]]:
        if not user_ids:
            return []
        rows = session.execute(
            counted_ideas(Topic.user_id, Vote.id, Vote.created_at)
            .join(Vote, Vote.idea_id == Idea.topic_id)
            .where(Topic.user_id.in_(list(user_ids)), Vote.value > 0,
                   Vote.user_id != Topic.user_id))
        return [(user_id, f"vote:{vote_id}", when) for user_id, vote_id, when in rows]


def badge_rules() -> list[BadgeRule]:
    """The rules of ``forum_register_badge_rules``."""
    return [FirstIdea(), IdeaVotes()]


def point_actions() -> list[PointsAction]:
    """The actions of ``forum_register_point_actions``."""
    return [VoteReceived()]
