"""The anonymous page cache: fast answers for visitors, never older than the last write, never
anything a visitor may not see, and each visitor's own CSRF token."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import webtest
from sqlalchemy import select

import forum_core.pagecache
from forum_core import make_wsgi_app
from forum_core.accounts.models import User
from forum_core.content.models import Category, Post
from forum_core.moderation.services import DatabaseModerationService
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

CACHE = "X-Forum-Cache"


def visitor(forum):
    return forum.another_browser().app


def test_visitors_get_cached_pages_with_their_own_csrf_token(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    topic = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    first, second = visitor(forum), visitor(forum)
    miss = first.get(f"/t/{topic}")
    hit = second.get(f"/t/{topic}")
    assert (miss.headers[CACHE], hit.headers[CACHE]) == ("miss", "hit")
    assert "Garden tips" in hit.text
    tokens = [page.forms["language-form"]["csrf_token"].value for page in (miss, hit)]
    assert tokens[0] != tokens[1] and all(len(t) >= 32 for t in tokens)
    assert "\x00" not in hit.text
    assert second.cookies["forum_csrf"] == tokens[1]  # the hit set the second visitor's cookie
    # ...and that token works: the cached page's form can be sent
    form = hit.forms["language-form"]
    form["locale"] = "nl"
    assert form.submit().status_int == 303
    again = second.get(f"/t/{topic}")
    assert again.forms["language-form"]["csrf_token"].value == tokens[1]


def test_a_hit_is_the_page_the_forum_sent_with_its_headers(make_forum):
    """Hits are answered before Pyramid runs: the security headers, content type and
    language the forum gave the page come with them; HEAD gets the headers only."""
    forum = make_forum(**{"forum.count_queries": "true"})
    make_category(forum, "General")
    app = visitor(forum)
    miss, hit = app.get("/c/general"), app.get("/c/general")
    assert (miss.headers[CACHE], hit.headers[CACHE]) == ("miss", "hit")
    assert hit.text == miss.text
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Type",
                 "Content-Language"):
        assert hit.headers.get(name) == miss.headers.get(name), name
    assert "Content-Security-Policy" in hit.headers
    assert int(miss.headers["X-Forum-Queries"]) >= 1 and hit.headers["X-Forum-Queries"] == "0"
    head = app.head("/c/general")
    assert head.headers[CACHE] == "hit" and head.body == b""
    assert int(head.headers["Content-Length"]) == len(hit.body)
    # answers that are not pages pass through untouched, every time: files, errors
    expected = (Path(forum_core.pagecache.__file__).parent / "static/forum.js").read_bytes()
    for _ in range(2):
        answer = app.get("/static/core/forum.js")
        assert CACHE not in answer.headers and answer.body == expected
        assert CACHE not in app.get("/c/nowhere", status=404).headers


def test_a_page_that_says_no_store_or_private_is_not_kept(forum):
    """How a plugin keeps a visitor's page out of the cache (README, plugin guide)."""
    from forum_core import make_config
    from forum_core.pagecache import CachedPages

    def view(request):
        rule = request.matchdict["rule"]
        if rule == "no-store":
            request.response.cache_control.no_store = True
        elif rule == "private":
            request.response.cache_control.private = True
        return f"lucky number {time.perf_counter_ns()}"

    config = make_config(forum.settings, forum.env)
    config.add_route("test.lucky", "/lucky/{rule}")
    config.add_view(view, route_name="test.lucky", renderer="string")
    app = webtest.TestApp(CachedPages(config.make_wsgi_app()))
    plain = [app.get("/lucky/plain") for _ in range(2)]
    assert [page.headers[CACHE] for page in plain] == ["miss", "hit"]
    assert plain[0].text == plain[1].text
    for rule in ("no-store", "private"):
        pages = [app.get(f"/lucky/{rule}") for _ in range(2)]
        assert all(CACHE not in page.headers for page in pages), rule
        assert pages[0].text != pages[1].text
    app.app.registry["forum.db_engine"].dispose()


