"""Awarding and points on real SQLite and PostgreSQL: each built-in rule, points and their
undoing, concurrency, the backfill on a forum with history (idempotent), the periodic
re-check catching a lost job, and a rule added by a third-party plugin through the hook."""

from __future__ import annotations

import datetime as dt
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest
from badgehelpers import (
    BACKENDS,
    award_count,
    badge_id,
    holders,
    make_badges,
    points,
    service,
    user_id,
)
from forum_badges.awarding import backfill_all
from forum_badges.models import Award, Badge, PointsEntry
from sqlalchemy import delete, func, select, update

from forum_core.api import (
    ConflictError,
    Post,
    User,
    ValidationError,
    like_post,
    recognition,
    unlike_post,
    utcnow,
)
from forum_core.testing import run_together

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    return make_badges(make_forum, postgres=request.param)


def like(forum, username: str, post_id: int, undo: bool = False) -> None:
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        post = session.get(Post, post_id)
        (unlike_post if undo else like_post)(session, user, post)


def notifications_of(forum, username: str) -> int:
    from forum_core.api import Base

    notification = Base.metadata.tables["notifications"]
    uid = user_id(forum, username)
    with forum.session() as session:
        return session.scalar(select(func.count()).select_from(notification)
                              .where(notification.c.user_id == uid,
                                     notification.c.kind == "badges.awarded"))


def test_first_post_and_points_follow_posts_and_their_undoing(board):
    topic = board.create_topic("mira", title="Hello everyone")
    reply = board.reply("nils", topic, "Welcome!")
    board.run_jobs()
    first = badge_id(board, "first_post")
    assert holders(board, first) == [("mira", ""), ("nils", "")]
    assert award_count(board, first) == 2
    assert notifications_of(board, "mira") == 1, "told once"
    assert points(board, "mira") == (2, 2) and points(board, "nils") == (1, 1)
    # the reply deleted by a moderator: its point goes; the badge stays (it was earned)
    board.browser("mod").post_form(f"/p/{reply}/moderate", action="delete")
    board.run_jobs()
    assert points(board, "nils") == (0, 0)
    assert holders(board, first) == [("mira", ""), ("nils", "")]
    board.browser("mod").post_form(f"/p/{reply}/moderate", action="restore")
    board.run_jobs()
    assert points(board, "nils") == (1, 1)


def test_deleting_a_whole_topic_takes_back_the_points_of_everyone_in_it(board):
    topic = board.create_topic("mira")
    reply = board.reply("nils", topic)
    like(board, "olga", reply)
    board.run_jobs()
    assert points(board, "mira") == (2, 2) and points(board, "nils") == (2, 2)
    moderator = board.browser("mod")
    path = board.topic_path(topic)
    moderator.post_form(f"{path}/moderate", action="delete")
    board.run_jobs()
    assert points(board, "mira") == (0, 0) and points(board, "nils") == (0, 0)
    moderator.post_form(f"{path}/moderate", action="restore")
    board.run_jobs()
    assert points(board, "mira") == (2, 2) and points(board, "nils") == (2, 2)


def test_a_like_earns_points_and_the_first_liked_reply_badge_and_unliking_takes_them(board):
    topic = board.create_topic("mira")
    reply = board.reply("nils", topic, "A useful reply")
    board.run_jobs()
    appreciated = badge_id(board, "appreciated")
    assert holders(board, appreciated) == []
    like(board, "olga", reply)
    board.run_jobs()
    assert holders(board, appreciated) == [("nils", "")]
    with board.session() as session:
        award = session.scalar(select(Award).where(Award.badge_id == appreciated))
        assert (award.reason_type, award.reason_key) == ("post", reply)
    assert points(board, "nils") == (2, 2), "a reply and a like received"
    like(board, "olga", reply, undo=True)
    board.run_jobs()
    assert points(board, "nils") == (1, 1)
    # a liked opening post is not a reply
    like(board, "olga", board_opening(board, topic))
    board.run_jobs()
    assert holders(board, appreciated) == [("nils", "")]


def board_opening(forum, topic_id: int) -> int:
    with forum.session() as session:
        return session.scalar(select(Post.id).where(Post.topic_id == topic_id,
                                                    Post.number == 1))


def make_badge(forum, **values) -> int:
    with forum.session() as session:
        return service(session).create({"level": "silver", "icon": "star", **values}).id


