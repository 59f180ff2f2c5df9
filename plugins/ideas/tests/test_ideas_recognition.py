"""Badges and points about ideas (``forum_ideas.recognition``) against a real forum, on SQLite
and PostgreSQL: ideas submitted, voted for and taken back through the real pages, then the
declared rules and actions asked who earned what: a first idea, ideas that reached a number
of votes (one badge each), points for others' up-votes only, all taken back when a vote is,
or when the idea is deleted or moved off its board; the announcements that make the
recognising plugin re-check an idea's author; and one query for any number of members."""

from __future__ import annotations

import datetime as dt

import pytest
from forum_ideas.models import Vote
from sqlalchemy import event, select

from forum_core.api import (
    Category,
    ContributionChanged,
    Earned,
    TopicCreated,
    TopicMoved,
    User,
    ValidationError,
    recognition,
)

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
PEOPLE = ("mira", "nils", "olga", "petra")


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    """A forum with the ideas plugin, members, a moderator, and the board "Ideas" (votes
    against allowed) beside the plain category "General"."""
    forum = make_forum(plugins=["ideas"], postgres=request.param)
    for name in PEOPLE:
        forum.create_user(name)
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_category("Ideas")
    forum.create_category("General")
    page = forum.browser("boss").post_form(
        "/ideas/boards", category_id=category_id(forum, "ideas"), enabled="on",
        vote_budget="0", downvotes="on")
    assert page.status_int == 200, page.text
    return forum


def category_id(forum, slug: str) -> int:
    with forum.session() as session:
        return session.scalar(select(Category.id).where(Category.slug == slug))


def user_ids(forum) -> dict[str, int]:
    with forum.session() as session:
        return dict(session.execute(select(User.username, User.id)).tuples().all())


def submit(browser, title: str, slug: str = "ideas") -> int:
    """An idea submitted through the form (confirmed when similar ones are shown)."""
    form = browser.app.get(f"/ideas/{slug}/new").forms["idea-form"]
    form["title"], form["body"] = title, "Please add this, it would help a lot."
    response = form.submit(status="*")
    if response.status_int == 200 and response.html.select_one("input[name=confirm]"):
        response = response.forms["idea-form"].submit(status="*")
    assert response.status_int == 303, response.text
    return int(response.location.split("/t/")[1].split("/")[0])


def vote(forum, username: str, topic_id: int, action: str = "up") -> None:
    page = forum.browser(username).post_form(f"/ideas/i/{topic_id}/vote", action=action)
    assert page.status_int == 303, page.text


def moderate(forum, topic_id: int, **fields) -> None:
    page = forum.browser("mod").post_form(f"{forum.topic_path(topic_id)}/moderate", **fields)
    assert page.status_int == 303, page.text


def badges(forum, rule: str, ids, **params) -> list[Earned]:
    with forum.session() as session:
        declared = recognition(session).rules[rule]
        return sorted(declared.earned(session, declared.check(params), list(ids)))


def points(forum, ids) -> list[tuple[int, str, dt.datetime]]:
    with forum.session() as session:
        action = recognition(session).actions["ideas.vote_received"]
        return sorted(action.earned(session, list(ids)))


def vote_ids(forum, topic_id: int) -> dict[int, int]:
    """The vote rows of an idea: voter's id to vote id."""
    with forum.session() as session:
        return dict(session.execute(select(Vote.user_id, Vote.id)
                                    .where(Vote.idea_id == topic_id)).tuples().all())


def test_the_rules_and_action_are_declared_with_their_labels(board):
    with board.session() as session:
        found = recognition(session)
        first, votes = found.rules["ideas.first_idea"], found.rules["ideas.votes"]
        action = found.actions["ideas.vote_received"]
    assert (first.per_item, votes.per_item) == (False, True)
    assert [(p.name, p.default, p.minimum) for p in votes.parameters] == [("votes", 10, 1)]
    assert "${votes}" in votes.description
    assert action.default_points == 2
    assert str(first.label) == "Posted a first idea"
    assert str(action.label) == "A vote received on an idea"


