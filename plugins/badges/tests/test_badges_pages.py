"""The members' badge pages through the real WSGI app on SQLite and PostgreSQL: every page
for a visitor, a member and an administrator; a badge's holders page by page; a disabled
badge nowhere; an award's reason shown only to who may see what earned it (a post in a
closed group's space); the leaderboard's periods and its group filter; the rank beside an
author's name without a query per post; the profile's badges, points and feature."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from badgehelpers import BACKENDS, badge_id, make_badges, user_id  # noqa: E402
from forum_badges.models import Badge, PointsEntry  # noqa: E402
from forum_badges.services import Recognition  # noqa: E402
from sqlalchemy import event, select, update  # noqa: E402

from forum_core.api import User  # noqa: E402


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    return make_badges(make_forum, postgres=request.param)


def with_posts(forum) -> int:
    topic = forum.create_topic("mira", title="Hello everyone", body="Glad to be here")
    forum.reply("nils", topic, "Welcome!")
    forum.run_jobs()
    return topic


def member(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def test_every_page_renders_for_visitor_member_and_admin(board):
    topic = with_posts(board)
    pages = ["/badges/", "/badges/first-post", "/badges/leaderboard",
             "/badges/leaderboard?period=month", "/badges/leaderboard?period=all", "/u/mira",
             board.topic_path(topic)]
    for who in (None, "olga", "ada"):
        browser = board.browser(who)
        for url in pages:
            assert browser.app.get(url).status_int == 200, (who, url)
    index = board.browser().app.get("/badges/")
    names = [a.text for a in index.html.select(".badges-card-item h3 a")]
    assert "First post" in names and "Prolific" in names
    card = index.html.select_one(".badges-card-item")
    assert card.select_one("svg[role=img][aria-label]") is not None, "icons have a name"
    assert index.html.select_one(".badges-level").text in ("Gold", "Silver", "Bronze")
    assert index.html.select_one("a[href='/badges/leaderboard']") is not None
    first = [li for li in index.html.select(".badges-card-item")
             if li.select_one("h3").text == "First post"][0]
    assert "2 members hold it" in first.text
    assert board.browser().app.get("/badges/no-such-badge", status=404)
    assert board.browser().app.get("/badges/leaderboard?period=year", status=400)
    assert board.browser().app.get("/badges/first-post?before=nonsense", status=400)


def test_badge_page_lists_holders_newest_first_thirty_a_page(board):
    with board.session() as session:
        service = Recognition(session)
        hand = service.create({"name": "Helper", "description": "Helps out", "level": "gold",
                               "icon": "shield"})
        slug = hand.slug
    for n in range(33):
        board.create_user(f"m{n:02d}")
    with board.session() as session:
        service = Recognition(session)
        hand = service.by_slug(slug)
        ada = member(session, "ada")
        for n in range(33):
            service.grant(hand, member(session, f"m{n:02d}"), ada, f"Thanks {n}")
    visitor = board.browser()
    first = visitor.app.get(f"/badges/{slug}")
    names = [a.text for a in first.html.select(".badges-holders .badges-who a")]
    assert len(names) == 30 and names[0] == "m32", "newest first"
    older = first.html.select_one("a[rel=next]")
    assert older is not None and older.text == "Older"
    second = visitor.app.get(older["href"])
    rest = [a.text for a in second.html.select(".badges-holders .badges-who a")]
    assert rest == ["m02", "m01", "m00"]
    assert second.html.select_one("a[rel=next]") is None
    assert "33 members hold it" in first.text


def test_a_disabled_badge_is_nowhere_for_members(board):
    with_posts(board)
    first = badge_id(board, "first_post")
    with board.session() as session:
        Recognition(session).set_enabled(session.get(Badge, first), False)
    for who in (None, "mira", "ada"):
        browser = board.browser(who)
        assert browser.app.get("/badges/first-post", status=404)
        assert "First post" not in browser.app.get("/badges/").text
        assert "/badges/first-post" not in browser.app.get("/u/mira").text
    admin = board.browser("ada").app.get("/badges/admin")
    assert "First post" in admin.text, "the administrators' list still shows it"


def test_the_reason_is_shown_only_to_who_may_see_the_post(make_forum):
    forum = make_badges(make_forum, plugins=("badges", "groups"))
    _group, space = forum.create_group("Secret club", "olga", members=["mira"],
                                       space="Club room")
    forum.create_topic("olga", category=space, title="Hidden plans for the party")
    forum.run_jobs()
    for who in (None, "nils"):
        browser = forum.browser(who)
        for url in ("/badges/first-post", "/u/olga", "/badges/"):
            page = browser.app.get(url)
            assert "Hidden plans" not in page.text, (who, url)
        holders = browser.app.get("/badges/first-post").html.select(".badges-holders li")
        assert [li.select_one(".badges-who a").text for li in holders] == ["olga"]
        assert holders[0].select_one(".muted a") is None
    inside = forum.browser("mira")
    page = inside.app.get("/badges/first-post")
    assert "Hidden plans for the party" in page.html.select_one(".badges-holders").text
    profile = inside.app.get("/u/olga")
    assert "Hidden plans for the party" in profile.html.select_one(".badges-profile").text


def test_leaderboard_periods(board):
    with_posts(board)
    mira = user_id(board, "mira")
    with board.session() as session:
        session.execute(update(PointsEntry).where(PointsEntry.user_id == mira)
                        .values(earned_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=70)))
    visitor = board.browser()

    def shown(period):
        page = visitor.app.get(f"/badges/leaderboard?period={period}")
        return [a.text for a in page.html.select(".badges-board tbody td a")]

    assert shown("all") == ["mira", "nils"], "2 points for a topic, 1 for a reply"
    assert shown("week") == ["nils"]
    assert shown("month") == ["nils"]
    page = visitor.app.get("/badges/leaderboard?period=all")
    current = page.html.select_one(".period-tabs a[aria-current=page]")
    assert current.text == "All time"
    assert page.html.select_one(".badges-board .badges-rank").text == "Newcomer"
    assert page.html.select_one(".badges-mine") is None
    mine = board.browser("mira").app.get("/badges/leaderboard").html.select_one(".badges-mine")
    assert "2" in mine.text and "this week" in mine.text
    assert visitor.app.get("/badges/leaderboard?group=1", status=404), "no groups plugin"


def test_the_group_leaderboard_is_only_for_its_members_and_staff(make_forum):
    forum = make_badges(make_forum, plugins=("badges", "groups"))
    group, _space = forum.create_group("Secret club", "olga", members=["mira"])
    topic = forum.create_topic("mira", title="Hello everyone")
    forum.reply("nils", topic, "Welcome!")
    forum.reply("olga", topic, "Hi!")
    forum.run_jobs()
    url = f"/badges/leaderboard?period=all&group={group}"
    for who in (None, "nils"):
        assert forum.browser(who).app.get(url, status=404)
        page = forum.browser(who).app.get("/badges/leaderboard")
        assert "Secret club" not in page.text
    for who in ("mira", "mod"):
        page = forum.browser(who).app.get(url)
        assert [a.text for a in page.html.select(".badges-board tbody td a")] \
            == ["mira", "olga"]
        assert "Secret club" in page.html.select_one("h1").text
    chooser = forum.browser("mira").app.get("/badges/leaderboard").html
    assert [o.text for o in chooser.select("#badges-group option")] == ["Everyone",
                                                                         "Secret club"]
    for bad in ("abc", "0", "999999"):
        assert forum.browser("mod").app.get(f"/badges/leaderboard?group={bad}", status=404)


def test_the_rank_is_shown_beside_the_author_on_a_topic_page(board):
    topic = with_posts(board)
    with board.session() as session:
        Recognition(session).set_ranks([("Newcomer", 0), ("Starter", 2)])
    page = board.browser().app.get(board.topic_path(topic))
    first = page.html.select_one("#post-1 .post-meta .badges-rank")
    second = page.html.select_one("#post-2 .post-meta .badges-rank")
    assert "Starter" in first.text and "Newcomer" in second.text
    with board.session() as session:
        Recognition(session).set_ranks([("Starter", 2)])
    page = board.browser().app.get(board.topic_path(topic))
    assert page.html.select_one("#post-2 .badges-rank") is None, "no rank: nothing shown"


def test_the_topic_page_asks_no_query_per_post_or_author(board):
    topic = board.create_topic("mira", title="Counted topic")
    board.run_jobs()
    visitor = board.browser()
    engine = visitor.app.app.registry["forum.db_engine"]
    counts: list[int] = []

    def count(*args):
        counts[-1] += 1

    url = board.topic_path(topic)
    event.listen(engine, "before_cursor_execute", count)
    try:
        for more in (0, 1):
            if more:
                for name in ("nils", "olga", "mod", "ada"):
                    board.reply(name, topic, f"A reply by {name}")
                    board.reply(name, topic, f"Another by {name}")
                board.run_jobs()
            counts.append(0)
            page = visitor.app.get(url)
            assert page.status_int == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(page.html.select(".post-meta .badges-rank")) == 9
    assert counts[0] == counts[1], counts


def test_the_profile_shows_badges_points_rank_and_feature(board):
    with_posts(board)
    with board.session() as session:
        service = Recognition(session)
        ada = member(session, "ada")
        service.feature(member(session, "mira"), ada, "Member of the month", "Kind words",
                        days=30)
    visitor = board.browser()
    section = visitor.app.get("/u/mira").html.select_one("section.badges-profile")
    assert section.select_one("h2").text == "Badges"
    links = [a.text for a in section.select(".badges-profile-list .badges-who a")]
    assert links == ["First post"]
    assert "Hello everyone" in section.text, "the reason, visible to everyone"
    assert "2 points" in section.select_one(".badges-points").text
    assert "Newcomer" in section.text
    assert "Featured: Member of the month" in " ".join(section.text.split())
    card = visitor.app.get("/u/mira").html.select_one(".profile-head .badges-card")
    assert "Newcomer" in card.text and "2 points" in card.text
    index = visitor.app.get("/badges/")
    featured = index.html.select_one(".badges-featured")
    assert "Member of the month" in featured.text and "mira" in featured.text
    nothing = visitor.app.get("/u/olga").html.select_one("section.badges-profile")
    assert "No badges yet" in nothing.text and "0 points" in nothing.text


def test_a_repeatable_badge_is_counted_on_the_profile(board):
    with board.session() as session:
        service = Recognition(session)
        badge = service.create({"name": "Helper", "level": "silver", "icon": "heart"})
        ada, mira = member(session, "ada"), member(session, "mira")
        service.grant(badge, mira, ada, "For helping")
        # a repeatable badge's further awards (one per item) as its rule would give them
        badge.repeatable = True
        for item in ("post:1", "post:2"):
            service._award(badge, mira.id, item, None, None)
    section = board.browser().app.get("/u/mira").html.select_one("section.badges-profile")
    item = section.select_one(".badges-profile-list li")
    assert "×3" in item.text and "3 times" in item.text
