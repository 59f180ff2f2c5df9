"""The support service on real SQLite and PostgreSQL: states that follow replies, accepting
an answer and every refusal of it, claims, marks, escalation, service-level figures, the
``accepted_answer`` capability, and two staff (or two accepts) at the same moment."""

from __future__ import annotations

import datetime as dt

import pytest
from forum_support.models import Private, Question
from forum_support.stats import percentile, weekly
from sqlalchemy import select, update
from suphelpers import (
    BACKENDS,
    ask,
    make_support,
    question_of,
    support_as,
    user_id,
    viewer_of,
)

from forum_core.api import (
    Category,
    ConflictError,
    NotAllowedError,
    Post,
    Topic,
    ValidationError,
    capability,
    utcnow,
)
from forum_core.testing import run_together


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_support(make_forum, postgres=request.param)


def notifications(forum, username, kind):
    from sqlalchemy import text

    with forum.session() as session:
        return session.execute(text(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id "
            "WHERE u.username = :name AND n.kind = :kind"),
            {"name": username, "kind": kind}).scalar()


def test_a_topic_of_a_support_category_is_an_open_question_until_someone_else_replies(forum):
    topic = ask(forum)
    plain = forum.create_topic("asker", "general", "Not a question", "Just talk")
    question = question_of(forum, topic)
    assert (question.state, question.first_response_at) == ("open", None)
    assert question_of_or_none(forum, plain) is None
    forum.reply("asker", topic, "Still waiting, any idea?")
    question = question_of(forum, topic)
    assert question.state == "open" and question.first_response_at is None
    assert question.last_reply_at is not None, "the asker's reply is a reply"
    forum.reply("helper", topic, "Use the link on the sign-in page.")
    question = question_of(forum, topic)
    assert question.state == "answered" and question.first_response_at is not None
    first = question.first_response_at
    forum.reply("other", topic, "Same here.")
    assert question_of(forum, topic).first_response_at == first
    assert notifications(forum, "asker", "support.answered") == 1, "told of the first answer"


def question_of_or_none(forum, topic_id):
    with forum.session() as session:
        return session.get(Question, topic_id)


def test_the_asker_or_staff_accept_a_reply_change_it_and_take_it_back(forum):
    topic = ask(forum)
    first = forum.reply("helper", topic, "Try the link.")
    second = forum.reply("other", topic, "Or ask staff.")
    with forum.session() as session:
        service = support_as(forum, session, "asker")
        question = service.accept(session.get(Question, topic), first)
        assert (question.state, question.accepted_post_id) == ("solved", first)
        solved_at = question.solved_at
    assert notifications(forum, "helper", "support.accepted") == 1
    assert notifications(forum, "asker", "support.solved") == 0, "not told of one's own act"
    with forum.session() as session:
        question = support_as(forum, session, "mod").accept(session.get(Question, topic),
                                                           second)
        assert question.accepted_post_id == second and question.solved_at == solved_at
    assert notifications(forum, "asker", "support.solved") == 1
    with forum.session() as session:
        question = support_as(forum, session, "asker").unaccept(session.get(Question, topic))
        assert (question.state, question.accepted_post_id, question.solved_at) == \
            ("answered", None, None)
    with forum.session() as session:
        capable = capability(session, "accepted_answer")
        assert capable.accepted_answers(session, [topic]) == {}
        support_as(forum, session, "asker").accept(session.get(Question, topic), first)
    with forum.session() as session:
        assert capability(session, "accepted_answer").accepted_answers(
            session, [topic, topic + 999]) == {topic: first}


@pytest.mark.parametrize("case", ["other topic", "first post", "hidden", "deleted",
                                  "not the asker", "visitor", "missing"])
def test_a_refused_accept_says_why_and_changes_nothing(forum, case):
    topic = ask(forum)
    elsewhere = ask(forum, "other", "Another question entirely")
    reply = forum.reply("helper", topic, "An answer.")
    foreign = forum.reply("helper", elsewhere, "An answer elsewhere.")
    with forum.session() as session:
        first_post = session.scalar(select(Post.id).where(Post.topic_id == topic,
                                                          Post.number == 1))
        if case in ("hidden", "deleted"):
            column = "is_hidden" if case == "hidden" else "is_deleted"
            session.execute(update(Post).where(Post.id == reply).values({column: True}))
    who = {"not the asker": "other", "visitor": None}.get(case, "asker")
    post_id = {"other topic": foreign, "first post": first_post,
               "missing": reply + 1000}.get(case, reply)
    expected = NotAllowedError if case in ("not the asker", "visitor") else ValidationError
    with forum.session() as session:
        service = support_as(forum, session, who)
        with pytest.raises(expected) as refused:
            service.accept(session.get(Question, topic), post_id)
        assert str(refused.value)
    question = question_of(forum, topic)
    assert (question.state, question.accepted_post_id) == ("answered", None)


