"""Badges and points about accepted answers (``forum_support.recognition``) on SQLite and
PostgreSQL: questions asked and answered, answers accepted, changed and taken back through
the real pages, then the declared rule and action asked who earned what: a first accepted
answer, points per question answered, never for the asker's own answer, taken back with the
answer (also when staff hide it, or the question is deleted or moved out of support); the
announcements that make the recognising plugin re-check an answer's author; and one query
for any number of members."""

from __future__ import annotations

import datetime as dt

import pytest
from forum_support.models import Question
from sqlalchemy import event, select
from suphelpers import BACKENDS, ask, make_support, question_of

from forum_core.api import Category, ContributionChanged, Earned, TopicMoved, User, recognition


@pytest.fixture(params=BACKENDS)
def forum(request, make_forum):
    return make_support(make_forum, postgres=request.param)


def user_ids(forum) -> dict[str, int]:
    with forum.session() as session:
        return dict(session.execute(select(User.username, User.id)).tuples().all())


def accept(forum, username: str, topic_id: int, post_id: int | None) -> None:
    """``username`` accepts reply ``post_id`` through the page (None: takes it back)."""
    fields = {"undo": "1"} if post_id is None else {"post_id": str(post_id)}
    page = forum.browser(username).post_form(f"/support/q/{topic_id}/accept", **fields)
    assert page.status_int == 303, page.text


def moderate(forum, path: str, **fields) -> None:
    page = forum.browser("mod").post_form(f"{path}/moderate", **fields)
    assert page.status_int == 303, page.text


def badges(forum, ids) -> list[Earned]:
    with forum.session() as session:
        rule = recognition(session).rules["support.first_accepted_answer"]
        return sorted(rule.earned(session, rule.check({}), list(ids)))


def points(forum, ids) -> list[tuple[int, str, dt.datetime]]:
    with forum.session() as session:
        action = recognition(session).actions["support.answer_accepted"]
        return sorted(action.earned(session, list(ids)))


def test_the_rule_and_action_are_declared_with_their_labels(forum):
    with forum.session() as session:
        found = recognition(session)
        rule = found.rules["support.first_accepted_answer"]
        action = found.actions["support.answer_accepted"]
    assert str(rule.label) == "A first accepted answer"
    assert str(rule.description) == "Wrote a reply accepted as the answer to a question"
    assert (rule.parameters, rule.per_item) == ((), False)
    assert (str(action.label), action.default_points) == ("An answer accepted", 15)
    assert ContributionChanged in rule.triggers and ContributionChanged in action.triggers


def test_a_first_accepted_answer_and_points_per_question(forum):
    ids = user_ids(forum)
    everyone = list(ids.values())
    first, second = ask(forum), ask(forum, title="Where is the invoice for March?")
    early = forum.reply("helper", first, "Try the link in the footer.")
    late = forum.reply("helper", second, "Under Billing, then Invoices.")
    forum.reply("other", second, "Or ask staff for it.")
    assert badges(forum, everyone) == [] and points(forum, everyone) == []
    accept(forum, "asker", second, late)
    assert badges(forum, everyone) == [Earned(ids["helper"], "post", late)]
    accept(forum, "mod", first, early)
    assert badges(forum, everyone) == [Earned(ids["helper"], "post", early)]
    found = points(forum, everyone)
    solved = {topic: question_of(forum, topic).solved_at for topic in (first, second)}
    assert found == sorted([(ids["helper"], f"answer:{first}", solved[first]),
                            (ids["helper"], f"answer:{second}", solved[second])])
    assert all(when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
               for _user, _subject, when in found)
    assert badges(forum, []) == [] and points(forum, []) == []


def test_another_answer_accepted_moves_the_points_and_undo_takes_them_back(forum):
    ids = user_ids(forum)
    topic = ask(forum)
    helpers = forum.reply("helper", topic, "Try the link in the footer.")
    others = forum.reply("other", topic, "Ask staff to send a new one.")
    accept(forum, "asker", topic, helpers)
    accept(forum, "asker", topic, others)
    assert points(forum, [ids["helper"]]) == [] and badges(forum, [ids["helper"]]) == []
    assert [subject for _u, subject, _w in points(forum, [ids["other"]])] == [
        f"answer:{topic}"]
    accept(forum, "asker", topic, None)
    assert points(forum, [ids["other"]]) == [] and badges(forum, [ids["other"]]) == []


def test_the_askers_own_answer_earns_nothing(forum):
    ids = user_ids(forum)
    topic = ask(forum)
    own = forum.reply("asker", topic, "Found it myself: the spam folder.")
    accept(forum, "asker", topic, own)
    assert question_of(forum, topic).accepted_post_id == own
    assert points(forum, [ids["asker"]]) == [] and badges(forum, [ids["asker"]]) == []


