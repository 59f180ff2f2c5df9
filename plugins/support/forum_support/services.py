"""What happens to support questions: support categories, states, accepted answers, claims,
escalation to a private conversation, and the "did this help?" answer.

States follow from what happens: a question is *open* until someone other than the asker
replies (*answered*), and *solved* once the asker or staff accept a reply. Staff may mark it
*needs more information* (the asker's next reply takes the mark away) or take it to a private
conversation (*escalated*).

Every change that depends on a question's current state first locks its row (``lock_row``:
``SELECT ... FOR UPDATE`` on PostgreSQL, SQLite has one writer anyway) and reads it afresh,
so two staff members claiming at once, or two accepts at once, end in one consistent state:
one claim wins and the other is told who has it; the later accept is the answer.

Every listing starts from the core's :func:`visible_topics`, so a support category in a closed
group's space, a private conversation, a deleted or held question never shows to someone who
may not see it.

A reply that becomes the accepted answer, or stops being it (another accepted instead, taken
back, or hidden or deleted), is announced as ``ContributionChanged("post", post id, author)``
in the same transaction, so that badges and points about answers (:mod:`.recognition`)
re-check its author.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pyramid.authorization import Authenticated
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import joinedload

from forum_core.api import (
    Category,
    ConflictError,
    ContributionChanged,
    NotAllowedError,
    NotFoundError,
    NotificationKind,
    Post,
    Topic,
    User,
    ValidationError,
    Viewer,
    _,
    capability,
    emit,
    govern,
    insert_if_absent,
    lock_row,
    notify,
    parse_id,
    utcnow,
    visible_categories,
    visible_posts,
    visible_topics,
)

from .models import (
    ANSWERED,
    ESCALATED,
    FILTERS,
    NEEDS_INFO,
    OPEN,
    QUEUED,
    SOLVED,
    STAFF_STATES,
    Private,
    Question,
    SupportCategory,
)
from .recognition import TYPE_NAME as POST_TYPE

PLUGIN_ID = "support"
PER_PAGE = 30
QUEUE_SIZE = 50
CLOSE_DAYS_MAX = 3650

#: the asker hears of the first answer, and when a question is solved; an answer's author
#: hears that it was accepted; the asker hears of a private conversation staff started
ANSWERED_KIND = NotificationKind("support.answered",
                                 _("${actor} answered your question ${title}"),
                                 _("First answers to my questions"))
SOLVED_KIND = NotificationKind("support.solved",
                               _("${actor} marked an answer to your question ${title} as the "
                                 "solution"),
                               _("My questions solved"))
ACCEPTED_KIND = NotificationKind("support.accepted",
                                 _("${actor} accepted your answer to ${title}"),
                                 _("My answers accepted"))
ESCALATED_KIND = NotificationKind("support.escalated",
                                  _("${actor} started a private conversation with you: "
                                    "${title}"),
                                  _("Private conversations about my questions"))
PRIVATE_REPLY_KIND = NotificationKind("support.private_reply",
                                      _("${actor} replied in your private conversation "
                                        "${title}"),
                                      _("Replies in my private conversations with staff"))
KINDS = (ANSWERED_KIND, SOLVED_KIND, ACCEPTED_KIND, ESCALATED_KIND, PRIVATE_REPLY_KIND)


def can_ask(viewer: Viewer, category: Category) -> bool:
    """Whether the viewer may ask in the category: signed in, not suspended, at the
    category's level for starting topics."""
    return (viewer.user is not None and Authenticated in viewer.principals
            and viewer.has_access(category.topic_access))


def private_principal(topic_id: int) -> str:
    """The principal of the asker of private conversation ``topic_id``."""
    return f"support:private:{topic_id}"


def base_state(question: Question) -> str:
    """The state that follows from replies and the accepted answer alone."""
    if question.accepted_post_id is not None:
        return SOLVED
    return ANSWERED if question.first_response_at is not None else OPEN