def test_posts_count_with_its_parameter(board):
    three = make_badge(board, name="Three posts", rule="badges.posts", params={"count": 3})
    topic = board.create_topic("mira")
    board.reply("mira", topic)
    board.run_jobs()
    assert holders(board, three) == []
    board.reply("mira", topic)
    board.reply("nils", topic)
    board.run_jobs()
    assert holders(board, three) == [("mira", "")]


def test_days_visited_anniversary_and_profile_are_found_by_the_periodic_recheck(board):
    mira, nils = user_id(board, "mira"), user_id(board, "nils")
    with board.session() as session:
        session.execute(update(User).where(User.id == mira).values(
            days_visited=30, created_at=utcnow() - dt.timedelta(days=400),
            display_name="Mira M.", bio="I bake.", avatar="1-0123456789abcdef.png"))
        session.execute(update(User).where(User.id == nils).values(days_visited=29))
    board.run_periodic_jobs(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC))
    assert holders(board, badge_id(board, "regular")) == [("mira", "")]
    assert holders(board, badge_id(board, "anniversary")) == [("mira", "")]
    assert holders(board, badge_id(board, "autobiographer")) == [("mira", "")]
    assert holders(board, badge_id(board, "devoted")) == []


def test_the_periodic_recheck_catches_a_lost_job(board):
    from forum_core.api import Base

    board.create_topic("olga")
    jobs = Base.metadata.tables["jobs"]
    with board.session() as session:  # the job lost (a queue wiped by hand, a bug)
        assert session.execute(delete(jobs).where(jobs.c.name == "badges.check")).rowcount
    board.run_jobs()
    assert ("olga", "") not in holders(board, badge_id(board, "first_post"))
    board.run_periodic_jobs(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC))
    assert ("olga", "") in holders(board, badge_id(board, "first_post"))


def test_twenty_concurrent_checks_award_once_and_count_points_exactly(board):
    topic = board.create_topic("mira")
    for n in range(3):
        board.reply("mira", topic, f"Reply {n}")
    mira = user_id(board, "mira")
    # nobody ran the jobs: twenty workers re-check her at the same moment
    def work(_index: int) -> None:
        with board.session() as session:
            service(session).check([mira])

    errors = run_together(20, work)
    assert errors == []
    assert holders(board, badge_id(board, "first_post")) == [("mira", "")]
    assert award_count(board, badge_id(board, "first_post")) == 1
    assert notifications_of(board, "mira") == 1
    assert points(board, "mira") == (5, 5)


def test_twenty_concurrent_likes_give_exact_points(board):
    topic = board.create_topic("mira")
    likers = [f"fan{n}" for n in range(20)]
    for name in likers:
        board.create_user(name)
    opening = board_opening(board, topic)
    board.run_jobs()

    def work(index: int) -> None:
        like(board, likers[index], opening)

    # (two waves of ten: the test's connection pool holds fifteen)
    assert run_together(10, work) == []
    assert run_together(10, lambda index: work(index + 10)) == []
    board.run_jobs()
    assert points(board, "mira") == (22, 22), "a topic (2) and twenty likes"
    for name in likers[:5]:
        like(board, name, opening, undo=True)
    board.run_jobs()
    assert points(board, "mira") == (17, 17)


def test_a_revoked_badge_is_not_awarded_again_and_grants_need_an_active_member(board):
    board.create_topic("mira")
    board.run_jobs()
    first = badge_id(board, "first_post")
    with board.session() as session:
        badge = session.get(Badge, first)
        ada = session.scalar(select(User).where(User.username == "ada"))
        mira = session.scalar(select(User).where(User.username == "mira"))
        assert service(session).revoke(badge, mira, ada, "Posted spam") == 1
    board.reply("mira", board.create_topic("nils"))
    board.run_jobs()
    assert ("mira", "") not in holders(board, first)
    assert award_count(board, first) == 1, "nils alone"
    with board.session() as session:
        badge = session.get(Badge, first)
        ada = session.scalar(select(User).where(User.username == "ada"))
        olga = session.scalar(select(User).where(User.username == "olga"))
        olga.status = "suspended"
        olga.suspended_until = utcnow() + dt.timedelta(days=3)
        with pytest.raises(ConflictError):
            service(session).grant(badge, olga, ada, "For being kind")
        mira = session.scalar(select(User).where(User.username == "mira"))
        with pytest.raises(ValidationError):
            service(session).grant(badge, mira, ada, "  ")
        service(session).grant(badge, mira, ada, "Reinstated after review")
        with pytest.raises(ConflictError):
            service(session).grant(badge, mira, ada, "Twice")
    assert ("mira", "") in holders(board, first)
    assert ("olga", "") not in holders(board, first)