@pytest.mark.parametrize("cookie", ["class", "<script>alert(1)</script>", "0" * 31])
def test_a_csrf_cookie_the_forum_did_not_make_is_never_swapped_in_or_kept(forum, cookie):
    """A visitor could set any forum_csrf cookie: it must not turn every "class" of a cached
    page into other visitors' tokens, nor go into a page unescaped."""
    make_category(forum, "General")
    odd = visitor(forum)
    odd.set_cookie("forum_csrf", cookie)
    for _ in range(2):
        page = odd.get("/c/general")
        assert CACHE not in page.headers
        assert "<script>alert" not in page.text
    plain = visitor(forum)
    first, second = plain.get("/c/general"), plain.get("/c/general")
    assert (first.headers[CACHE], second.headers[CACHE]) == ("miss", "hit")
    assert second.text.count("class=") == first.text.count("class=") > 10


def test_no_page_is_older_than_the_last_write(forum):
    forum.create_user("mira")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    topic = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    app = visitor(forum)
    app.get(f"/t/{topic}")
    assert app.get(f"/t/{topic}").headers[CACHE] == "hit"

    post = reply_as(forum, "mira", topic, "Water in the evening.")
    page = app.get(f"/t/{topic}")
    assert page.headers[CACHE] == "miss" and "Water in the evening" in page.text

    # a moderator hides it: gone from the next anonymous answer, listing counts too
    app.get("/c/general")
    with forum.session() as session:
        mod = session.scalar(select(User).where(User.username == "mod"))
        DatabaseModerationService(session).set_post_state(mod, session.get(Post, post), "hide")
    assert "Water in the evening" not in app.get(f"/t/{topic}").text

    # the category is closed to visitors: its pages disappear at once
    with forum.session() as session:
        session.scalar(select(Category)).read_access = "members"
    app.get(f"/t/{topic}", status=404)
    app.get("/c/general", status=404)
    assert "Garden tips" not in app.get("/").text


def test_another_process_writing_makes_this_process_pages_stale(forum):
    """Two apps on one database (as two server processes): each has its own cache, the
    generation in the database tells both when a page is stale."""
    forum.create_user("mira")
    make_category(forum, "General")
    topic = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    other = webtest.TestApp(make_wsgi_app(forum.settings, forum.env))
    reader = visitor(forum)
    reader.get(f"/t/{topic}")
    assert reader.get(f"/t/{topic}").headers[CACHE] == "hit"
    other.get("/login")
    form = other.get("/login").forms[0]
    form["login"], form["password"] = "mira", "correct horse battery"
    form.submit()
    page = other.get(f"/t/{topic}")
    reply = page.forms["reply-form"]
    reply["body"] = "Posted through the other process."
    reply.submit()
    assert "Posted through the other process" in reader.get(f"/t/{topic}").text
    other.app.registry["forum.db_engine"].dispose()


