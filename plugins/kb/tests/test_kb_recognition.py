"""Badges and points about knowledge base articles (``forum_kb.recognition``) on SQLite and
PostgreSQL: articles written, published and deleted through the service and the pages,
"Was this helpful?" answered by members and visitors through the pages, then the declared
rule and action asked who earned what: a first published article (never a draft), points
for others' "yes" only (the author's own answer earns nothing, a visitor's does), taken back
when an answer turns to "no" or the article is deleted; the announcements that make the
recognising plugin re-check an article's author; and one query for any number of members."""

from __future__ import annotations

import datetime as dt

import pytest
from forum_kb.models import Article, Feedback
from kbhelpers import kb_as, make_kb
from sqlalchemy import event, select

from forum_core.api import ContributionChanged, Earned, User, recognition

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def kb(request, make_forum):
    """A knowledge base with the section "Guides": every member writes drafts there,
    moderators edit and publish."""
    forum = make_kb(make_forum, request.param)
    with forum.session() as session:
        kb_as(forum, session, "ada").save_section(
            None, "Guides", "How to do things.",
            rights={"write": ["authenticated"], "edit": ["role:moderator"],
                    "publish": ["role:moderator"]})
    return forum


def user_ids(forum) -> dict[str, int]:
    with forum.session() as session:
        return dict(session.execute(select(User.username, User.id)).tuples().all())


def write(forum, username: str, title: str, publish: bool = False) -> int:
    """An article started by ``username`` in "Guides" through the service; a draft unless
    ``publish`` (for those who may)."""
    with forum.session() as session:
        service = kb_as(forum, session, username)
        section = service.section("guides")
        return service.create_article(section, title, "## Steps\n\nOpen the settings.",
                                      publish=publish).id


def publish(forum, article_id: int) -> None:
    page = forum.browser("mod").post_form(f"/kb/a/{article_id}/publish")
    assert page.status_int == 303, page.text


def delete(forum, article_id: int) -> None:
    with forum.session() as session:
        service = kb_as(forum, session, "mod")
        service.delete(service.article(article_id))


def answer(browser, article_id: int, helpful: str) -> None:
    page = browser.post_form(f"/kb/a/{article_id}/feedback", helpful=helpful)
    assert page.status_int == 303, page.text


def badges(forum, ids) -> list[Earned]:
    with forum.session() as session:
        rule = recognition(session).rules["kb.first_article"]
        return sorted(rule.earned(session, rule.check({}), list(ids)))


def points(forum, ids) -> list[tuple[int, str, dt.datetime]]:
    with forum.session() as session:
        action = recognition(session).actions["kb.article_helpful"]
        return sorted(action.earned(session, list(ids)))


def answers(forum, article_id: int) -> dict[int | None, tuple[int, dt.datetime]]:
    """The answers about an article: member's id (None: the visitor) to id and time."""
    with forum.session() as session:
        rows = session.execute(select(Feedback.user_id, Feedback.id, Feedback.created_at)
                               .where(Feedback.article_id == article_id))
        return {user_id: (row_id, when) for user_id, row_id, when in rows}


def test_the_rule_and_action_are_declared_with_their_labels(kb):
    with kb.session() as session:
        found = recognition(session)
        rule, action = found.rules["kb.first_article"], found.actions["kb.article_helpful"]
    assert str(rule.label) == "Published a first article"
    assert str(rule.description) == "Published a first knowledge base article"
    assert (rule.parameters, rule.per_item) == ((), False)
    assert (str(action.label), action.default_points) == ("An article found helpful", 3)
    assert rule.triggers == action.triggers == (ContributionChanged,)


def test_a_first_published_article_never_a_draft(kb):
    ids = user_ids(kb)
    everyone = list(ids.values())
    first = write(kb, "wanda", "Export your data")
    second = write(kb, "wanda", "Import your data")
    write(kb, "rita", "A draft that waits")
    assert badges(kb, everyone) == [], "drafts earn nothing"
    publish(kb, second)
    assert badges(kb, everyone) == [Earned(ids["wanda"], "kb_article", second)]
    publish(kb, first)
    assert badges(kb, everyone) == [Earned(ids["wanda"], "kb_article", first)]
    mods = write(kb, "mod", "Reset a password", publish=True)
    assert badges(kb, everyone) == sorted([Earned(ids["wanda"], "kb_article", first),
                                           Earned(ids["mod"], "kb_article", mods)])
    delete(kb, first)
    assert badges(kb, [ids["wanda"]]) == [Earned(ids["wanda"], "kb_article", second)]
    delete(kb, second)
    assert badges(kb, [ids["wanda"], ids["rita"]]) == []
    assert badges(kb, []) == []


