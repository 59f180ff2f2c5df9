"""Members' visits and "Since your last visit", through the real app on SQLite and
PostgreSQL: when a visit begins and ends, that nothing is written on the way of a page,
which requests count, what the list shows (and never shows), marking everything seen,
and the list in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from forum_core.accounts.models import User
from forum_core.accounts.visits import VISIT_GAP, visit_recorder
from forum_core.content.models import Post
from forum_core.db import utcnow

BACKENDS = [pytest.param(False, id="sqlite"), pytest.param(True, id="postgres")]


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    forum = make_forum(postgres=request.param)
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    forum.create_category("General")
    return forum


def times(forum, username: str) -> tuple[dt.datetime, dt.datetime | None]:
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        return user.last_seen_at, user.previous_visit_at


def set_times(forum, username: str, last: dt.datetime, previous: dt.datetime | None) -> None:
    with forum.session() as session:
        session.execute(update(User).where(User.username == username)
                        .values(last_seen_at=last, previous_visit_at=previous))


def written(forum) -> None:
    """Write what the app's visit recorder gathered (its thread would, within a minute)."""
    visit_recorder(forum.app.app.registry).flush()


def age_post(forum, post_id: int, **delta: float) -> None:
    with forum.session() as session:
        session.execute(update(Post).where(Post.id == post_id)
                        .values(created_at=utcnow() - dt.timedelta(**delta)))


def titles(page) -> list[str]:
    return [a.text for a in page.html.select(".topic-list .listing-title")]


def test_a_visit_begins_after_an_hours_pause_and_is_written_behind_the_pages(board):
    mira = board.browser("mira")
    long_ago = utcnow() - dt.timedelta(hours=5)
    before = utcnow() - dt.timedelta(days=3)
    set_times(board, "mira", long_ago, before)
    mira.app.get("/latest")
    assert times(board, "mira") == (long_ago, before), "nothing written on the way of a page"
    with board.session() as session:
        mira_id = session.scalar(select(User.id).where(User.username == "mira"))
    assert list(visit_recorder(board.app.app.registry).pending()) == [mira_id]
    written(board)
    last, previous = times(board, "mira")
    assert previous == long_ago, "the visit before this one ended when she was last seen"
    assert utcnow() - last < dt.timedelta(minutes=1)
    # more pages within the hour: the same visit; the previous one stays where it was
    mira.app.get("/")
    written(board)
    again, previous_again = times(board, "mira")
    assert previous_again == long_ago and again >= last
    # a pause shorter than the gap is the same visit too
    recent = utcnow() - VISIT_GAP + dt.timedelta(minutes=5)
    set_times(board, "mira", recent, long_ago)
    mira.app.get("/")
    written(board)
    assert times(board, "mira")[1] == long_ago


def days_visited(forum, username: str) -> int:
    with forum.session() as session:
        return session.scalar(select(User.days_visited).where(User.username == username))


def test_days_visited_grow_with_the_first_request_of_each_day(board):
    mira = board.browser("mira")
    assert days_visited(board, "mira") == 1, "the day she joined counts"
    mira.app.get("/")
    written(board)
    assert days_visited(board, "mira") == 1, "a second request on the same day adds nothing"
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    set_times(board, "mira", today - dt.timedelta(minutes=1), None)
    mira.app.get("/")
    mira.app.get("/latest")
    written(board)
    assert days_visited(board, "mira") == 2, "seen yesterday, here today: one more day"
    mira.app.get("/")
    written(board)
    assert days_visited(board, "mira") == 2
    # days apart: one more day (a day away is not a day here)
    set_times(board, "mira", today - dt.timedelta(days=3), None)
    mira.app.get("/")
    written(board)
    assert days_visited(board, "mira") == 3


def test_api_tokens_and_feed_readers_do_not_make_visits(board):
    long_ago = utcnow() - dt.timedelta(hours=5)
    set_times(board, "nils", long_ago, None)
    token = board.api_token("nils")
    reader = board.browser()
    reader.app.get("/api/v1/lists/latest", headers={"Authorization": f"Bearer {token}"})
    reader.app.get("/latest")  # a visitor: nobody to note
    assert visit_recorder(board.app.app.registry).pending() == {}
    written(board)
    assert times(board, "nils") == (long_ago, None)