def test_a_first_idea_names_the_first_and_goes_with_deleted_ideas(board):
    ids = user_ids(board)
    mira = board.browser("mira")
    first = submit(mira, "Dark mode for the dashboard")
    second = submit(mira, "Export to a spreadsheet file")
    board.create_topic("nils", "general", "Just chatting here", "Not an idea at all")
    everyone = [ids[name] for name in PEOPLE]
    assert badges(board, "ideas.first_idea", everyone) == [
        Earned(ids["mira"], "idea", first)]
    moderate(board, first, action="delete")
    assert badges(board, "ideas.first_idea", everyone) == [
        Earned(ids["mira"], "idea", second)]
    # an idea moved off the board is no idea there; back on it, it is again
    moderate(board, second, action="move", category=str(category_id(board, "general")))
    assert badges(board, "ideas.first_idea", everyone) == []
    moderate(board, second, action="move", category=str(category_id(board, "ideas")))
    assert badges(board, "ideas.first_idea", everyone) == [
        Earned(ids["mira"], "idea", second)]
    assert badges(board, "ideas.first_idea", []) == []


def test_each_idea_that_reaches_the_votes_earns_its_own_badge(board):
    ids = user_ids(board)
    mira = board.browser("mira")
    popular, quiet = submit(mira, "Dark mode for the dashboard"), \
        submit(mira, "Export to a spreadsheet file")
    olgas = submit(board.browser("olga"), "Keyboard shortcuts everywhere")
    for name in ("nils", "olga", "petra"):
        vote(board, name, popular)
    vote(board, "nils", quiet)
    vote(board, "nils", olgas)
    vote(board, "petra", olgas, "down")
    everyone = [ids[name] for name in PEOPLE]
    assert badges(board, "ideas.votes", everyone, votes=3) == [
        Earned(ids["mira"], "idea", popular)]
    assert badges(board, "ideas.votes", everyone, votes=1) == sorted([
        Earned(ids["mira"], "idea", popular), Earned(ids["mira"], "idea", quiet)])
    assert badges(board, "ideas.votes", [ids["olga"]], votes=1) == [], \
        "one vote for and one against make a score of 0"
    assert badges(board, "ideas.votes", everyone) == [], "ten by default"
    vote(board, "petra", popular, "remove")  # taken back: below three again
    assert badges(board, "ideas.votes", everyone, votes=3) == []
    with board.session() as session:
        rule = recognition(session).rules["ideas.votes"]
        with pytest.raises(ValidationError):
            rule.check({"votes": 0})


def test_points_for_up_votes_from_others_only_taken_back_with_the_vote(board):
    ids = user_ids(board)
    idea = submit(board.browser("mira"), "Dark mode for the dashboard")
    vote(board, "mira", idea)  # one's own idea: no points
    vote(board, "nils", idea)
    vote(board, "olga", idea, "down")  # a vote against: no points
    votes = vote_ids(board, idea)
    found = points(board, [ids["mira"], ids["nils"], ids["olga"]])
    assert [(user, subject) for user, subject, _when in found] == [
        (ids["mira"], f"vote:{votes[ids['nils']]}")]
    when = found[0][2]
    assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
    vote(board, "olga", idea, "up")  # turned round: now it earns points
    assert {subject for _user, subject, _when in points(board, [ids["mira"]])} == {
        f"vote:{votes[ids['nils']]}", f"vote:{votes[ids['olga']]}"}
    vote(board, "nils", idea, "remove")
    vote(board, "olga", idea, "down")
    assert points(board, [ids["mira"]]) == []