def test_hiding_the_accepted_answer_unsolves_the_question(forum):
    topic = ask(forum)
    reply = forum.reply("helper", topic, "Spam pretending to answer.")
    with forum.session() as session:
        support_as(forum, session, "asker").accept(session.get(Question, topic), reply)
    page = forum.browser("mod").post_form(f"/p/{reply}/moderate", action="hide")
    assert page.status_int in (200, 303), page.text
    question = question_of(forum, topic)
    assert (question.state, question.accepted_post_id) == ("open", None), \
        "the only other reply is hidden: no response is left"


def test_claims_are_for_staff_one_at_a_time_and_not_for_solved_questions(forum):
    topic = ask(forum)
    reply = forum.reply("helper", topic, "An answer.")
    mod_id = user_id(forum, "mod")
    with forum.session() as session:
        question = session.get(Question, topic)
        with pytest.raises(NotAllowedError):
            support_as(forum, session, "helper").claim(question)
        assert support_as(forum, session, "mod").claim(question).claimed_by_id == mod_id
    with forum.session() as session:
        with pytest.raises(ConflictError, match="mod is handling"):
            support_as(forum, session, "mona").claim(session.get(Question, topic))
        with pytest.raises(NotAllowedError):
            support_as(forum, session, "mona").unclaim(session.get(Question, topic))
    with forum.session() as session:
        question = support_as(forum, session, "ada").unclaim(session.get(Question, topic))
        assert question.claimed_by_id is None, "an administrator may hand it back"
    with forum.session() as session:
        support_as(forum, session, "asker").accept(session.get(Question, topic), reply)
    with forum.session() as session:
        with pytest.raises(ConflictError, match="solved"):
            support_as(forum, session, "mod").claim(session.get(Question, topic))
    assert question_of(forum, topic).claimed_by_id is None


def test_needs_more_information_until_the_asker_replies(forum):
    topic = ask(forum)
    forum.reply("helper", topic, "Which browser?")
    with forum.session() as session:
        with pytest.raises(NotAllowedError):
            support_as(forum, session, "asker").set_state(session.get(Question, topic),
                                                          "needs_info")
        with pytest.raises(ValidationError):
            support_as(forum, session, "mod").set_state(session.get(Question, topic),
                                                        "solved")
        support_as(forum, session, "mod").set_state(session.get(Question, topic),
                                                    "needs_info")
    assert question_of(forum, topic).state == "needs_info"
    forum.reply("other", topic, "Me too")
    assert question_of(forum, topic).state == "needs_info", "only the asker's reply counts"
    forum.reply("asker", topic, "Firefox 130.")
    assert question_of(forum, topic).state == "answered"


def test_escalation_opens_a_private_conversation_for_the_asker_and_staff(forum):
    topic = ask(forum)
    with forum.session() as session:
        with pytest.raises(ValidationError):
            support_as(forum, session, "mod").escalate(
                session.get(Question, topic), session.get(Topic, topic), "  ", "Private: x")
        private = support_as(forum, session, "mod").escalate(
            session.get(Question, topic), session.get(Topic, topic),
            "Please send the invoice number.", "Private: How do I reset my password?")
        private_id = private.id
    question = question_of(forum, topic)
    assert (question.state, question.private_topic_id) == ("escalated", private_id)
    assert question_of_or_none(forum, private_id) is None, "a conversation is no question"
    asker_id = user_id(forum, "asker")
    with forum.session() as session:
        row = session.get(Private, private_id)
        assert row.asker_id == asker_id
        assert session.get(Topic, private_id).governed_by == "support"
        with pytest.raises(ConflictError):
            support_as(forum, session, "mona").escalate(
                session.get(Question, topic), session.get(Topic, topic), "Again", "Private")
    assert notifications(forum, "asker", "support.escalated") == 1
    forum.reply("mona", private_id, "And the date on it?")
    forum.reply("asker", private_id, "INV-1, 3 May.")
    assert notifications(forum, "asker", "support.private_reply") == 1, "staff's reply only"
    for who, sees in (("asker", True), ("mod", True), ("ada", True), ("other", False),
                      (None, False)):
        status = forum.browser(who).app.get(f"/t/{private_id}", status="*").maybe_follow(
            status="*").status_int
        assert (status == 200) is sees, (who, status)