def test_since_your_last_visit_lists_what_others_did_since(board):
    mira = board.browser("mira")
    last_visit = utcnow() - dt.timedelta(hours=3)
    answered = board.create_topic("nils", "general", "Answered while away")
    age_post(board, board.reply("nils", answered, "Older reply"), hours=6)
    board.reply("olga", answered, "Fresh reply")
    stale = board.create_topic("nils", "general", "Quiet since then")
    with board.session() as session:
        session.execute(update(Post).where(Post.topic_id == stale)
                        .values(created_at=utcnow() - dt.timedelta(hours=5)))
    own = board.create_topic("mira", "general", "Only mine since")
    board.create_topic("olga", "general", "Started while away")
    hidden = board.create_topic("nils", "general", "Only a hidden reply since")
    with board.session() as session:
        session.execute(update(Post).where(Post.topic_id == hidden)
                        .values(created_at=utcnow() - dt.timedelta(hours=5)))
    hidden_reply = board.reply("olga", hidden, "Soon hidden")
    with board.session() as session:
        session.execute(update(Post).where(Post.id == hidden_reply).values(is_hidden=True))
    mod = board.browser("mod")
    muted = board.create_topic("nils", "general", "Muted by her")
    mira.post_form("/follow", place="topic", place_id=muted, level="muted")
    set_times(board, "mira", last_visit, last_visit - dt.timedelta(days=1))

    page = mira.app.get("/whats-new")
    assert titles(page) == ["Started while away", "Answered while away"]
    assert page.html.find("h1").text == "Since your last visit"
    intro = page.html.select_one(".list-intro p")
    assert intro.find("time")["datetime"].startswith(last_visit.strftime("%Y-%m-%dT%H:%M"))
    current = page.html.select_one(".list-tabs a[aria-current=page]")
    assert current.text == "Since last visit" and current["href"] == "/whats-new"
    # the rest of the visit lists the same, before and after the visit is written
    assert titles(mira.app.get("/whats-new")) == titles(page)
    written(board)
    assert titles(mira.app.get("/whats-new")) == titles(page)
    # the moderator sees the hidden reply, so the topic is news to them
    set_times(board, "mod", last_visit, None)
    assert "Only a hidden reply since" in titles(mod.app.get("/whats-new"))
    assert own and stale


def test_mark_all_as_seen_ends_the_visit_now(board):
    mira = board.browser("mira")
    board.create_topic("nils", "general", "While away")
    set_times(board, "mira", utcnow() - dt.timedelta(hours=3), None)
    assert titles(mira.app.get("/whats-new")) == ["While away"]
    page = mira.post_form("/whats-new/seen").follow()
    assert titles(page) == []
    assert "Nothing new since your last visit." in page.text
    written(board)  # the batch of the visit that began does not undo it
    assert titles(mira.app.get("/whats-new")) == []
    board.create_topic("olga", "general", "After marking")
    assert titles(mira.app.get("/whats-new")) == ["After marking"]


def test_visitors_are_asked_to_sign_in_and_cannot_mark(board):
    visitor = board.browser()
    page = visitor.app.get("/whats-new")
    assert page.html.select(".topic-list") == []
    assert "Sign in" in page.html.select_one(".notice").text
    answer = visitor.post_form("/whats-new/seen")
    assert answer.status_int in (302, 303, 403)
    assert answer.status_int == 403 or "/login" in answer.headers["Location"]
    no_token = board.browser("mira").app.post("/whats-new/seen", status="*")
    assert no_token.status_int == 400, "a form without the CSRF token is refused"


def test_since_your_last_visit_never_shows_a_closed_groups_topics(make_forum):
    forum = make_forum(plugins=("groups",))
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_category("General")
    _, space = forum.create_group("Partners", owner="nils", members=["olga"], space="Deals")
    forum.create_topic("olga", space, "Secret deal")
    forum.create_topic("olga", "general", "Public news")
    for name in ("mira", "olga", "nils"):
        set_times(forum, name, utcnow() - dt.timedelta(hours=3), None)
    assert titles(forum.browser("mira").app.get("/whats-new")) == ["Public news"]
    assert titles(forum.browser("nils").app.get("/whats-new")) == ["Public news", "Secret deal"]
    token = forum.api_token("mira")
    api = forum.browser().app.get("/api/v1/lists/whats-new",
                                  headers={"Authorization": f"Bearer {token}"}).json
    assert [item["title"] for item in api["items"]] == ["Public news"]


def test_since_your_last_visit_in_the_api(board):
    board.create_topic("nils", "general", "While away")
    set_times(board, "mira", utcnow() - dt.timedelta(hours=3), None)
    token = board.api_token("mira")
    client = board.browser()
    found = client.app.get("/api/v1/lists/whats-new",
                           headers={"Authorization": f"Bearer {token}"}).json
    assert [item["title"] for item in found["items"]] == ["While away"]
    assert found["items"][0]["unread_count"] == 0 and found["items"][0]["last_read_number"] is None
    refused = client.app.get("/api/v1/lists/whats-new", status="*")
    assert refused.status_int == 401 and refused.content_type == "application/problem+json"
    spec = client.app.get("/api/v1/openapi.json").json
    assert "/api/v1/lists/whats-new" in spec["paths"]
