"""What happens to ideas: boards, submitting, voting, statuses, merging, and the listings.

Vote counts stay exact under concurrent voting: the database allows one vote row per member
and idea (a unique constraint), and ``Idea.votes`` changes only through single
``UPDATE ... SET votes = votes + n`` statements made by whoever actually inserted, changed or
deleted a vote row. Voting first locks the idea's row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers anyway), so a vote cannot slip in while the idea is being
closed or merged.

Every listing starts from the core's :func:`visible_topics`, so a board in a closed group's
space, a deleted or a held idea never shows to someone who may not see it.

Whatever changes an idea's votes (a vote cast, turned round or taken back, a merge) announces
``ContributionChanged("idea", topic id, author)`` in its transaction, so that badges and
points about ideas (:mod:`.recognition`) re-check the idea's author.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pyramid.authorization import Authenticated
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from forum_core.api import (
    Category,
    ConflictError,
    ContributionChanged,
    NotAllowedError,
    NotFoundError,
    NotificationKind,
    Topic,
    User,
    ValidationError,
    Viewer,
    _,
    emit,
    insert_if_absent,
    limits,
    notify,
    utcnow,
    visible_categories,
    visible_topics,
)

from .contenttypes import TYPE_NAME
from .models import CLOSED, MERGED, ROADMAP, STATUSES, Idea, IdeaBoard, Vote

#: the voters of an idea are told when its status changes (or it is merged)
STATUS_CHANGED = NotificationKind("ideas.status", _("${actor} changed the status of ${title}"),
                                  _("Status changes of ideas I voted for"))

PER_PAGE = 20
ROADMAP_LIMIT = 50
NOTE_MAX = 2000
BUDGET_MAX = 1000
#: Trending: a vote cast in the last TRENDING_DAYS counts TRENDING_WEIGHT times, older
#: votes once, i.e. ``score = votes + (TRENDING_WEIGHT - 1) * recent net votes``.
TRENDING_DAYS = 7
TRENDING_WEIGHT = 3
SORTS = ("votes", "trending", "newest")
#: a listing's cursor: the last idea's sort value (votes, a trending score or an id) and id
CURSOR_PATTERN = f"^(-?[0-9]{{1,12}})_([0-9]{{1,{limits.ID_DIGITS}}})$"
_CURSOR = re.compile(CURSOR_PATTERN, re.ASCII)


def _checked_note(note: str) -> str:
    """A status note as stored, or a ValidationError saying what to change."""
    if len(note) > NOTE_MAX:
        raise ValidationError(_("A note has at most ${maximum} characters.",
                                mapping={"maximum": NOTE_MAX}))
    if limits.has_text_controls(note):
        raise ValidationError(_("The note contains control characters; remove them."))
    return note.strip()


class BadCursor(ValueError):
    """The ``after`` parameter of a listing is not one this service wrote."""


@dataclass
class IdeaPage:
    items: list[tuple[Topic, Idea]]
    next_cursor: str | None


def can_vote(viewer: Viewer) -> bool:
    """Whether the viewer may vote: signed in and not suspended."""
    return viewer.user is not None and Authenticated in viewer.principals


def can_submit(viewer: Viewer, category: Category) -> bool:
    """Whether the viewer may start a topic (submit an idea) in the board's category: a
    member who may vote, at the category's level for starting topics."""
    return can_vote(viewer) and viewer.has_access(category.topic_access)


