"""Topic lists (Latest, Unread, New, Top), view counts and the reading position, through the
real app on SQLite and PostgreSQL: what members and visitors see, keyset paging with equal
times, bounded queries, and nothing of a closed group in any list or count."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from forum_core.content.models import Post, Topic, TopicRead
from forum_core.content.viewcount import view_counter
from forum_core.db import utcnow
from forum_core.visibility import Viewer, lists
from forum_core.visibility.lists import POSTERS_WINDOW

BACKENDS = [pytest.param(False, id="sqlite"), pytest.param(True, id="postgres")]


@pytest.fixture(params=BACKENDS)
def board(request, make_forum):
    forum = make_forum(postgres=request.param)
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    forum.create_category("General")
    forum.create_category("Ideas")
    return forum


def titles(page) -> list[str]:
    return [a.text for a in page.html.select(".topic-list .listing-title")]


def row_of(page, title):
    return page.html.find("a", class_="listing-title", string=title).find_parent("li")


def stat(row, name: str) -> str:
    return row.find("dt", string=name).find_next("dd").text.strip()


def age(forum, topic_id: int, **delta: float) -> None:
    """Make a topic (and its activity) as old as ``delta`` (days=2, hours=3, ...)."""
    moment = utcnow() - dt.timedelta(**delta)
    with forum.session() as session:
        session.execute(update(Topic).where(Topic.id == topic_id).values(
            created_at=moment, last_post_at=moment))


def test_posters_are_found_among_the_last_posts_and_only_visible_ones(board):
    """However long a topic, its row looks at its last POSTERS_WINDOW posts for the recent
    posters (the original poster always comes first); a hidden reply names nobody."""
    topic = board.create_topic("mira", "general", "A long one")
    board.reply("nils", topic, "Early reply")
    for n in range(POSTERS_WINDOW):
        board.reply("olga", topic, f"Reply {n}")
    hidden = board.reply("mod", topic, "Hidden later")
    with board.session() as session:
        session.execute(update(Post).where(Post.id == hidden).values(is_hidden=True))
    row = row_of(board.app.get("/latest"), "A long one")
    assert [a["aria-label"] for a in row.select(".topic-posters svg")] == ["mira", "olga"]
    # a reply by nils brings him back, first among the others
    board.reply("nils", topic, "Back again")
    row = row_of(board.app.get("/latest"), "A long one")
    assert [a["aria-label"] for a in row.select(".topic-posters svg")] == \
        ["mira", "nils", "olga"]


def test_latest_lists_every_category_by_activity_with_posters_and_counts(board):
    first = board.create_topic("mira", "general", "Printer on fire")
    second = board.create_topic("nils", "ideas", "A dark theme")
    age(board, second, hours=1)
    for name in ("olga", "nils", "mod", "olga"):
        board.reply(name, first, f"Reply by {name}")
    page = board.app.get("/latest")
    assert titles(page) == ["Printer on fire", "A dark theme"]
    row = row_of(page, "Printer on fire")
    assert row.find("a", class_="category-link").text == "General"
    assert stat(row, "Replies") == "4"
    assert row.find("time") is not None, "last activity"
    # the original poster first, then the others by their latest post, each once
    assert [a["aria-label"] for a in row.select(".topic-posters svg")] == \
        ["mira", "olga", "mod", "nils"]
    assert row_of(page, "A dark theme").find("a", class_="category-link").text == "Ideas"
    # the home page keeps its categories, with the tabs and the latest topics below them
    home = board.app.get("/")
    assert home.html.select_one(".list-tabs a[aria-current=page]").text == "Categories"
    assert [a["href"] for a in home.html.select(".list-tabs a")][1:] == \
        ["/latest", "/unread", "/new", "/whats-new", "/top", "/tags"]
    assert titles(home) == ["Printer on fire", "A dark theme"]
    # the category page shows the same rows, without the category
    category = board.app.get("/c/general")
    assert titles(category) == ["Printer on fire"]
    assert category.html.select(".topic-list .category-link") == []


def test_pinned_and_closed_topics_say_so_in_words_not_only_colour(board):
    topic = board.create_topic("mira", "general", "House rules")
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == topic).values(is_pinned=True,
                                                                       is_closed=True))
    row = row_of(board.app.get("/latest"), "House rules")
    assert "is-pinned" in row["class"]
    hidden = [span.text for span in row.select(".topic-marker .visually-hidden")]
    assert hidden == ["Pinned", "Closed"]
    assert all(svg["aria-hidden"] == "true" for svg in row.select(".topic-marker svg"))


def test_unread_and_new_are_the_members_own(board):
    read_partly = board.create_topic("nils", "general", "Read partly")
    board.create_topic("nils", "general", "Never opened")
    old = board.create_topic("nils", "general", "Old and unopened")
    age(board, old, days=3)
    board.create_topic("mira", "general", "Mira's own")
    mira = board.browser("mira")
    mira.app.get(f"/t/{read_partly}/read-partly")
    assert titles(mira.app.get("/unread")) == []
    assert "You have read every topic" in mira.app.get("/unread").text
    board.reply("nils", read_partly, "Something new")
    board.reply("olga", read_partly, "And more")

    unread = mira.app.get("/unread")
    assert titles(unread) == ["Read partly"]
    row = row_of(unread, "Read partly")
    badge = row.find(class_="badge-unread")
    assert badge.text == "2" and badge["aria-label"] == "2 unread posts"
    # the title leads to the first unread post
    assert row.find("a", class_="listing-title")["href"] == \
        f"/t/{read_partly}/read-partly?after=1"
    # new: the last two days, started by others, never opened
    assert titles(mira.app.get("/new")) == ["Never opened"]
    assert row_of(mira.app.get("/latest"), "Never opened").find(class_="badge-new")

    # visitors get a hint to sign in, not an error
    for name in ("unread", "new"):
        page = board.app.get(f"/{name}")
        assert titles(page) == [] and "Sign in to see the topics" in page.text
        assert page.html.select_one(".notice a")["href"] == f"/login?next=%2F{name}"


def test_top_ranks_the_period_by_replies_then_views(board):
    quiet = board.create_topic("mira", "general", "Quiet one")
    busy = board.create_topic("mira", "general", "Busy one")
    viewed = board.create_topic("mira", "general", "Much viewed")
    last_month = board.create_topic("mira", "general", "Last month's hit")
    for _ in range(3):
        board.reply("nils", busy)
        board.reply("nils", last_month)
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == viewed).values(view_count=50))
    age(board, last_month, days=20)
    week = board.app.get("/top")
    assert titles(week) == ["Busy one", "Much viewed", "Quiet one"]
    assert week.html.select_one(".period-tabs a[aria-current=page]")["href"] == \
        "/top?period=week"
    assert stat(row_of(week, "Much viewed"), "Views") == "50"
    assert titles(board.app.get("/top?period=month"))[0] == "Last month's hit"
    assert quiet
    board.app.get("/top?period=decade", status=400)


def test_load_more_pages_by_keyset_through_equal_times(board):
    ids = [board.create_topic("mira", "general", f"Topic number {n:02}") for n in range(33)]
    same = utcnow() - dt.timedelta(minutes=5)
    with board.session() as session:
        session.execute(update(Topic).values(last_post_at=same, created_at=same))
    seen: list[str] = []
    url = "/latest"
    pages = 0
    while url:
        page = board.app.get(url)
        seen += titles(page)
        link = page.html.select_one("p.pager[data-load-more] a[rel=next]")
        url = link["href"] if link else None
        pages += 1
    assert pages == 2 and len(seen) == 33 == len(set(seen))
    # equal times: the ids decide, newest first, on every list and page size
    assert seen == [f"Topic number {n:02}" for n in reversed(range(33))]
    with board.session() as session:
        viewer = Viewer(None, frozenset(), board.env.hooks)
        for name in ("latest", "top"):
            cursor, walked = None, []
            while True:
                found = lists.topic_list(session, viewer, name, cursor, per_page=4)
                walked += [t.id for t in found.items]
                cursor = found.next_cursor
                if cursor is None:
                    break
            assert sorted(walked) == sorted(ids) and len(walked) == len(set(walked)), name
    board.app.get("/latest?after=nonsense", status=400)
    board.app.get("/c/general?after=1.2", status=400)


def test_a_list_page_costs_the_same_queries_for_few_and_many_topics(make_forum):
    forum = make_forum(**{"forum.count_queries": "true"})
    for name in ("mira", "nils", "olga", "pia", "quinn", "ruth"):
        forum.create_user(name)
    forum.create_category("General")
    browser = forum.browser("mira")

    def cost(path: str) -> int:
        browser.app.get(path)
        return int(browser.app.get(path).headers["X-Forum-Queries"])

    def add(count: int) -> None:
        for n in range(count):
            topic = forum.create_topic("nils", "general", f"Busy topic {n} {count}")
            for name in ("olga", "pia", "quinn", "ruth", "mira"):
                forum.reply(name, topic)
            browser.app.get(f"/t/{topic}/x")  # read: mira's marker
            forum.reply("olga", topic)  # and unread again

    add(2)
    few = {path: cost(path) for path in ("/latest", "/unread", "/c/general", "/")}
    add(10)
    many = {path: cost(path) for path in ("/latest", "/unread", "/c/general", "/")}
    assert few == many
    assert max(many.values()) <= 14, many


def test_a_member_counts_one_view_and_visitors_are_counted_in_batches(board):
    topic = board.create_topic("mira", "general", "Counting views")
    path = f"/t/{topic}/counting-views"
    nils = board.browser("nils")
    for _ in range(3):
        nils.app.get(path)
    board.browser("olga").app.get(path)

    def views() -> int:
        with board.session() as session:
            return session.get(Topic, topic).view_count

    assert views() == 2, "one for each member's first read"
    for _ in range(4):
        board.app.get(path)
    board.app.get(path + "?after=1")  # the next page of the same visit
    counter = view_counter(board.app.app.registry)
    assert counter.pending() == {topic: 4}
    assert views() == 2, "a visitor's view writes nothing on the way of the page"
    assert counter.flush() == 1, "one topic's views written"
    assert views() == 6 and counter.pending() == {}
    assert stat(row_of(board.app.get("/latest"), "Counting views"), "Views") == "6"


def test_reading_position_moves_with_what_was_seen_and_never_back(board):
    topic = board.create_topic("nils", "general", "Long read")
    for n in range(24):
        board.reply("olga", topic, f"Post {n + 2}")
    path = f"/t/{topic}/long-read"
    mira = board.browser("mira")
    # a browser that reports what it saw (reading.js sets the cookie): a view marks the
    # first post shown, the browser the rest
    mira.app.set_cookie("forum_reads", "1")
    page = mira.app.get(path)
    assert page.html.select_one("[data-reading-range]").text == "Posts 1–20 of 25"
    progress = page.html.select_one("[data-reading]")
    assert progress["data-last"] == "25" and progress["data-read-url"] == path + "/read"

    def marker() -> int:
        with board.session() as session:
            return session.scalar(select(TopicRead.last_read_number).join(Topic).where(
                Topic.id == topic))

    assert marker() == 1
    token = mira.csrf_token()
    assert mira.app.post(path + "/read", {"number": "12", "csrf_token": token}).json == \
        {"last_read_number": 12}
    assert mira.app.post(path + "/read", {"number": "5", "csrf_token": token}).json == \
        {"last_read_number": 12}, "never backwards"
    assert mira.app.post(path + "/read", {"number": "999", "csrf_token": token}).json == \
        {"last_read_number": 25}, "no further than the last post"
    mira.app.post(path + "/read", {"number": "3"}, status=400)  # no CSRF token
    mira.app.post(path + "/read", {"number": "x", "csrf_token": token}, status=400)
    board.browser().app.post(path + "/read", {"number": "3"}, status=400)

    # the first unread post: on the list, on the topic page ("Jump to first unread")
    with board.session() as session:
        session.execute(update(TopicRead).values(last_read_number=12))
    page = mira.app.get(path)
    assert page.html.select_one("a[data-first-unread]")["href"] == "#post-13"
    page = mira.app.get(path + "?after=20")
    assert page.html.select_one("a[data-first-unread]")["href"] == path + "?after=12"
    assert page.html.select_one("[data-reading-range]").text == "Posts 21–25 of 25"
    board.reply("nils", topic, "One more")
    row = row_of(mira.app.get("/unread"), "Long read")
    assert row.find("a", class_="listing-title")["href"] == path + "?after=12"
    # without reading.js a page view counts the posts it shows as read
    nils = board.browser("olga")
    nils.app.get(path)
    with board.session() as session:
        assert session.scalar(select(TopicRead.last_read_number).where(
            TopicRead.topic_id == topic, TopicRead.user_id != _user_id(session, "mira"))) == 20


def _user_id(session, username: str) -> int:
    from forum_core.accounts.models import User

    return session.scalar(select(User.id).where(User.username == username))


def test_reading_position_in_the_api(board):
    topic = board.create_topic("nils", "general", "API read")
    for _ in range(4):
        board.reply("olga", topic)
    staff = board.create_topic("mod", "general", "Staff only soon")
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == staff).values(is_deleted=True))
    headers = {"Authorization": f"Bearer {board.api_token('mira')}"}
    api = board.app
    url = f"/api/v1/topics/{topic}/reading"
    got = api.get(url, headers=headers).json
    assert got == {"topic_id": topic, "last_read_number": 0, "last_post_number": 5,
                   "first_unread_url": f"http://localhost/t/{topic}/api-read"}
    moved = api.put_json(url, {"last_read_number": 3}, headers=headers).json
    assert moved["last_read_number"] == 3
    assert moved["first_unread_url"] == f"http://localhost/t/{topic}/api-read?after=3"
    assert api.put_json(url, {"last_read_number": 2}, headers=headers).json[
        "last_read_number"] == 3
    api.put_json(url, {"last_read_number": 0}, headers=headers, status=422)
    api.put_json(url, {"number": 3}, headers=headers, status=422)
    api.get(url, status=401)
    hidden = api.get(f"/api/v1/topics/{staff}/reading", headers=headers, status=404)
    assert hidden.content_type == "application/problem+json"
    api.put_json(f"/api/v1/topics/{staff}/reading", {"last_read_number": 1},
                 headers=headers, status=404)
    # the lists
    board.reply("nils", topic)
    unread = api.get("/api/v1/lists/unread", headers=headers).json
    (item,) = unread["items"]
    assert item["id"] == topic and item["unread_count"] == 3 and item["last_read_number"] == 3
    assert [p["username"] for p in item["posters"]] == ["nils", "olga"]
    latest = api.get("/api/v1/lists/latest").json
    assert [t["title"] for t in latest["items"]] == ["API read"]
    api.get("/api/v1/lists/unread", status=401)
    api.get("/api/v1/lists/top?period=ever", status=400)
    api.get("/api/v1/lists/latest?cursor=zz", status=400)


@pytest.fixture(params=BACKENDS)
def grouped(request, make_forum):
    forum = make_forum(plugins=["groups"], postgres=request.param)
    for name in ("owner", "insider", "outsider"):
        forum.create_user(name)
    forum.create_category("General")
    _, space = forum.create_group("Secret club", "owner", ["insider"], space="Club room")
    secret = forum.create_topic("owner", space, "ZEBRA club plans")
    public = forum.create_topic("owner", "general", "Public news")
    return forum, secret, public


def test_lists_never_show_a_closed_groups_topics_to_outsiders(grouped):
    forum, secret, public = grouped
    for who in ("insider", "outsider"):
        browser = forum.browser(who)
        browser.app.get(f"/t/{public}/public-news")
        if who == "insider":
            browser.app.get(f"/t/{secret}/zebra-club-plans")
    forum.reply("owner", secret, "ZEBRA more plans")
    forum.reply("owner", public, "more news")
    outsider, insider = forum.browser("outsider"), forum.browser("insider")
    for path in ("/latest", "/unread", "/new", "/whats-new", "/top", "/top?period=year", "/"):
        assert "ZEBRA" not in outsider.app.get(path).text, path
        assert "ZEBRA" not in forum.app.get(path).text, path
    assert "ZEBRA club plans" in titles(insider.app.get("/latest"))
    assert "ZEBRA club plans" in titles(insider.app.get("/unread"))
    assert titles(outsider.app.get("/unread")) == ["Public news"]
    token = {"Authorization": f"Bearer {forum.api_token('outsider')}"}
    for name in lists.LIST_NAMES:
        assert "ZEBRA" not in forum.app.get(f"/api/v1/lists/{name}", headers=token).text
    forum.app.get(f"/api/v1/topics/{secret}/reading", headers=token, status=404)
    outsider.app.post(f"/t/{secret}/zebra-club-plans/read",
                      {"number": "1", "csrf_token": outsider.csrf_token()}, status=404)


def test_the_view_counter_adds_visits_by_itself_and_stops_when_idle(forum):
    """The thread of a process adds what it counted every interval, then stops."""
    import time

    from forum_core.content.viewcount import ViewCounter

    forum.create_user("mira")
    forum.create_category("General")
    topic = forum.create_topic("mira", "general", "Counted alone")
    counter = ViewCounter(forum.engine, interval=0.05)
    for _ in range(3):
        counter.add(topic, 1)
    deadline = time.monotonic() + 10
    while counter._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counter._thread is None, "idle: the thread stopped"
    with forum.session() as session:
        assert session.get(Topic, topic).view_count == 3
    counter.add(topic, 1)
    counter.close()
    with forum.session() as session:
        assert session.get(Topic, topic).view_count == 4
    counter.add(topic, 1)  # a request that ends after its application was closed
    assert counter.pending() == {} and not counter._thread.is_alive()