def test_points_for_others_helpful_answers_taken_back_when_they_turn(kb):
    ids = user_ids(kb)
    article = write(kb, "wanda", "Export your data")
    publish(kb, article)
    visitor = kb.browser()
    answer(kb.browser("rita"), article, "yes")
    answer(visitor, article, "yes")
    answer(kb.browser("otto"), article, "no")
    answer(kb.browser("wanda"), article, "yes")  # the author's own: nothing
    rows = answers(kb, article)
    assert points(kb, [ids["wanda"], ids["rita"]]) == sorted([
        (ids["wanda"], f"helpful:{rows[ids['rita']][0]}", rows[ids["rita"]][1]),
        (ids["wanda"], f"helpful:{rows[None][0]}", rows[None][1])])
    when = rows[None][1]
    assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
    answer(kb.browser("otto"), article, "yes")  # changed their mind
    answer(kb.browser("rita"), article, "no")
    assert {subject for _user, subject, _when in points(kb, [ids["wanda"]])} == {
        f"helpful:{rows[None][0]}", f"helpful:{rows[ids['otto']][0]}"}
    answer(visitor, article, "no")
    assert [s for _u, s, _w in points(kb, [ids["wanda"]])] == [
        f"helpful:{rows[ids['otto']][0]}"]
    # a new version, published: the answers about the old one still count
    with kb.session() as session:
        mod = kb_as(kb, session, "mod")
        found = mod.article(article)
        mod.save(found, found.latest_revision_id, "Export your data", "## New\n\nText.",
                 publish=True)
    answer(kb.browser("rita"), article, "yes")
    assert len(points(kb, [ids["wanda"]])) == 2


def test_a_deleted_article_takes_its_badge_and_points_back(kb):
    ids = user_ids(kb)
    article = write(kb, "wanda", "Export your data")
    publish(kb, article)
    answer(kb.browser("rita"), article, "yes")
    assert len(points(kb, [ids["wanda"]])) == 1
    delete(kb, article)
    assert points(kb, [ids["wanda"]]) == []
    assert badges(kb, [ids["wanda"]]) == []


def test_publishing_deleting_and_helpful_answers_are_announced(kb):
    ids = user_ids(kb)
    article = write(kb, "wanda", "Export your data")
    changed = ContributionChanged("kb_article", article, ids["wanda"])

    def announced(step) -> list[ContributionChanged]:
        with kb.events() as seen:
            step()
        return [e for e in seen if isinstance(e, ContributionChanged)]

    rita, otto = kb.browser("rita"), kb.browser("otto")
    assert announced(lambda: publish(kb, article)) == [changed]
    assert announced(lambda: publish(kb, article)) == [], "published already"
    assert announced(lambda: answer(rita, article, "yes")) == [changed]
    assert announced(lambda: answer(rita, article, "yes")) == [], "the same answer again"
    assert announced(lambda: answer(rita, article, "no")) == [changed], "turned round"
    assert announced(lambda: answer(otto, article, "no")) == [], "a new 'no' earns nothing"
    assert announced(lambda: answer(kb.browser("wanda"), article, "yes")) == [], \
        "the author's own answer earns nothing"
    assert announced(lambda: answer(kb.browser(), article, "yes")) == [changed]
    assert announced(lambda: delete(kb, article)) == [changed]
    draft = write(kb, "wanda", "Import your data")
    assert announced(lambda: delete(kb, draft)) == [], "a draft earned nothing"
    published_at_once = announced(lambda: write(kb, "mod", "Reset a password", publish=True))
    assert [(e.type_name, e.author_id) for e in published_at_once] == [
        ("kb_article", ids["mod"])]


def test_the_members_an_event_concerns(kb):
    with kb.session() as session:
        found = recognition(session)
        for declared in (found.rules["kb.first_article"], found.actions["kb.article_helpful"]):
            assert list(declared.members(session, ContributionChanged("kb_article", 1, 7))) \
                == [7]
            assert list(declared.members(session, ContributionChanged("kb_article", 1, None))) \
                == []
            assert list(declared.members(session, ContributionChanged("idea", 1, 7))) == []


def test_one_query_whatever_the_number_of_members(kb):
    ids = user_ids(kb)
    article = write(kb, "wanda", "Export your data")
    publish(kb, article)
    answer(kb.browser("rita"), article, "yes")
    few, many = [ids["wanda"]], [*ids.values(), *range(10_000, 11_000)]
    with kb.session() as session:
        found = recognition(session)
        asked = [lambda who: found.rules["kb.first_article"].earned(session, {}, who),
                 lambda who: found.actions["kb.article_helpful"].earned(session, who)]
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = session.get_bind()
        session.execute(select(Article.id).limit(1))  # (the transaction has begun)
        for ask in asked:
            counts = []
            for who in (few, many):
                statements.clear()
                event.listen(engine, "before_cursor_execute", count)
                try:
                    assert list(ask(who))
                finally:
                    event.remove(engine, "before_cursor_execute", count)
                counts.append(len(statements))
            assert counts == [1, 1], counts