def closed_for_replies(question: Question, support: SupportCategory,
                       now: dt.datetime | None = None) -> bool:
    """Whether a solved question is old enough to take no more replies."""
    if not support.close_after_days or question.state != SOLVED or question.solved_at is None:
        return False
    now = now or utcnow()
    return question.solved_at + dt.timedelta(days=support.close_after_days) <= now


@dataclass
class QuestionPage:
    items: list[tuple[Topic, Question]]
    next_cursor: int | None


class SupportService:
    def __init__(self, session: Any, viewer: Viewer | None = None, content: Any = None,
                 ) -> None:
        self.db = session
        self.viewer = viewer
        self.content = content  # the core's IContentService, to ask and to escalate

    # -- support categories ----------------------------------------------------------------

    def support_category(self, category_id: int) -> SupportCategory | None:
        return self.db.get(SupportCategory, category_id)

    def categories(self) -> list[tuple[Category, SupportCategory]]:
        """The support categories the viewer may read, in the forum's order."""
        assert self.viewer is not None
        rows = self.db.execute(visible_categories(self.viewer).add_columns(SupportCategory)
                               .join(SupportCategory,
                                     SupportCategory.category_id == Category.id)
                               .order_by(Category.position, Category.id))
        return [(category, support) for category, support in rows]

    def visible_category(self, slug: str) -> tuple[Category, SupportCategory] | None:
        assert self.viewer is not None
        row = self.db.execute(
            visible_categories(self.viewer).add_columns(SupportCategory)
            .join(SupportCategory, SupportCategory.category_id == Category.id)
            .where(Category.slug == slug[:80])).first()
        return None if row is None else (row[0], row[1])

    def configure(self, category: Category, enabled: bool, close_after_days: int = 0,
                  experts_group_id: int | None = None) -> SupportCategory | None:
        """Make a category a support category (its topics become questions, with their first
        response and last reply read from their posts), change its rules, or stop it being
        one (its questions are kept for when it is again)."""
        support = self.support_category(category.id)
        if not enabled:
            if support is not None:
                self.db.delete(support)
            return None
        if not 0 <= close_after_days <= CLOSE_DAYS_MAX:
            raise ValidationError(_("Close solved questions after 0 (never) to ${maximum} "
                                    "days.", mapping={"maximum": CLOSE_DAYS_MAX}))
        if support is None:
            insert_if_absent(self.db, SupportCategory, {"category_id": category.id},
                             ("category_id",))
            support = self.db.scalars(select(SupportCategory).where(
                SupportCategory.category_id == category.id)).one()
        support.close_after_days = close_after_days
        support.experts_group_id = experts_group_id
        self._adopt_topics(category.id)
        self.db.flush()  # read back on the same request
        return support

    def _adopt_topics(self, category_id: int) -> None:
        """Topics of the category without a question row get one, in batches."""
        private = select(Private.topic_id)
        have = select(Question.topic_id)
        while True:
            topics = self.db.execute(
                select(Topic.id, Topic.user_id, Topic.created_at)
                .where(Topic.category_id == category_id, Topic.id.not_in(have),
                       Topic.id.not_in(private)).limit(500)).all()
            if not topics:
                return
            for topic_id, user_id, created_at in topics:
                insert_if_absent(self.db, Question,
                                 {"topic_id": topic_id, "category_id": category_id,
                                  "asker_id": user_id, "asked_at": created_at},
                                 ("topic_id",))
            self.db.flush()
            for topic_id, user_id, _created in topics:
                self._recount(topic_id, user_id)

    def _recount(self, topic_id: int, asker_id: int | None) -> None:
        """A question's first response and last reply, as its visible replies say."""
        replies = (select(Post.created_at)
                   .where(Post.topic_id == topic_id, Post.number > 1,
                          Post.is_deleted.is_(False), Post.is_hidden.is_(False),
                          Post.is_held.is_(False)))
        first = self.db.scalar(replies.where(Post.user_id != asker_id)
                               .order_by(Post.created_at).limit(1))
        last = self.db.execute(replies.add_columns(Post.user_id)
                               .order_by(Post.created_at.desc(), Post.number.desc())
                               .limit(1)).first()
        question = self.db.get(Question, topic_id)
        question.first_response_at = first
        question.last_reply_at, question.last_replier_id = last if last else (None, None)
        if question.state in (OPEN, ANSWERED):
            question.state = base_state(question)

    # -- questions -------------------------------------------------------------------------

    def ask(self, author: User, category: Category, title: str, body: str) -> Topic:
        """A new question: a topic of the support category, validated by the core (its
        question row is made when the core announces the topic)."""
        topic = self.content.create_topic(author, category, title, body)
        self.db.flush()
        return topic

    def question_started(self, topic_id: int, category_id: int, user_id: int,
                         asked_at: dt.datetime) -> None:
        """The core started a topic: in a support category it is a question."""
        if self.support_category(category_id) is None:
            return
        insert_if_absent(self.db, Question, {"topic_id": topic_id, "category_id": category_id,
                                             "asker_id": user_id, "asked_at": asked_at},
                         ("topic_id",))

    def topic_moved(self, topic_id: int, category_id: int) -> None:
        """A moderator moved a topic: into a support category it becomes a question (with
        its times read from its replies); a question moved elsewhere keeps its row, out of
        the queue and the figures, for when it comes back."""
        question = self.db.get(Question, topic_id)
        if question is not None:
            question.category_id = category_id
            return
        if self.support_category(category_id) is None \
                or self.db.get(Private, topic_id) is not None:
            return
        topic = self.db.get(Topic, topic_id)
        insert_if_absent(self.db, Question, {"topic_id": topic_id, "category_id": category_id,
                                             "asker_id": topic.user_id,
                                             "asked_at": topic.created_at}, ("topic_id",))
        self.db.flush()
        self._recount(topic_id, topic.user_id)

    def reply_posted(self, post: Post) -> int | None:
        """A reply was posted: the first one by someone else answers the question, and the
        asker's reply takes "needs more information" away. Returns the asker to tell of a
        first answer, if there is one to tell."""
        question = self.db.get(Question, post.topic_id)
        if question is None or post.number == 1 or post.is_held:
            return None
        lock_row(self.db, Question, question.topic_id)
        self.db.refresh(question)
        question.last_reply_at, question.last_replier_id = post.created_at, post.user_id
        if post.user_id == question.asker_id:
            if question.state == NEEDS_INFO:
                question.state = base_state(question)
            return None
        if question.first_response_at is not None:
            return None
        question.first_response_at = post.created_at
        if question.state == OPEN:
            question.state = ANSWERED
        return question.asker_id

    def _answer_changed(self, post_id: int, author_id: int | None = None) -> None:
        """Announce that reply ``post_id`` became or stopped being an accepted answer (its
        author read here unless given)."""
        if author_id is None:
            author_id = self.db.scalar(select(Post.user_id).where(Post.id == post_id))
        emit(self.db, ContributionChanged(POST_TYPE, post_id, author_id))

    def post_changed(self, post_id: int, topic_id: int) -> None:
        """A post was hidden, deleted, restored or approved: an accepted answer that is no
        longer shown stops being the answer, and the first response is read again."""
        question = self.db.get(Question, topic_id)
        if question is None:
            return
        lock_row(self.db, Question, topic_id)
        self.db.refresh(question)
        post = self.db.get(Post, post_id)
        if question.accepted_post_id == post_id and (
                post is None or post.is_deleted or post.is_hidden or post.is_held):
            question.accepted_post_id = question.accepted_by_id = None
            question.solved_at = None
            question.state = base_state(question)
            self._answer_changed(post_id, post.user_id if post is not None else None)
        self._recount(topic_id, question.asker_id)

    def visible_question(self, topic_id: int) -> tuple[Topic, Question, SupportCategory] | None:
        """A question the viewer may see, in a category that is still a support category."""
        assert self.viewer is not None
        row = self.db.execute(
            visible_topics(self.viewer).add_columns(Question, SupportCategory)
            .join(Question, Question.topic_id == Topic.id)
            .join(SupportCategory, SupportCategory.category_id == Topic.category_id)
            .where(Topic.id == topic_id)
            .options(joinedload(Topic.category), joinedload(Topic.author))).first()
        return None if row is None else (row[0], row[1], row[2])

    def page(self, category: Category, filter_name: str | None = None,
             after: int | None = None, per_page: int = PER_PAGE) -> QuestionPage:
        """One page of a category's questions, newest first, by keyset (``after`` is the
        previous page's ``next_cursor``)."""
        assert self.viewer is not None
        query = (visible_topics(self.viewer).add_columns(Question)
                 .join(Question, Question.topic_id == Topic.id)
                 .where(Topic.category_id == category.id)
                 .options(joinedload(Topic.author), joinedload(Topic.category))
                 .order_by(Topic.id.desc()).limit(per_page + 1))
        if filter_name is not None:
            query = query.where(Question.state.in_(FILTERS[filter_name]))
        if after is not None:
            query = query.where(Topic.id < after)
        rows = self.db.execute(query).all()
        items = [(topic, question) for topic, question in rows[:per_page]]
        cursor = items[-1][0].id if len(rows) > per_page else None
        return QuestionPage(items, cursor)

    def accepted_post(self, question: Question) -> Post | None:
        """The accepted answer, if the viewer may see it."""
        if question.accepted_post_id is None:
            return None
        assert self.viewer is not None
        return self.db.scalar(visible_posts(self.viewer)
                              .where(Post.id == question.accepted_post_id)
                              .options(joinedload(Post.author)))

    # -- accepting an answer ---------------------------------------------------------------

    def _locked(self, topic_id: int) -> Question:
        lock_row(self.db, Question, topic_id)
        question = self.db.scalar(select(Question).where(Question.topic_id == topic_id)
                                  .execution_options(populate_existing=True))
        if question is None:
            raise NotFoundError(_("That question does not exist (any more)."))
        return question

    def may_accept(self, question: Question) -> bool:
        assert self.viewer is not None
        user = self.viewer.user
        return user is not None and Authenticated in self.viewer.principals and (
            self.viewer.is_staff or user.id == question.asker_id)

    def accept(self, question: Question, post_id: int) -> Question:
        """Make reply ``post_id`` the answer (the asker or staff; another accepted reply stops
        being the answer). The asker, and the answer's author, are told."""
        if not self.may_accept(question):
            raise NotAllowedError(_("Only the person who asked and staff can accept an "
                                    "answer."))
        assert self.viewer is not None and self.viewer.user is not None
        post = self.db.get(Post, int(post_id))
        if post is None or post.topic_id != question.topic_id:
            raise NotFoundError(_("That reply is not part of this question."))
        if post.number == 1:
            raise ConflictError(_("The question itself cannot be its answer; accept a "
                                  "reply."))
        if post.is_deleted or post.is_hidden or post.is_held:
            raise ConflictError(_("That reply is deleted, hidden or waiting for a "
                                  "moderator; it cannot be the answer."))
        question = self._locked(question.topic_id)
        if question.accepted_post_id == post.id:
            return question
        replaced = question.accepted_post_id
        now = utcnow()
        question.accepted_post_id = post.id
        question.accepted_by_id = self.viewer.user.id
        question.solved_at = question.solved_at or now
        question.state = SOLVED
        question.claimed_by_id = question.claimed_at = None
        self.db.flush()
        if replaced is not None:
            self._answer_changed(replaced)
        self._answer_changed(post.id, post.user_id)
        actor = self.viewer.user
        notify(self.db, [question.asker_id] if question.asker_id else [], SOLVED_KIND.name,
               question, actor=actor)
        notify(self.db, [post.user_id], ACCEPTED_KIND.name, question, actor=actor)
        return question

    def unaccept(self, question: Question) -> Question:
        """The question has no accepted answer any more."""
        if not self.may_accept(question):
            raise NotAllowedError(_("Only the person who asked and staff can accept an "
                                    "answer."))
        question = self._locked(question.topic_id)
        taken_back = question.accepted_post_id
        question.accepted_post_id = question.accepted_by_id = None
        question.solved_at = None
        question.helpful = None
        if taken_back is not None:
            self._answer_changed(taken_back)
        if question.state == SOLVED:
            question.state = base_state(question)
        return question

    def answer_helped(self, question: Question, helpful: bool) -> Question:
        """The asker says whether the accepted answer helped (again: changes the answer)."""
        assert self.viewer is not None
        if self.viewer.user is None or self.viewer.user.id != question.asker_id:
            raise NotAllowedError(_("Only the person who asked can say whether the answer "
                                    "helped."))
        if question.state != SOLVED:
            raise ConflictError(_("This question has no accepted answer yet."))
        question.helpful = helpful
        return question

    # -- staff -----------------------------------------------------------------------------

    def _staff(self) -> User:
        assert self.viewer is not None
        if not self.viewer.is_staff or self.viewer.user is None:
            raise NotAllowedError(_("Only moderators and administrators do this."))
        return self.viewer.user

    def claim(self, question: Question) -> Question:
        """The staff member handles the question; one of two claiming at once wins, the
        other is told who has it."""
        staff = self._staff()
        question = self._locked(question.topic_id)
        if question.state == SOLVED:
            raise ConflictError(_("This question is solved; no one needs to handle it."))
        if question.claimed_by_id == staff.id:
            return question
        if question.claimed_by_id is not None:
            holder = self.db.get(User, question.claimed_by_id)
            raise ConflictError(_("${name} is handling this question already.",
                                  mapping={"name": holder.username if holder else "?"}))
        claimed = self.db.execute(
            update(Question).where(Question.topic_id == question.topic_id,
                                   Question.claimed_by_id.is_(None))
            .values(claimed_by_id=staff.id, claimed_at=utcnow())
            .execution_options(synchronize_session=False))
        if not claimed.rowcount:  # (only where the lock did not serialise: never here)
            raise ConflictError(_("Someone else is handling this question already."))
        self.db.refresh(question)
        return question

    def unclaim(self, question: Question) -> Question:
        """Stop handling the question (the one who claimed it, or an administrator)."""
        staff = self._staff()
        question = self._locked(question.topic_id)
        if question.claimed_by_id is None:
            return question
        if question.claimed_by_id != staff.id and staff.role != "admin":
            raise NotAllowedError(_("Only the one handling a question, or an administrator, "
                                    "can hand it back."))
        question.claimed_by_id = question.claimed_at = None
        return question

    def set_state(self, question: Question, state: str) -> Question:
        """Staff mark "needs more information", or take a mark away (``open``)."""
        self._staff()
        if state not in (*STAFF_STATES, OPEN):
            raise ValidationError(_("Staff can mark a question as needing more information, "
                                    "or take that mark away."))
        question = self._locked(question.topic_id)
        if question.state == SOLVED:
            raise ConflictError(_("This question is solved; take the accepted answer back "
                                  "first."))
        question.state = state if state in STAFF_STATES else base_state(question)
        return question

    def escalate(self, question: Question, topic: Topic, message: str,
                 title: str) -> Topic:
        """Take the question to a private conversation between staff and the asker, which
        starts with ``message``; the public question keeps a note that it was."""
        staff = self._staff()
        message = message.strip()
        if not message:
            raise ValidationError(_("Write the first message of the private conversation: "
                                    "what you need from the person who asked."))
        question = self._locked(question.topic_id)
        if question.private_topic_id is not None:
            raise ConflictError(_("This question was taken to a private conversation "
                                  "already."))
        if question.asker_id is None:
            raise ConflictError(_("The person who asked has no account any more."))
        category = self.db.get(Category, topic.category_id)
        private = self.content.create_topic(staff, category, title, message)
        govern(private, PLUGIN_ID)
        # the core announced a new topic of a support category: it is no question
        self.db.execute(delete(Question).where(Question.topic_id == private.id)
                        .execution_options(synchronize_session=False))
        self.db.add(Private(topic_id=private.id, question_id=question.topic_id,
                            asker_id=question.asker_id))
        question.private_topic_id = private.id
        if question.state != SOLVED:
            question.state = ESCALATED
        self.db.flush()
        notify(self.db, [question.asker_id], ESCALATED_KIND.name, ("topic", private.id),
               actor=staff)
        return private

    def queue(self, view: str = "waiting", limit: int = QUEUE_SIZE,
              ) -> list[tuple[Topic, Question]]:
        """One view of the staff queue (:data:`~.models.QUEUE_VIEWS`), oldest question
        first, in the support categories the staff member may read."""
        staff = self._staff()
        assert self.viewer is not None
        chosen = {
            # staff's turn: nobody answered yet, or the asker replied last
            "waiting": or_(Question.state == OPEN,
                           and_(Question.state == ANSWERED,
                                Question.last_replier_id == Question.asker_id)),
            "unanswered": Question.state == OPEN,
            "needs_info": Question.state == NEEDS_INFO,
            "unsolved": Question.state.in_(QUEUED),
            "mine": and_(Question.state.in_((*QUEUED, ESCALATED)),
                         Question.claimed_by_id == staff.id),
            "escalated": Question.state == ESCALATED,
        }[view]
        query = (visible_topics(self.viewer).add_columns(Question)
                 .join(Question, Question.topic_id == Topic.id)
                 .join(SupportCategory, SupportCategory.category_id == Question.category_id)
                 .where(chosen)
                 .options(joinedload(Topic.author), joinedload(Topic.category))
                 .order_by(Question.asked_at, Question.topic_id).limit(limit))
        return [(topic, question) for topic, question in self.db.execute(query)]

    def names(self, user_ids: set[int]) -> dict[int, str]:
        ids = {user_id for user_id in user_ids if user_id is not None}
        if not ids:
            return {}
        return dict(self.db.execute(select(User.id, User.username)
                                    .where(User.id.in_(ids))).tuples().all())