def test_signed_in_members_are_never_served_or_stored(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    forum.login("mira")
    page = forum.app.get("/")
    assert CACHE not in page.headers and "mira" in page.html.select_one(".nav-user").text
    app = visitor(forum)
    anonymous = app.get("/")
    assert anonymous.headers[CACHE] == "miss" and anonymous.html.select_one(".nav-user") is None
    # API tokens are not visitors either
    assert CACHE not in app.get("/api/v1/categories",
                                headers={"Authorization": "Bearer nope"}, status=401).headers


def test_each_language_has_its_own_entry(forum):
    make_category(forum, "General")
    app = visitor(forum)
    english = app.get("/", headers={"Accept-Language": "en"})
    dutch = app.get("/", headers={"Accept-Language": "nl"})
    assert english.html.html["lang"] == "en" and dutch.html.html["lang"] == "nl"
    assert app.get("/", headers={"Accept-Language": "nl"}).headers[CACHE] == "hit"


def test_entries_expire_and_the_cache_can_be_turned_off(make_forum):
    short = make_forum(**{"forum.page_cache_seconds": "1"})
    app = visitor(short)
    app.get("/")
    assert app.get("/").headers[CACHE] == "hit"
    time.sleep(1.1)
    assert app.get("/").headers[CACHE] == "miss"  # "3 minutes ago" does not stay forever

    off = make_forum(**{"forum.page_cache_entries": "0", "forum.count_queries": "true"})
    page = visitor(off).get("/")
    assert CACHE not in page.headers
    assert int(page.headers["X-Forum-Queries"]) >= 1


def test_search_answers_are_not_cached(forum):
    """They come from the index, which is updated after the commit, not from the database."""
    forum.create_user("mira")
    make_category(forum, "General")
    make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    app = visitor(forum)
    for url in ("/search?q=garden", "/api/v1/search?q=garden", "/api/v1/similar?text=garden"):
        app.get(url)
        assert CACHE not in app.get(url).headers, url
    assert app.get("/").headers[CACHE] == "miss"


@pytest.mark.parametrize("postgres", [
    pytest.param(False, id="sqlite"),
    pytest.param(True, id="postgresql", marks=pytest.mark.postgres)])
def test_every_server_thread_notices_a_write_made_elsewhere(make_forum, postgres):
    """Each thread reads the generation through its own connection (a shared one behind a
    lock made waitress's threads queue on it); every one of them sees a new write."""
    import threading

    forum = make_forum(postgres=postgres)

    from forum_core.pagecache import generation_reader
    from forum_core.testing import run_together

    read = generation_reader(forum.engine)
    seen: dict[int, list[int]] = {}
    ready = threading.Barrier(4)
    written = threading.Event()

    def thread(index: int) -> None:
        seen[index] = [read()]  # opens this thread's connection before the write
        ready.wait()
        written.wait(30)
        seen[index].append(read())

    def write() -> None:
        ready.wait()
        make_category(forum, "Written meanwhile")  # bumps the generation in the database
        written.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert run_together(3, thread) == []
    writer.join()
    assert len(seen) == 3
    for before, after in seen.values():
        assert after > before


def _statements(forum):
    """The SQL the forum's app runs, as a list that fills while the listener is on."""
    from sqlalchemy import event

    seen: list[str] = []
    engine = forum.app.app.registry["forum.db_engine"]

    def record(conn, cursor, statement, *rest):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("postgres", [
    pytest.param(False, id="sqlite"),
    pytest.param(True, id="postgresql", marks=pytest.mark.postgres)])
def test_what_every_request_reads_alike_is_read_again_only_after_a_write(make_forum, postgres):
    """The site's settings are shown on every page, signed in or not: read once, then shared
    by the requests that follow until something is written, and never older than that."""
    from forum_core.admin.models import SiteSetting

    forum = make_forum(postgres=postgres)
    forum.create_user("mira")
    forum.login("mira")
    forum.app.get("/")
    seen, stop = _statements(forum)
    try:
        page = forum.app.get("/")
        assert not [s for s in seen if "site_settings" in s]
        assert "mira" in page.html.select_one(".nav-user").text  # (a signed-in page)
        with forum.session() as session:  # another process, say, renames the site
            session.add(SiteSetting(key="site_name", value="Gardeners' corner"))
        page = forum.app.get("/")
        assert "Gardeners' corner" in page.html.select_one("title").text
        assert [s for s in seen if "site_settings" in s]
    finally:
        stop()


def test_shared_values_are_kept_for_the_newest_generation_only():
    from forum_core.pagecache import SharedReads

    reads = SharedReads(entries=3)
    counter = iter(range(100))
    assert reads.get("a", 5, lambda: next(counter)) == 0
    assert reads.get("a", 5, lambda: next(counter)) == 0  # kept
    assert reads.get("a", 6, lambda: next(counter)) == 1  # a write: read again
    # a request that began before that write gets its own reading, which is not kept
    assert reads.get("b", 5, lambda: next(counter)) == 2
    assert reads.get("b", 6, lambda: next(counter)) == 3
    assert reads.get("b", 6, lambda: next(counter)) == 3
    for key in "cde":  # more than ``entries`` values: the old ones go
        reads.get(key, 6, lambda: next(counter))
    assert len(reads._values) <= 3


def test_a_page_the_cache_passes_on_reads_the_generation_once(forum):
    """The page cache's reading of the generation serves the request's shared reads too
    (on PostgreSQL each reading is a query)."""
    make_category(forum, "General")
    cached = forum.app.app
    registry = cached.registry
    reads = []
    read = registry["forum.generation"]

    def counted():
        reads.append(1)
        return read()

    cached.current_generation = registry["forum.generation"] = counted
    try:
        page = visitor(forum).get("/c/general")
        assert page.headers[CACHE] == "miss" and "General" in page.text
        assert len(reads) == 1
    finally:
        cached.current_generation = registry["forum.generation"] = read