class IdeaService:
    def __init__(self, session: Any, content: Any = None) -> None:
        self.db = session
        self.content = content  # the core's IContentService, to create an idea's topic

    # -- boards ----------------------------------------------------------------------------

    def board(self, category_id: int) -> IdeaBoard | None:
        return self.db.get(IdeaBoard, category_id)

    def visible_board(self, viewer: Viewer, slug: str) -> tuple[Category, IdeaBoard] | None:
        """The board of a category slug, if the viewer may read the category."""
        row = self.db.execute(
            visible_categories(viewer).add_columns(IdeaBoard)
            .join(IdeaBoard, IdeaBoard.category_id == Category.id)
            .where(Category.slug == slug[:80])).first()
        return None if row is None else (row[0], row[1])

    def boards(self, viewer: Viewer) -> list[tuple[Category, IdeaBoard]]:
        rows = self.db.execute(visible_categories(viewer).add_columns(IdeaBoard)
                               .join(IdeaBoard, IdeaBoard.category_id == Category.id)
                               .order_by(Category.position, Category.id))
        return [(category, board) for category, board in rows]

    def configure_board(self, category: Category, enabled: bool, allow_downvotes: bool = False,
                        vote_budget: int = 0) -> IdeaBoard | None:
        """Make a category an idea board (its existing topics become ideas), change its
        rules, or stop it being one (its ideas and votes are kept for when it is again)."""
        board = self.board(category.id)
        if not enabled:
            if board is not None:
                self.db.delete(board)
            return None
        if not 0 <= vote_budget <= BUDGET_MAX:
            raise ValidationError(_("The vote budget is a number from 0 (no limit) to "
                                    "${maximum}.", mapping={"maximum": BUDGET_MAX}))
        if board is None:
            # two staff members saving the form at once make one board
            insert_if_absent(self.db, IdeaBoard, {"category_id": category.id},
                             ("category_id",))
            board = self.db.scalars(select(IdeaBoard).where(
                IdeaBoard.category_id == category.id)).one()
        # topics already there (or moved in since) become ideas
        have = select(Idea.topic_id)
        for topic_id in list(self.db.scalars(select(Topic.id).where(
                Topic.category_id == category.id, Topic.id.not_in(have)))):
            insert_if_absent(self.db, Idea, {"topic_id": topic_id}, ("topic_id",))
        board.allow_downvotes = allow_downvotes
        board.vote_budget = vote_budget
        self.db.flush()  # the board is read back on the same request
        return board

    # -- ideas -----------------------------------------------------------------------------

    def submit(self, author: User, category: Category, title: str, body: str) -> Topic:
        """A new idea: a topic of the board's category (validated by the core) and its row."""
        topic = self.content.create_topic(author, category, title, body)
        self.db.add(Idea(topic_id=topic.id))
        self.db.flush()  # the caller links to the new idea
        return topic

    def idea(self, topic_id: int) -> Idea | None:
        return self.db.get(Idea, topic_id)

    def visible_idea(self, viewer: Viewer, topic_id: int,
                     ) -> tuple[Topic, Idea, IdeaBoard] | None:
        """An idea the viewer may see, on a board that is still one."""
        row = self.db.execute(
            visible_topics(viewer).add_columns(Idea, IdeaBoard)
            .join(Idea, Idea.topic_id == Topic.id)
            .join(IdeaBoard, IdeaBoard.category_id == Topic.category_id)
            .where(Topic.id == topic_id)
            .options(joinedload(Topic.category))).first()
        return None if row is None else (row[0], row[1], row[2])

    def my_votes(self, user: User | None, topic_ids: list[int]) -> dict[int, int]:
        """The member's vote (+1 or -1) on each of ``topic_ids`` they voted for."""
        if user is None or not topic_ids:
            return {}
        return dict(self.db.execute(select(Vote.idea_id, Vote.value).where(
            Vote.user_id == user.id, Vote.idea_id.in_(topic_ids))).all())

    def open_votes(self, user: User, category_id: int) -> int:
        """How many of the member's votes are on open ideas of the board (the budget used)."""
        return self.db.scalar(
            select(func.count()).select_from(Vote)
            .join(Idea, Idea.topic_id == Vote.idea_id).join(Topic, Topic.id == Idea.topic_id)
            .where(Vote.user_id == user.id, Topic.category_id == category_id,
                   Idea.status.not_in(CLOSED))) or 0

    def _locked(self, topic_id: int) -> Idea:
        """The idea's row, locked until the transaction ends, read afresh."""
        idea = self.db.scalar(select(Idea).where(Idea.topic_id == topic_id).with_for_update()
                              .execution_options(populate_existing=True))
        if idea is None:
            raise NotFoundError(_("That idea does not exist (any more)."))
        return idea

    def _add_votes(self, topic_id: int, delta: int) -> None:
        self.db.execute(update(Idea).where(Idea.topic_id == topic_id)
                        .values(votes=Idea.votes + delta)
                        .execution_options(synchronize_session=False))

    def _votes_changed(self, *topic_ids: int) -> None:
        """Announce that the votes of ideas ``topic_ids`` changed, each with its author (who
        earns badges and points for them)."""
        authors = dict(self.db.execute(select(Topic.id, Topic.user_id)
                                       .where(Topic.id.in_(topic_ids))).tuples().all())
        for topic_id in topic_ids:
            emit(self.db, ContributionChanged(TYPE_NAME, topic_id, authors.get(topic_id)))

    def vote(self, idea: Idea, board: IdeaBoard, user: User, value: int = 1) -> Idea:
        """Vote for (+1) or against (-1) an idea; voting again the same way changes nothing,
        the other way turns the vote round."""
        if value not in (1, -1):
            raise ValidationError(_("A vote is 1 (for) or -1 (against)."))
        if value == -1 and not board.allow_downvotes:
            raise NotAllowedError(_("This board takes no votes against ideas."))
        idea = self._locked(idea.topic_id)
        if idea.is_closed:
            raise ConflictError(_("This idea is closed; it takes no more votes."))
        mine = self.db.scalar(select(Vote).where(Vote.idea_id == idea.topic_id,
                                                 Vote.user_id == user.id))
        if mine is not None:
            if mine.value != value:
                changed = self.db.execute(
                    update(Vote).where(Vote.id == mine.id, Vote.value == mine.value)
                    .values(value=value, created_at=utcnow())
                    .execution_options(synchronize_session=False))
                if changed.rowcount:
                    self._add_votes(idea.topic_id, value - mine.value)
                    self._votes_changed(idea.topic_id)
            return self._fresh(idea)
        if board.vote_budget and self.open_votes(user, board.category_id) >= board.vote_budget:
            raise ConflictError(_(
                "You have used all ${budget} of your votes on this board. Take one back, or "
                "wait until an idea you voted for is done or declined.",
                mapping={"budget": board.vote_budget}))
        # only the request that inserted the vote counts it: the same member's other
        # request, sent at the same moment, finds it there and changes nothing
        if insert_if_absent(self.db, Vote, {"idea_id": idea.topic_id, "user_id": user.id,
                                            "value": value}, ("idea_id", "user_id")):
            self._add_votes(idea.topic_id, value)
            self._votes_changed(idea.topic_id)
        return self._fresh(idea)

    def unvote(self, idea: Idea, user: User) -> Idea:
        """Take one's vote back (nothing happens without one)."""
        idea = self._locked(idea.topic_id)
        gone = self.db.execute(delete(Vote).where(Vote.idea_id == idea.topic_id,
                                                  Vote.user_id == user.id)
                               .returning(Vote.value)
                               .execution_options(synchronize_session=False)).all()
        for (value,) in gone:
            self._add_votes(idea.topic_id, -value)
        if gone:
            self._votes_changed(idea.topic_id)
        return self._fresh(idea)

    def _fresh(self, idea: Idea) -> Idea:
        self.db.refresh(idea)
        return idea

    def voters(self, topic_id: int) -> list[int]:
        return list(self.db.scalars(select(Vote.user_id).where(Vote.idea_id == topic_id)))

    def set_status(self, idea: Idea, staff: User, status: str, note: str = "") -> int:
        """Set an idea's status with an optional public note; every voter is notified.
        Returns how many were."""
        if status not in STATUSES:
            raise ValidationError(_("Choose one of the statuses: ${statuses}.",
                                    mapping={"statuses": ", ".join(STATUSES)}))
        note = _checked_note(note)
        idea = self._locked(idea.topic_id)
        if idea.status == MERGED:
            raise ConflictError(_("This idea was merged into another one; change that "
                                  "one instead."))
        idea.status, idea.status_note, idea.status_changed_at = status, note, utcnow()
        return notify(self.db, self.voters(idea.topic_id), STATUS_CHANGED.name, idea,
                      actor=staff)

    def merge(self, duplicate: Idea, target: Idea, staff: User, note: str = "") -> Idea:
        """Merge a duplicate into another idea: its votes move to the target (a member who
        voted for both keeps the vote they gave the target), the duplicate is closed with a
        link to the target, and its voters are notified. Returns the target."""
        if duplicate.topic_id == target.topic_id:
            raise ConflictError(_("An idea cannot be merged into itself."))
        note = _checked_note(note)
        # lock both rows in a fixed order, so two merges cannot wait for each other
        first, second = sorted((duplicate.topic_id, target.topic_id))
        locked = {first: self._locked(first), second: self._locked(second)}
        duplicate, target = locked[duplicate.topic_id], locked[target.topic_id]
        if duplicate.status == MERGED or target.status == MERGED:
            raise ConflictError(_("A merged idea cannot be merged again."))
        voters = self.voters(duplicate.topic_id)
        on_target = select(Vote.user_id).where(Vote.idea_id == target.topic_id)
        self.db.execute(update(Vote).where(Vote.idea_id == duplicate.topic_id,
                                           Vote.user_id.not_in(on_target))
                        .values(idea_id=target.topic_id)
                        .execution_options(synchronize_session=False))
        self.db.execute(delete(Vote).where(Vote.idea_id == duplicate.topic_id)
                        .execution_options(synchronize_session=False))
        # both rows are locked: a recount cannot miss a concurrent vote
        total = select(func.coalesce(func.sum(Vote.value), 0)).where(
            Vote.idea_id == target.topic_id).scalar_subquery()
        self.db.execute(update(Idea).where(Idea.topic_id == target.topic_id)
                        .values(votes=total).execution_options(synchronize_session=False))
        duplicate.votes = 0
        duplicate.status, duplicate.merged_into_id = MERGED, target.topic_id
        duplicate.status_note, duplicate.status_changed_at = note, utcnow()
        self.db.flush()  # the voters' notifications and the target's count are read next
        notify(self.db, voters, STATUS_CHANGED.name, duplicate, actor=staff)
        # the duplicate's votes went to the target: both authors' votes changed
        self._votes_changed(duplicate.topic_id, target.topic_id)
        return self._fresh(target)

    # -- listings --------------------------------------------------------------------------

    def _sort_key(self, sort: str) -> Any:
        if sort == "votes":
            return Idea.votes
        if sort == "newest":
            return Topic.id
        since = utcnow() - dt.timedelta(days=TRENDING_DAYS)
        recent = (select(func.coalesce(func.sum(Vote.value), 0))
                  .where(Vote.idea_id == Idea.topic_id, Vote.created_at >= since)
                  .correlate(Idea).scalar_subquery())
        return Idea.votes + (TRENDING_WEIGHT - 1) * recent

    def page(self, viewer: Viewer, category: Category, sort: str = "votes",
             status: str | None = None, after: str | None = None,
             per_page: int = PER_PAGE) -> IdeaPage:
        """One page of a board's ideas, best first, by keyset: ``after`` is the previous
        page's ``next_cursor``."""
        if sort not in SORTS:
            raise BadCursor(sort)
        key = self._sort_key(sort)
        query = (visible_topics(viewer).add_columns(Idea, key.label("sort_key"))
                 .join(Idea, Idea.topic_id == Topic.id)
                 .where(Topic.category_id == category.id)
                 .options(joinedload(Topic.author), joinedload(Topic.category))
                 .order_by(key.desc(), Topic.id.desc()).limit(per_page + 1))
        if status is not None:
            query = query.where(Idea.status == status)
        if after is not None:
            found = _CURSOR.fullmatch(after)
            if found is None:
                raise BadCursor(after)
            value, last = int(found.group(1)), int(found.group(2))
            query = query.where((key < value) | ((key == value) & (Topic.id < last)))
        rows = self.db.execute(query).all()
        items = [(topic, idea) for topic, idea, _key in rows[:per_page]]
        cursor = None
        if len(rows) > per_page:
            _topic, _idea, last_key = rows[per_page - 1]
            cursor = f"{int(last_key)}_{_topic.id}"
        return IdeaPage(items, cursor)

    def roadmap(self, viewer: Viewer, category: Category,
                ) -> list[tuple[str, list[tuple[Topic, Idea]]]]:
        """The board's ideas by roadmap status, most votes first."""
        columns: dict[str, list[tuple[Topic, Idea]]] = {}
        for status in ROADMAP:  # one query per column: a constant number, whatever the size
            rows = self.db.execute(
                visible_topics(viewer).add_columns(Idea).join(Idea, Idea.topic_id == Topic.id)
                .where(Topic.category_id == category.id, Idea.status == status)
                .options(joinedload(Topic.author), joinedload(Topic.category))
                .order_by(Idea.votes.desc(), Topic.id.desc()).limit(ROADMAP_LIMIT))
            columns[status] = [(topic, idea) for topic, idea in rows]
        return list(columns.items())


class IdeaVotes:
    """The ``votes`` capability: ideas' scores and members' votes, for other plugins (badges,
    reports) without importing this one."""

    def scores(self, session, type_name: str, keys) -> dict[int, int]:
        if type_name not in ("idea", "topic") or not keys:
            return {}
        return dict(session.execute(select(Idea.topic_id, Idea.votes)
                                    .where(Idea.topic_id.in_(list(keys)))).all())

    def votes_of(self, session, user_id: int) -> int:
        return session.scalar(select(func.count()).select_from(Vote)
                              .where(Vote.user_id == user_id)) or 0