def experts_among(session: Any, request_or_session: Any, support: SupportCategory,
                  user_ids: set[int]) -> set[int]:
    """Which of ``user_ids`` are in the category's experts group (none without the groups
    plugin)."""
    if support.experts_group_id is None or not user_ids:
        return set()
    groups = capability(request_or_session, "groups")
    if groups is None:
        return set()
    return set(groups.members_among(session, support.experts_group_id, sorted(user_ids)))


def group_choices(request: Any) -> dict[int, str]:
    """The groups a category's experts can be, by id (none without the groups plugin)."""
    groups = capability(request, "groups")
    return {} if groups is None else dict(groups.group_names(request.db))


def parse_cursor(value: str | None) -> int | None:
    """A listing's ``after``: a topic id, or None (an invalid one raises ValueError)."""
    if not value:
        return None
    found = parse_id(value)
    if found is None:
        raise ValueError(value)
    return found


class AcceptedAnswers:
    """The ``accepted_answer`` capability: the accepted post of questions, for badges, the
    sitemap's ``QAPage`` and the knowledge base, without importing this plugin."""

    def accepted_answers(self, session, topic_ids) -> dict[int, int]:
        ids = list(topic_ids)
        if not ids:
            return {}
        return dict(session.execute(
            select(Question.topic_id, Question.accepted_post_id)
            .where(Question.topic_id.in_(ids), Question.accepted_post_id.is_not(None)))
            .tuples().all())