@pytest.mark.parametrize("values, message", [
    ({"name": "", "rule": "badges.posts"}, "cannot be empty"),
    ({"name": "Many", "rule": "badges.posts", "params": {"count": 0}}, "between"),
    ({"name": "Many", "rule": "badges.posts", "params": {"count": "lots"}}, "whole number"),
    ({"name": "Many", "rule": "badges.posts", "params": {"count": 10**9}}, "between"),
    ({"name": "Many", "rule": "no.such_rule"}, "no rule"),
    ({"name": "Many", "rule": "badges.posts", "repeatable": True}, "repeatable"),
    ({"name": "Many", "level": "platinum"}, "bronze, silver or gold"),
    ({"name": "Many", "icon": "skull"}, "icons"),
    ({"name": "Bad\x00name"}, "control characters"),
])
def test_bad_badges_are_refused_and_nothing_is_saved(board, values, message):
    with board.session() as session:
        before = session.scalar(select(func.count()).select_from(Badge))
        with pytest.raises(ValidationError) as refused:
            service(session).create({"level": "bronze", "icon": "star", **values})
        assert message in refused.value.message.interpolate()
        assert session.scalar(select(func.count()).select_from(Badge)) == before


def test_point_values_are_checked_and_followed(board):
    with board.session() as session:
        with pytest.raises(ValidationError):
            service(session).set_point_values({"badges.reply": "lots"})
        with pytest.raises(ValidationError):
            service(session).set_point_values({"badges.reply": 5000})
        with pytest.raises(ValidationError):
            service(session).set_point_values({"no.action": 1})
        service(session).set_point_values({"badges.reply": 4, "badges.topic": 0})
    topic = board.create_topic("mira")
    board.reply("mira", topic)
    board.run_jobs()
    assert points(board, "mira") == (4, 4)


def _leaderboard(forum, period):
    with forum.session() as session:
        names = dict(session.execute(select(User.id, User.username)).all())
        return [(names[uid], total) for uid, total in service(session).leaderboard(period)]


def test_weekly_monthly_and_all_time_totals_and_the_leaderboard(board):
    topic = board.create_topic("mira")
    for _n in range(3):
        board.reply("nils", topic)
    board.run_jobs()
    # an old reply of olga's, from last year
    old = board.reply("olga", topic)
    with board.session() as session:
        session.execute(update(Post).where(Post.id == old)
                        .values(created_at=utcnow() - dt.timedelta(days=400)))
    board.run_jobs()
    olga = user_id(board, "olga")
    with board.session() as session:
        service(session).check([olga])
    assert _leaderboard(board, "all") == [("nils", 3), ("mira", 2), ("olga", 1)]
    assert _leaderboard(board, "week") == [("nils", 3), ("mira", 2)]
    with board.session() as session:
        assert service(session).totals(olga) == (1, 0, 0)


def test_the_backfill_awards_history_once_without_notifying(make_forum, tmp_path):
    history = make_forum()
    for name in ("mira", "nils"):
        history.create_user(name)
    history.create_category("General")
    topic = history.create_topic("mira")
    for _n in range(3):
        history.reply("nils", topic)
    url = history.settings["forum.database_url"]
    forum = make_forum(plugins=("badges",), **{"forum.database_url": url})
    # enabling the plugin: its first periodic run makes the defaults and starts the backfill
    forum.run_periodic_jobs(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC))
    first = badge_id(forum, "first_post")
    assert holders(forum, first) == [("mira", ""), ("nils", "")]
    assert points(forum, "nils") == (3, 3)
    assert notifications_of(forum, "nils") == 0, "awards for the past are not announced"
    with forum.session() as session:
        before = session.scalar(select(func.count()).select_from(Award))
        entries = session.scalar(select(func.count()).select_from(PointsEntry))
    done = []
    again = backfill_all(forum.runtime.session, done.append, size=1)
    assert again == 0, "running it twice awards nothing twice"
    assert sum(done) == 2
    with forum.session() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == before
        assert session.scalar(select(func.count()).select_from(PointsEntry)) == entries
    assert award_count(forum, first) == 2