def test_a_deleted_idea_takes_its_badges_and_points_back(board):
    ids = user_ids(board)
    idea = submit(board.browser("mira"), "Dark mode for the dashboard")
    vote(board, "nils", idea)
    assert len(points(board, [ids["mira"]])) == 1
    assert badges(board, "ideas.votes", [ids["mira"]], votes=1) != []
    moderate(board, idea, action="delete")
    assert points(board, [ids["mira"]]) == []
    assert badges(board, "ideas.votes", [ids["mira"]], votes=1) == []
    assert badges(board, "ideas.first_idea", [ids["mira"]]) == []
    moderate(board, idea, action="restore")
    assert len(points(board, [ids["mira"]])) == 1


def test_changed_votes_are_announced_for_the_ideas_author(board):
    ids = user_ids(board)
    idea = submit(board.browser("mira"), "Dark mode for the dashboard")
    expected = ContributionChanged("idea", idea, ids["mira"])

    def announced(*steps) -> list[ContributionChanged]:
        with board.events() as seen:
            for username, action in steps:
                vote(board, username, idea, action)
        return [e for e in seen if isinstance(e, ContributionChanged)]

    assert announced(("nils", "up")) == [expected]
    assert announced(("nils", "up")) == [], "the same vote again changes nothing"
    assert announced(("nils", "down")) == [expected], "turned round"
    assert announced(("nils", "remove")) == [expected]
    assert announced(("nils", "remove")) == [], "no vote to take back"
    other = submit(board.browser("olga"), "Keyboard shortcuts everywhere")
    vote(board, "petra", idea)
    with board.events() as seen:
        page = board.browser("mod").post_form(f"/ideas/i/{idea}/merge", into=str(other))
        assert page.status_int == 303, page.text
    assert {e for e in seen if isinstance(e, ContributionChanged)} == {
        ContributionChanged("idea", idea, ids["mira"]),
        ContributionChanged("idea", other, ids["olga"])}
    assert [subject for _u, subject, _w in points(board, [ids["olga"]])] == [
        f"vote:{vote_ids(board, other)[ids['petra']]}"], "the merged vote moved with it"


def test_the_members_an_event_concerns(board):
    ids = user_ids(board)
    idea = submit(board.browser("mira"), "Dark mode for the dashboard")
    plain = board.create_topic("nils", "general", "Just chatting here", "Not an idea")
    board_id, general_id = category_id(board, "ideas"), category_id(board, "general")
    with board.session() as session:
        found = recognition(session)
        declared = [found.rules["ideas.first_idea"], found.rules["ideas.votes"],
                    found.actions["ideas.vote_received"]]
        for rule in declared:
            assert TopicCreated in rule.triggers and ContributionChanged in rule.triggers
            assert list(rule.members(session, ContributionChanged("idea", idea, 7))) == [7]
            assert list(rule.members(session, ContributionChanged("idea", idea, None))) == []
            assert list(rule.members(session, ContributionChanged("post", 1, 7))) == []
            assert list(rule.members(session, TopicCreated(idea, 1, ids["mira"],
                                                           board_id))) == [ids["mira"]]
            assert list(rule.members(session, TopicCreated(plain, 1, ids["nils"],
                                                           general_id))) == []
            assert list(rule.members(session, TopicMoved(idea, board_id, general_id))) == [
                ids["mira"]]
            assert list(rule.members(session, TopicMoved(plain, general_id, board_id))) == []


def test_one_query_whatever_the_number_of_members(board):
    ids = user_ids(board)
    idea = submit(board.browser("mira"), "Dark mode for the dashboard")
    submit(board.browser("olga"), "Keyboard shortcuts everywhere")
    vote(board, "nils", idea)
    few, many = [ids["mira"]], [*ids.values(), *range(10_000, 11_000)]
    with board.session() as session:
        found = recognition(session)
        asked = [
            lambda who: found.rules["ideas.first_idea"].earned(session, {}, who),
            lambda who: found.rules["ideas.votes"].earned(session, {"votes": 1}, who),
            lambda who: found.actions["ideas.vote_received"].earned(session, who)]
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = session.get_bind()
        session.execute(select(1))  # (the transaction has begun: only the rules' queries)
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