def test_hiding_the_answer_or_deleting_or_moving_the_question_takes_them_back(forum):
    ids = user_ids(forum)
    hidden, deleted = ask(forum), ask(forum, title="Where is the invoice for March?")
    answers = {topic: forum.reply("helper", topic, "Here is how.") for topic in
               (hidden, deleted)}
    for topic, post_id in answers.items():
        accept(forum, "asker", topic, post_id)
    assert len(points(forum, [ids["helper"]])) == 2
    moderate(forum, f"/p/{answers[hidden]}", action="hide")
    assert question_of(forum, hidden).accepted_post_id is None
    assert [subject for _u, subject, _w in points(forum, [ids["helper"]])] == [
        f"answer:{deleted}"]
    path = forum.topic_path(deleted)
    with forum.session() as session:
        general = session.scalar(select(Category.id).where(Category.slug == "general"))
        help_id = session.scalar(select(Category.id).where(Category.slug == "help"))
    moderate(forum, path, action="move", category=str(general))
    assert points(forum, [ids["helper"]]) == [], "out of support it is no question"
    moderate(forum, path, action="move", category=str(help_id))
    assert len(points(forum, [ids["helper"]])) == 1
    moderate(forum, path, action="delete")
    assert points(forum, [ids["helper"]]) == [] and badges(forum, [ids["helper"]]) == []


def test_every_accepted_or_no_longer_accepted_answer_is_announced(forum):
    ids = user_ids(forum)
    topic = ask(forum)
    helpers = forum.reply("helper", topic, "Try the link in the footer.")
    others = forum.reply("other", topic, "Ask staff to send a new one.")

    def announced(step) -> set[ContributionChanged]:
        with forum.events() as seen:
            step()
        return {e for e in seen if isinstance(e, ContributionChanged)}

    helper_changed = ContributionChanged("post", helpers, ids["helper"])
    other_changed = ContributionChanged("post", others, ids["other"])
    assert announced(lambda: accept(forum, "asker", topic, helpers)) == {helper_changed}
    assert announced(lambda: accept(forum, "asker", topic, helpers)) == set(), \
        "accepted already"
    assert announced(lambda: accept(forum, "mod", topic, others)) == {helper_changed,
                                                                     other_changed}
    assert announced(lambda: accept(forum, "asker", topic, None)) == {other_changed}
    assert announced(lambda: accept(forum, "asker", topic, None)) == set()
    accept(forum, "asker", topic, others)
    assert announced(lambda: moderate(forum, f"/p/{others}", action="delete")) == {
        other_changed}
    assert announced(lambda: moderate(forum, f"/p/{helpers}", action="hide")) == set(), \
        "not the answer"


def test_the_members_an_event_concerns(forum):
    ids = user_ids(forum)
    topic = ask(forum)
    answered = forum.reply("helper", topic, "Try the link in the footer.")
    accept(forum, "asker", topic, answered)
    unsolved = ask(forum, title="Where is the invoice for March?")
    with forum.session() as session:
        question = session.get(Question, topic)
        found = recognition(session)
        for declared in (found.rules["support.first_accepted_answer"],
                         found.actions["support.answer_accepted"]):
            assert list(declared.members(session, ContributionChanged("post", 1, 7))) == [7]
            assert list(declared.members(session, ContributionChanged("post", 1, None))) == []
            assert list(declared.members(session, ContributionChanged("idea", 1, 7))) == []
            moved = TopicMoved(topic, question.category_id, question.category_id + 1)
            assert list(declared.members(session, moved)) == [ids["helper"]]
            assert list(declared.members(session, TopicMoved(unsolved, 1, 2))) == []


def test_one_query_whatever_the_number_of_members(forum):
    ids = user_ids(forum)
    topic = ask(forum)
    accept(forum, "asker", topic, forum.reply("helper", topic, "Try the link."))
    few, many = [ids["helper"]], [*ids.values(), *range(10_000, 11_000)]
    with forum.session() as session:
        found = recognition(session)
        asked = [
            lambda who: found.rules["support.first_accepted_answer"].earned(session, {}, who),
            lambda who: found.actions["support.answer_accepted"].earned(session, who)]
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = session.get_bind()
        session.execute(select(Question.topic_id).limit(1))  # (the transaction has begun)
        for ask_ in asked:
            counts = []
            for who in (few, many):
                statements.clear()
                event.listen(engine, "before_cursor_execute", count)
                try:
                    assert list(ask_(who))
                finally:
                    event.remove(engine, "before_cursor_execute", count)
                counts.append(len(statements))
            assert counts == [1, 1], counts