def test_the_forum_leaves_the_backfill_to_the_command_while_it_runs(make_forum):
    history = make_forum()
    history.create_user("mira")
    history.create_category("General")
    history.create_topic("mira")
    url = history.settings["forum.database_url"]
    forum = make_forum(plugins=("badges",), **{"forum.database_url": url})
    with forum.session() as session:
        service(session).set_state("backfill_command_until",
                                   (utcnow() + dt.timedelta(minutes=1)).isoformat())
    forum.run_periodic_jobs(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC))
    first = badge_id(forum, "first_post")
    assert first and holders(forum, first) == [], "the command is at it: the job waits"
    waiting = [job for job in forum.jobs() if job.name == "badges.backfill"]
    assert [job.state for job in waiting] == ["queued"], "it looks again later"
    with forum.session() as session:  # the command was stopped: its lease runs out
        service(session).set_state("backfill_command_until",
                                   (utcnow() - dt.timedelta(seconds=1)).isoformat())
    forum.run_jobs(include_scheduled=True)
    assert holders(forum, first) == [("mira", "")], "the forum carried on by itself"


def test_the_backfill_tries_a_busy_batch_again_and_then_gives_up(make_forum):
    from sqlalchemy.exc import OperationalError

    forum = make_forum(plugins=("badges",))
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_category("General")
    for name in ("mira", "nils", "olga"):
        forum.create_topic(name)
    locked = OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    calls, waits = [], []

    def flaky():  # the third session (the second batch) finds the database locked twice
        calls.append(1)
        if len(calls) in (3, 4):
            raise locked
        return forum.runtime.session()

    done: list[int] = []
    awarded = backfill_all(flaky, done.append, size=1, busy=waits.append)
    assert waits == [0.5, 1.0] and done == [1, 1, 1]
    assert awarded == 3 and award_count(forum, badge_id(forum, "first_post")) == 3

    def away():
        raise locked

    waits.clear()
    with pytest.raises(OperationalError):
        backfill_all(away, done.append, busy=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0], "eight tries, then it says so"


def with_bakery() -> list[EntryPoint]:
    return [*entry_points(group="forum.plugins"),
            EntryPoint(name="bakery", value="forum_bakery", group="forum.plugins")]


@pytest.mark.parametrize("postgres", BACKENDS)
def test_a_third_party_rule_and_action_through_the_hooks(make_forum, postgres):
    forum = make_forum(plugins=("badges", "bakery"), postgres=postgres,
                       entry_points=with_bakery())
    forum.create_user("mira")
    forum.create_user("bob")
    forum.create_category("General")
    with forum.session() as session:
        rules = recognition(session).rules
        assert {"bakery.cake_posts", "bakery.long_name"} <= set(rules)
        cakes = service(session).create({"name": "Cake lover", "level": "bronze",
                                         "icon": "cake", "rule": "bakery.cake_posts",
                                         "repeatable": True}).id
        names = service(session).create({"name": "Long name", "level": "bronze",
                                         "icon": "user", "rule": "bakery.long_name",
                                         "params": {"letters": "4"}}).id
    topic = forum.create_topic("mira", body="I made a cake")
    cake_reply = forum.reply("mira", topic, "Another CAKE")
    forum.reply("bob", topic, "Nice")
    forum.run_jobs()
    opening = board_opening(forum, topic)
    assert holders(forum, cakes) == [("mira", f"post:{opening}"),
                                     ("mira", f"post:{cake_reply}")], "once per post"
    assert points(forum, "mira") == (2 + 1 + 10, 13)
    assert holders(forum, names) == [("mira", "")], "a member re-checked is checked for all"
    forum.create_user("clementine")  # who does nothing an event announces
    forum.run_jobs()
    assert holders(forum, names) == [("mira", "")]
    forum.run_periodic_jobs(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC))
    assert holders(forum, names) == [("clementine", ""), ("mira", "")]


def test_a_member_who_asks_for_it_is_e_mailed_about_an_award(board):
    browser = board.browser("mira")
    form = browser.app.get("/account").forms["email-form"]
    assert form["email.badges.awarded"].value == "never", "e-mail about badges is opt-in"
    form["email.badges.awarded"] = "immediately"
    assert "Your e-mail settings were saved." in form.submit().text
    board.create_topic("mira", title="Hello everyone")
    board.create_topic("nils", title="Hi all")
    board.run_jobs()
    board.run_jobs(include_scheduled=True)  # (an e-mail "at once" waits a few minutes)
    mails = board.outbox()
    assert [mail["To"] for mail in mails] == ["mira@example.com"], "nils did not ask"
    assert "First post" in mails[0].as_string()
