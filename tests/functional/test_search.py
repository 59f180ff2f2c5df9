"""Search through the real app, run against both backends: a real Whoosh index on disk and
PostgreSQL full-text search (``forum.search_backend = postgresql``)."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from forum_core.accounts.models import User
from forum_core.content.models import Category, Post, Topic
from forum_core.moderation.services import DatabaseModerationService
from forum_core.search.query import MAX_QUERY_CHARS
from forum_core.search.service import INDEX_KEY
from tests.functional.test_discussions import content, make_category, make_topic
from tests.functional.test_moderation import reply_as


def populate(forum):
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Support")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    return forum


@pytest.fixture(params=["whoosh", pytest.param("postgresql", marks=pytest.mark.postgres)])
def board(request, make_forum):
    """The same forum on each search backend: the tests using it run against both."""
    if request.param == "postgresql":
        return populate(make_forum(postgres=True, **{"forum.search_backend": "postgresql"}))
    return populate(make_forum())


@pytest.fixture
def whoosh_board(make_forum):
    """For what only the Whoosh index has: files, a lock, a background rebuild."""
    return populate(make_forum())


def titles(page):
    return [a.text for a in page.html.select(".search-results .listing-title")]


def search(forum, **params):
    return forum.app.get("/search", params=params, status=200)


def count_text(page):
    return page.html.select_one(".search-count").text


def test_words_phrases_exclusions_and_prefixes(board):
    make_topic(board, "mira", "general", "Exporting reports to CSV",
               "The export button writes a comma separated file.")
    make_topic(board, "nils", "general", "Import from spreadsheets",
               "Paste rows from a spreadsheet; the file format is detected.")
    make_topic(board, "mira", "support", "Separated concerns",
               "Keep the export logic separate from the views.")

    assert set(titles(search(board, q="file"))) == {"Exporting reports to CSV",
                                                     "Import from spreadsheets"}
    assert titles(search(board, q="export file")) == ["Exporting reports to CSV"]
    assert titles(search(board, q='"comma separated"')) == ["Exporting reports to CSV"]
    assert titles(search(board, q='"separated comma"')) == []
    assert titles(search(board, q="export -csv")) == ["Separated concerns"]
    assert titles(search(board, q='export -"comma separated"')) == ["Separated concerns"]
    assert set(titles(search(board, q="spread*"))) == {"Import from spreadsheets"}
    assert set(titles(search(board, q="separat*"))) == {"Exporting reports to CSV",
                                                         "Separated concerns"}
    # case and punctuation do not matter
    assert titles(search(board, q="IMPORT, FROM!")) == ["Import from spreadsheets"]
    page = search(board, q="comma")
    assert page.html.select_one(".snippet mark").text == "comma"
    assert count_text(page) == "1 result"


def test_filters_live_in_the_url_and_the_form(board):
    old = make_topic(board, "mira", "general", "Backup schedule", "Nightly backup at two.")
    make_topic(board, "nils", "support", "Backup failed", "The backup job failed tonight.")
    with board.session() as session:
        session.execute(update(Topic).where(Topic.id == old).values(
            created_at=dt.datetime(2025, 1, 10, tzinfo=dt.UTC)))
        session.execute(update(Post).where(Post.topic_id == old).values(
            created_at=dt.datetime(2025, 1, 10, tzinfo=dt.UTC)))
    with board.session() as session:  # the index follows changes made through the ORM
        session.get(Topic, old).title = "Backup schedule"
    reply_as(board, "mira", old, "Backup moved to three.")

    assert titles(search(board, q="backup", category="support")) == ["Backup failed"]
    assert set(titles(search(board, q="backup", author="mira"))) == {"Backup schedule"}
    assert len(titles(search(board, q="backup", author="mira"))) == 2  # topic and reply
    assert titles(search(board, q="backup", type="post")) == ["Backup schedule"]
    assert titles(search(board, q="backup", type="topic", to="2025-12-31")) == \
        ["Backup schedule"]
    assert titles(search(board, q="backup", type="topic", **{"from": "2026-01-01"})) == \
        ["Backup failed"]
    newest = search(board, q="backup", sort="newest", type="topic")
    assert titles(newest) == ["Backup failed", "Backup schedule"]

    # a shared link shows the same search with its filters filled in
    shared = search(board, q="backup", category="support", author="nils", sort="newest")
    form = shared.forms["search-form"]
    assert form["q"].value == "backup"
    assert form["category"].value == "support"
    assert form["author"].value == "nils"
    assert form["sort"].value == "newest"
    # and the form makes such links
    form = board.app.get("/search").forms["search-form"]
    form["q"] = "backup"
    form["category"] = "general"
    result = form.submit()
    assert "category=general" in result.request.url
    assert titles(result) == ["Backup schedule", "Backup schedule"]


def test_results_and_counts_show_only_what_the_viewer_may_see(board):
    make_topic(board, "mod", "staff", "Quarterly numbers", "Confidential quarterly figures.")
    public = make_topic(board, "mira", "general", "Quarterly meetup", "Open quarterly meetup.")
    hidden = reply_as(board, "nils", public, "Spam about quarterly offers")
    with board.session() as session:
        mod = session.scalar(select(User).where(User.username == "mod"))
        DatabaseModerationService(session).set_post_state(mod, session.get(Post, hidden), "hide")

    for viewer in (None, "mira"):
        app = board.another_browser()
        if viewer:
            app.login(viewer)
        page = app.app.get("/search", params={"q": "quarterly"})
        assert titles(page) == ["Quarterly meetup"]
        assert count_text(page) == "1 result"
        assert "Confidential" not in page.text and "Spam" not in page.text
        # naming the hidden category in the URL is answered like a category that does not exist
        denied = app.app.get("/search", params={"q": "quarterly", "category": "staff"},
                             status=400)
        missing = app.app.get("/search", params={"q": "quarterly", "category": "nope"},
                              status=400)
        assert "There is no category staff" in denied.text
        assert "There is no category nope" in missing.text
    board.login("mod")
    page = search(board, q="quarterly")
    assert set(titles(page)) == {"Quarterly numbers", "Quarterly meetup"}
    assert count_text(page) == "3 results"  # staff see the hidden reply too


def test_index_follows_commits_and_ignores_rollbacks(board):
    topic_id = make_topic(board, "mira", "general", "Gardening", "Tomatoes need sun.")
    assert titles(search(board, q="tomatoes")) == ["Gardening"]

    with pytest.raises(RuntimeError):
        with content(board) as (service, session):
            author = session.get(Topic, topic_id).author
            service.reply(author, session.get(Topic, topic_id), "Cucumbers love water.")
            session.flush()
            raise RuntimeError("the request failed after the reply was written")
    assert titles(search(board, q="cucumbers")) == []

    with content(board) as (service, session):
        post = session.scalar(select(Post).where(Post.topic_id == topic_id))
        service.edit_post(post.author, post, "Peppers need warmth.")
    assert titles(search(board, q="tomatoes")) == []
    assert titles(search(board, q="peppers")) == ["Gardening"]

    reply_as(board, "nils", topic_id, "Peppers again")
    with board.session() as session:
        mod = session.scalar(select(User).where(User.username == "mod"))
        target = session.scalar(select(Category).where(Category.slug == "support"))
        DatabaseModerationService(session).move_topic(mod, session.get(Topic, topic_id), target)
    assert len(titles(search(board, q="peppers", category="support"))) == 2
    assert titles(search(board, q="peppers", category="general")) == []


HOSTILE = ['"unbalanced', 'unbalanced"', '"', '*', '-', '--', '-*', 'a*', '***word', 'nofield:x',
           'title:"x', '(((', 'AND OR NOT', "'; DROP TABLE posts; --", "\\", "!!&&||<->",
           "x" * MAX_QUERY_CHARS, "word " * 40, "%00", "ü*", "日本語"]


def test_hostile_queries_get_a_message_or_an_empty_result(board):
    make_topic(board, "mira", "general", "Word games", "A word about words.")
    for text in HOSTILE:
        page = board.app.get("/search", params={"q": text}, expect_errors=True)
        assert page.status_int in (200, 400), text
        if page.status_int == 400:
            assert page.html.select_one(".form-error").text.strip(), text
    huge = board.app.get("/search", params={"q": "word " * 20_000}, status=400)
    assert "too long" in huge.html.select_one(".form-error").text
    for params in ({"q": "word", "from": "yesterday"}, {"q": "word", "sort": "random"},
                   {"q": "word", "type": "nonsense"}, {"q": "word", "page": "two"},
                   {"q": "word", "author": "nobody-here"},
                   {"q": "word", "from": "2026-02-01", "to": "2026-01-01"}):
        page = board.app.get("/search", params=params, status=400)
        assert page.html.select_one(".form-error").text.strip()
    assert titles(search(board, q='word -"')) == ["Word games"]


def test_results_are_paginated(board):
    with content(board) as (service, session):
        author = session.scalar(select(User).where(User.username == "mira"))
        category = session.scalar(select(Category).where(Category.slug == "general"))
        for number in range(45):
            service.create_topic(author, category, f"Lantern number {number:02d}",
                                 "Lanterns light the path.")
    seen = []
    page = search(board, q="lantern", sort="newest")
    assert count_text(page) == "45 results"
    while True:
        seen += titles(page)
        if not page.html.select_one("a[rel=next]"):
            break
        page = board.app.get(page.html.select_one("a[rel=next]")["href"])
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen[0] == "Lantern number 44"
    assert "page=3" in board.app.get("/search?q=lantern&page=2").html.select_one(
        "a[rel=next]")["href"]
    # a page past the end shows the last one
    assert len(titles(search(board, q="lantern", page="99"))) == 5


def test_concurrent_writers_all_reach_the_index(board):
    topic_id = make_topic(board, "mira", "general", "Busy thread", "Start")
    errors = []

    def writer(n):
        try:
            for i in range(6):
                reply_as(board, "nils", topic_id, f"zebra{n}x{i} stripes")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count_text(search(board, q="stripes")) == "30 results"
    assert titles(search(board, q="zebra3x5")) == ["Busy thread"]


def test_plugin_content_types_and_status_filter(make_forum):
    from tests.conftest import plugin_entry_points

    forum = make_forum(plugins=("finder",), entry_points=plugin_entry_points())
    forum.create_user("walrus")
    forum.create_user("wanda", role="moderator")
    with forum.session() as session:
        for user in session.scalars(select(User)):
            user.bio = f"{user.username} likes winter swimming"
    page = search(forum, q="swimming")
    assert set(titles(page)) == {"walrus", "wanda"}
    assert [o.text for o in page.html.select("#search-type option")][-1] == "Members"
    assert titles(search(forum, q="swimming", type="member", status="moderator")) == ["wanda"]
    assert page.html.select_one(".search-results a")["href"].startswith("/u/")


def test_reindex_rebuilds_the_index_from_the_database(board, tmp_path):
    make_topic(board, "mira", "general", "Lighthouse keeper", "The lamp turns all night.")
    ini = tmp_path / "forum.ini"
    lines = "\n".join(f"{key} = {str(value).replace('%', '%%')}"
                      for key, value in board.settings.items())
    ini.write_text(f"[app:main]\nuse = egg:forum-core\n{lines}\n")
    from forum_core.cli import cli

    board.app.app.registry[INDEX_KEY].backend.rebuild([])  # an index that lost everything
    assert titles(search(board, q="lamp")) == []
    result = CliRunner().invoke(cli, ["reindex", "--config", str(ini)])
    assert result.exit_code == 0, result.output
    assert "Indexing" in result.output  # the progress bar's label
    assert "Indexed 1 documents" in result.output
    assert titles(search(board, q="lamp")) == ["Lighthouse keeper"]

def test_a_missing_or_broken_whoosh_index_is_rebuilt_by_itself(whoosh_board, caplog):
    board = whoosh_board
    make_topic(board, "mira", "general", "Lighthouse keeper", "The lamp turns all night.")
    assert titles(search(board, q="lamp")) == ["Lighthouse keeper"]
    backend = board.app.app.registry[INDEX_KEY].backend
    index_dir = Path(board.settings["forum.data_dir"]) / "search"
    shutil.rmtree(index_dir)
    page = search(board, q="lamp")  # answered (perhaps incompletely) while rebuilding
    assert page.status_int == 200
    backend.wait()
    assert titles(search(board, q="lamp")) == ["Lighthouse keeper"]
    for segment in index_dir.iterdir():
        segment.write_bytes(b"\x00garbage")
    assert search(board, q="lamp").status_int == 200
    make_topic(board, "mira", "general", "Lamp oil", "Where to buy it?")  # opens the index
    backend.wait()
    assert sorted(titles(search(board, q="lamp"))) == ["Lamp oil", "Lighthouse keeper"]
    assert "rebuilding it" in caplog.text

    # a rebuild killed half-way leaves a readable but incomplete index, and its marker
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    backend.rebuild([])
    (index_dir / backend.MARKER).write_text(dead)
    make_topic(board, "mira", "general", "Lamp wick", "Cotton?")  # opens the index
    backend.wait()
    assert sorted(titles(search(board, q="lamp"))) == ["Lamp oil", "Lamp wick",
                                                       "Lighthouse keeper"]
    assert "was interrupted" in caplog.text
    assert not (index_dir / backend.MARKER).exists()


def test_a_post_does_not_wait_for_the_whoosh_index_and_a_search_waits_for_the_post(
        whoosh_board):
    import threading

    from forum_core.search.models import SearchQueue

    board = whoosh_board
    index = board.app.app.registry[INDEX_KEY]
    assert index.deferred  # the web application writes the index in the background
    board.login("mira")
    board.app.get("/")
    held, release = threading.Event(), threading.Event()

    def hold_the_index() -> None:  # as a slow index write would, in another thread
        with index.backend.lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold_the_index)
    holder.start()
    assert held.wait(10)
    answers = []
    poster = threading.Thread(target=lambda: answers.append(board.post_form(
        "/c/general/new", title="Heron nesting", body="The herons are back on the island.")))
    poster.start()
    poster.join(10)
    try:
        assert not poster.is_alive(), "the post waited for the index"
        assert answers[0].status_int == 303
        with board.session() as session:  # the promise is kept in the database meanwhile
            promised = " ".join(session.scalars(select(SearchQueue.hits)))
        assert "topic:" in promised
        searcher = board.browser("nils")
        found = []
        seeker = threading.Thread(target=lambda: found.append(search(searcher, q="herons")))
        seeker.start()
        seeker.join(1)
        assert seeker.is_alive()  # a search waits for the index to hold what was committed
    finally:
        release.set()
        holder.join(10)
    seeker.join(15)
    assert titles(found[0]) == ["Heron nesting"]


def test_closing_the_application_finishes_the_index_writes_it_was_handed(whoosh_board):
    """An application that ends (a test, an embedding server) writes what its posts gave the
    index before its engine is disposed of: the writer thread would otherwise read the
    database through a connection of a discarded pool."""
    from forum_core.app import close_app

    board = whoosh_board
    index = board.app.app.registry[INDEX_KEY]
    board.login("mira")
    board.app.get("/")
    held, release = threading.Event(), threading.Event()

    def hold_the_index() -> None:  # a slow index write holds the posts back
        with index.backend.lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold_the_index)
    holder.start()
    try:
        assert held.wait(10)
        answer = board.post_form("/c/general/new", title="Owl pellets",
                                 body="Found under the old barn.")
        assert answer.status_int == 303
        assert index._written < index._submitted
    finally:
        threading.Timer(0.5, release.set).start()
    close_app(board.app.app)
    holder.join(10)
    assert index._written == index._submitted
    board._app = None  # closed: the fixture's teardown must not close it again


def test_closing_the_application_ends_the_index_writer_thread(whoosh_board):
    """A process that goes on after closing an application (a test run, an embedding server)
    keeps no thread of it: each kept its application alive (a test run grew by thousands of
    objects per test, and the garbage collector's full passes late in a run took seconds).
    A change handed to the index after closing is still written."""
    from forum_core.app import close_app

    board = whoosh_board
    board.login("mira")
    assert board.post_form("/c/general/new", title="Owl pellets",
                           body="Found under the old barn.").status_int == 303
    index = board.app.app.registry[INDEX_KEY]
    writer = index._writer
    assert writer is not None and writer.is_alive()
    close_app(board.app.app)
    board._app = None  # closed: the fixture's teardown must not close it again
    assert not writer.is_alive()
    index.submit(set(), [])  # after closing: written by a thread that then ends as well
    index.settle()
    assert index._written == index._submitted
    later = index._writer
    if later is not None:
        later.join(10)
        assert not later.is_alive()
    with board.session() as session:
        topic = session.scalar(select(Topic).where(Topic.title == "Owl pellets"))
    assert topic is not None


def test_the_whoosh_index_is_read_with_file_reads_not_mapped_into_memory(whoosh_board):
    # a mapped segment counts fully in the server's memory once a searcher has touched it
    make_topic(whoosh_board, "mira", "general", "Lighthouse keeper", "The lamp turns.")
    assert titles(search(whoosh_board, q="lamp")) == ["Lighthouse keeper"]
    index_dir = (Path(whoosh_board.settings["forum.data_dir"]) / "search").resolve()
    assert any(index_dir.glob("*.seg"))  # the segment the search just read
    maps = Path("/proc/self/maps").read_text()
    assert str(index_dir) not in maps


def test_demo_content_made_by_forum_init_is_searchable(run_forum, tmp_path):
    from whoosh import index
    from whoosh.query import Every

    result = run_forum("init", "--demo", "--no-input", "--config", "forum.ini")
    assert result.returncode == 0, result.stderr
    import sqlite3

    db = sqlite3.connect(tmp_path / "var" / "forum.sqlite")
    topics, replies = db.execute("SELECT (SELECT count(*) FROM topics), "
                                 "(SELECT count(*) FROM posts WHERE number > 1)").fetchone()
    # the command indexed everything and left no promise behind to replay at start-up
    assert db.execute("SELECT count(*) FROM search_queue").fetchone() == (0,)
    db.close()
    ix = index.open_dir(str(tmp_path / "var" / "search"))
    with ix.searcher() as searcher:
        found = [hit["type"] for hit in searcher.search(Every(), limit=None)]
    assert topics > 0 and replies > 0
    core = [kind for kind in found if kind in ("topic", "post")]  # plugins add their own
    assert sorted(core) == sorted(["topic"] * topics + ["post"] * replies)


def test_a_failed_index_write_does_not_keep_the_index_locked(whoosh_board, monkeypatch,
                                                            caplog):
    from forum_core.search.backends import WhooshBackend

    board = whoosh_board
    make_topic(board, "mira", "general", "Before the failure", "alpha")
    original = WhooshBackend._fields

    def broken(document):
        if "beta" in document.body:
            raise OSError("disk full")
        return original(document)

    # every backend object of this index (the app's, the test sessions') fails alike
    monkeypatch.setattr(WhooshBackend, "_fields", staticmethod(broken))
    monkeypatch.setattr(WhooshBackend, "WRITE_TIMEOUT", 2.0)
    make_topic(board, "mira", "general", "During the failure", "beta")
    assert "disk full" in caplog.text
    monkeypatch.setattr(WhooshBackend, "_fields", staticmethod(original))
    make_topic(board, "mira", "general", "After the failure", "gamma")
    assert "LockError" not in caplog.text
    assert titles(search(board, q="gamma")) == ["After the failure"]


def test_the_search_page_speaks_the_members_language(board):
    for number in range(2):
        make_topic(board, "mira", "general", f"Velo {number}", "Fietsen in de regen.")
    page = board.app.get("/search", params={"q": "regen"}, headers={"Accept-Language": "ru"})
    assert count_text(page) == "2 результата"
    assert page.html.select_one("#search-form button").text == "Поиск"
    page = board.app.get("/search", params={"q": "regen", "from": "gisteren"},
                         headers={"Accept-Language": "nl"}, status=400)
    assert "jaar-maand-dag" in page.html.select_one(".form-error").text
    problem = board.app.get("/api/v1/search", params={"q": '"'}, status=400,
                            headers={"Accept-Language": "nl"}).json
    assert problem["detail"] == "Vul ten minste één woord in om op te zoeken."


def test_the_postgresql_backend_on_sqlite_stops_start_up_with_one_line(make_forum):
    from forum_core.errors import StartupError

    forum = make_forum(**{"forum.search_backend": "postgresql"})
    with pytest.raises(StartupError) as raised:
        forum.app.get("/")
    assert "needs a PostgreSQL database" in str(raised.value)
    assert "sqlite" in str(raised.value)


WRITER = """
import sys
from sqlalchemy import select
from forum_core.accounts.models import User
from forum_core.content.models import Category
from forum_core.content.services import DatabaseContentService
from forum_core.db import make_engine
from forum_core.environment import load_environment
from forum_core.rendering import Cooker
from forum_core.search import watched_sessions

settings = {"forum.database_url": sys.argv[1], "forum.data_dir": sys.argv[2],
            "forum.secret": "x" * 32}
env = load_environment(settings, environ={}, entry_points=[])
sessions = watched_sessions(env, make_engine(sys.argv[1]))
for number in range(8):
    with sessions() as session, session.begin():
        author = session.scalar(select(User).where(User.username == "mira"))
        category = session.scalar(select(Category).where(Category.slug == "general"))
        DatabaseContentService(session, Cooker()).create_topic(
            author, category, f"Process {sys.argv[3]} topic {number}", "walrus tusks")
"""


def test_writers_in_several_processes_share_the_whoosh_index(whoosh_board, tmp_path):
    import subprocess
    import sys

    board = whoosh_board
    make_topic(board, "mira", "general", "Walrus intro", "walrus facts")  # creates the index
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    args = [board.settings["forum.database_url"], board.settings["forum.data_dir"]]
    processes = [subprocess.Popen([sys.executable, str(script), *args, str(n)],
                                  stderr=subprocess.PIPE, text=True) for n in range(3)]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
        assert "search index" not in errors, errors  # no failed or skipped index update
    assert count_text(search(board, q="walrus")) == "25 results"


def test_similar_content_is_offered_for_a_new_title_and_respects_visibility(board):
    make_topic(board, "mira", "general", "Dark mode for the editor", "Please add a dark theme.")
    make_topic(board, "nils", "general", "Export invoices as PDF", "Accounting needs PDFs.")
    make_topic(board, "mod", "staff", "Dark mode budget", "Confidential: staff only.")

    def similar(app, text, **params):
        answer = app.get("/api/v1/similar", params={"text": text, **params}, status=200)
        return [item["title"] for item in answer.json["items"]]

    # any shared word counts (a member's search needs all of them); the best match comes first
    assert similar(board.app, "A dark editor please") == ["Dark mode for the editor"]
    assert similar(board.app, "pdf export of invoices") == ["Export invoices as PDF"]
    assert similar(board.app, "of a to") == []  # nothing but short words: nothing to compare
    assert similar(board.app, "dark editor", type="post") == []
    board.login("mod")
    assert set(similar(board.app, "dark mode")) == {"Dark mode for the editor",
                                                    "Dark mode budget"}
    too_long = board.app.get("/api/v1/similar", params={"text": "x" * 1001}, status=400)
    assert too_long.json["detail"] == ("Give the text to compare in 'text', at most 1000 "
                                       "characters.")


KILLED_AFTER_COMMIT = """
import os, sys
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from forum_core.accounts.models import User
from forum_core.content.models import Topic
from forum_core.content.services import DatabaseContentService
from forum_core.db import make_engine
from forum_core.environment import load_environment
from forum_core.rendering import Cooker
from forum_core.search import watched_sessions

env = load_environment(dict(arg.split("=", 1) for arg in sys.argv[1:]))
engine = make_engine(env.settings["forum.database_url"])
# the process dies right after its commit, before the search index hears of it
event.listen(Session, "after_commit", lambda session: os._exit(0), insert=True)
with watched_sessions(env, engine)() as session:
    author = session.scalar(select(User).where(User.username == "mira"))
    topic = session.scalar(select(Topic))
    DatabaseContentService(session, Cooker()).reply(author, topic, "Quokka sighting")
    session.commit()
raise SystemExit("not reached")
"""


def test_a_process_killed_between_commit_and_index_write_is_caught_up(board, tmp_path):
    import subprocess
    import sys

    import webtest

    from forum_core.app import close_app, make_wsgi_app
    from forum_core.search.models import SearchQueue

    make_topic(board, "mira", "general", "Wildlife", "What did you see?")
    board.app.get("/")  # a server that is running while the other process dies
    script = tmp_path / "killed.py"
    script.write_text(KILLED_AFTER_COMMIT)
    args = [f"{key}={value}" for key, value in board.settings.items()]
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "not reached" not in done.stderr, done.stderr
    with board.session() as session:
        reply = session.scalar(select(Post).where(Post.source == "Quokka sighting"))
        promised = " ".join(row.hits for row in session.scalars(select(SearchQueue)))
        assert f"post:{reply.id}" in promised.split()  # the work it left for later
    assert titles(search(board, q="quokka")) == []  # this app's index never heard of it

    restarted = webtest.TestApp(make_wsgi_app(board.settings, board.env))
    page = restarted.get("/search", params={"q": "quokka"})
    assert titles(page) == ["Wildlife"]
    with board.session() as session:
        assert list(session.scalars(select(SearchQueue))) == []
    close_app(restarted.app)