def test_a_category_turned_into_support_adopts_its_topics_with_their_times(make_forum):
    forum = make_support(make_forum)
    forum.create_category("Questions later")
    old = forum.create_topic("asker", "questions-later", "An old question", "From before")
    forum.reply("helper", old, "An old answer")
    with forum.session() as session:
        category = session.scalar(select(Category).where(Category.slug == "questions-later"))
        support_as(forum, session, "ada").configure(category, True, close_after_days=30)
    question = question_of(forum, old)
    assert question.state == "answered" and question.first_response_at is not None
    with forum.session() as session:
        category = session.scalar(select(Category).where(Category.slug == "questions-later"))
        with pytest.raises(ValidationError):
            support_as(forum, session, "ada").configure(category, True, close_after_days=-1)


def test_weekly_service_levels_are_medians_and_90th_percentiles(forum):
    now = utcnow()
    monday = (now - dt.timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0,
                                                               microsecond=0)
    hours = [1, 2, 3, 4, 10]
    topics = [ask(forum, title=f"Timed question {n}") for n in range(len(hours) + 1)]
    with forum.session() as session:
        for topic, wait in zip(topics, hours, strict=False):
            session.execute(update(Question).where(Question.topic_id == topic).values(
                asked_at=monday, first_response_at=monday + dt.timedelta(hours=wait),
                solved_at=monday + dt.timedelta(hours=wait * 2)))
        session.execute(update(Question).where(Question.topic_id == topics[-1]).values(
            asked_at=monday))
    with forum.session() as session:
        category_id = session.scalar(select(Category.id).where(Category.slug == "help"))
        weeks = weekly(session, viewer_of(forum, session, "mod"), [category_id], weeks=2)
    last = weeks[category_id][-1]
    assert (last.asked, last.waiting) == (6, 1)
    figures = last.figures()
    assert figures["first_median"] == 3 * 3600 and figures["first_p90"] == 10 * 3600
    assert figures["solution_median"] == 6 * 3600 and figures["solution_p90"] == 20 * 3600
    assert weeks[category_id][0].asked == 0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([5], 0.9) == 5


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_two_staff_claiming_at_once_one_wins_and_the_other_is_told(make_forum, postgres):
    forum = make_support(make_forum, postgres=postgres)
    topics = [ask(forum, title=f"Busy question {n}") for n in range(4)]
    outcomes: dict[tuple[int, str], str] = {}

    def worker(index):
        name = ("mod", "mona")[index]
        for topic in topics:
            try:
                with forum.session(search=False) as session:
                    support_as(forum, session, name).claim(session.get(Question, topic))
                outcomes[(topic, name)] = "won"
            except ConflictError:
                outcomes[(topic, name)] = "told"

    errors = run_together(2, worker, timeout=120)
    assert not errors, errors[:3]
    ids = {user_id(forum, "mod"): "mod", user_id(forum, "mona"): "mona"}
    for topic in topics:
        holder = ids[question_of(forum, topic).claimed_by_id]
        other = "mona" if holder == "mod" else "mod"
        assert (outcomes[(topic, holder)], outcomes[(topic, other)]) == ("won", "told")


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_two_accepts_at_once_leave_one_consistent_answer(make_forum, postgres):
    forum = make_support(make_forum, postgres=postgres)
    topic = ask(forum)
    replies = [forum.reply("helper", topic, "Answer one"), forum.reply("other", topic,
                                                                        "Answer two")]

    def worker(index):
        with forum.session(search=False) as session:
            support_as(forum, session, ("asker", "mod")[index]).accept(
                session.get(Question, topic), replies[index])

    errors = run_together(2, worker, timeout=120)
    assert not errors, errors[:3]
    question = question_of(forum, topic)
    assert question.state == "solved" and question.accepted_post_id in replies
    assert question.solved_at is not None and question.accepted_by_id is not None
    with forum.session() as session:
        accepted = capability(session, "accepted_answer").accepted_answers(session, [topic])
    assert accepted == {topic: question.accepted_post_id}
