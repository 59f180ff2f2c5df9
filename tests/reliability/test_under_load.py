"""A real waitress server under concurrent writes: nothing lost, nothing doubled, counters
exact, on SQLite and PostgreSQL; and a server killed mid-write loses nothing it acknowledged."""

from __future__ import annotations

import http.client
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from forum_core.content.models import Category, Post, Topic
from forum_core.testing import run_together
from tests.functional.test_discussions import make_category, make_topic
from tests.reliability.conftest import DATABASES, api_tokens, call

pytestmark = pytest.mark.slow
THREADS, EACH = 20, 25


@pytest.mark.parametrize("postgres", DATABASES)
def test_twenty_threads_replying_to_one_topic(make_forum, serve, postgres):
    forum = make_forum(postgres=postgres)
    tokens = api_tokens(forum, "poster", THREADS)
    make_category(forum, "General")
    topic = make_topic(forum, "poster0", "general", "Busy topic", "Go!")
    server = serve(forum)
    acknowledged: list[int] = []

    def reply(index: int) -> None:
        for n in range(EACH):
            status, answer = call(f"{server.url}/api/v1/topics/{topic}/posts", "POST",
                                  {"body": f"reply {index}-{n}"}, tokens[index])
            assert status == 201, answer
            acknowledged.append(answer["id"])

    assert run_together(THREADS, reply) == []
    total = THREADS * EACH
    assert len(set(acknowledged)) == total
    with forum.session() as session:
        numbers = list(session.scalars(select(Post.number).where(Post.topic_id == topic)
                                       .order_by(Post.number)))
        assert numbers == list(range(1, total + 2)), "each post numbered once, no gaps"
        stored = set(session.scalars(select(Post.id).where(Post.number > 1)))
        assert stored == set(acknowledged)
        assert session.get(Topic, topic).reply_count == total
        assert session.scalar(select(Category.post_count)) == total + 1
    status, page = call(f"{server.url}/api/v1/topics/{topic}")
    assert status == 200 and page["reply_count"] == total


@pytest.mark.parametrize("postgres", DATABASES)
def test_twenty_threads_voting_for_one_idea(make_forum, serve, postgres):
    from forum_ideas.models import Idea, Vote
    from forum_ideas.services import IdeaService

    forum = make_forum(postgres=postgres, plugins=["ideas"])
    tokens = api_tokens(forum, "voter", THREADS * EACH)
    make_category(forum, "Ideas")
    with forum.session() as session:
        IdeaService(session).configure_board(session.scalar(select(Category)), True)
    idea = make_topic(forum, "voter0", "ideas", "Dark mode", "Please.")
    with forum.session() as session:
        session.add(Idea(topic_id=idea))
    server = serve(forum)
    counted: list[int] = []

    def vote(index: int) -> None:
        for token in tokens[index * EACH:(index + 1) * EACH]:
            status, answer = call(f"{server.url}/api/v1/ideas/{idea}/vote", "PUT",
                                  {"value": 1}, token)
            assert status == 200, answer
            counted.append(answer["votes"])
        # taking a vote back and giving it again is counted once
        first = tokens[index * EACH]
        assert call(f"{server.url}/api/v1/ideas/{idea}/vote", "DELETE", token=first)[0] == 200
        assert call(f"{server.url}/api/v1/ideas/{idea}/vote", "PUT", {"value": 1},
                    first)[0] == 200

    assert run_together(THREADS, vote) == []
    total = THREADS * EACH
    with forum.session() as session:
        assert session.get(Idea, idea).votes == total
        assert session.scalar(select(func.count()).select_from(Vote)) == total
    assert max(counted) <= total
    assert call(f"{server.url}/api/v1/ideas/{idea}")[1]["votes"] == total


@pytest.mark.parametrize("postgres", DATABASES)
def test_a_killed_server_loses_no_acknowledged_post(make_forum, serve, postgres, tmp_path):
    forum = make_forum(postgres=postgres)
    writers = 4
    tokens = api_tokens(forum, "writer", writers)
    make_category(forum, "General")
    topic = make_topic(forum, "writer0", "general", "Under fire", "Start.")
    server = serve(forum)
    acknowledged: dict[int, str] = {}
    stop = threading.Event()

    def write(index: int) -> None:
        n = 0
        while not stop.is_set():
            text = f"survivor {index} {n} zq{index}x{n}"
            try:
                status, answer = call(f"{server.url}/api/v1/topics/{topic}/posts", "POST",
                                      {"body": text}, tokens[index], timeout=10)
            except (OSError, http.client.HTTPException):
                # the server is gone; this answer never came (or came cut off after its
                # headers: IncompleteRead), so it was not promised
                return
            if status == 201:
                acknowledged[answer["id"]] = text
            n += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) > 20, "the load was real"

    restarted = serve(forum, name="restarted")
    with forum.session() as session:
        stored = dict(session.execute(select(Post.id, Post.source).where(Post.number > 1)).all())
        topic_row = session.get(Topic, topic)
        assert topic_row.reply_count == len(stored)
    assert {key: stored.get(key) for key in acknowledged} == acknowledged
    if not postgres:
        path = forum.settings["forum.database_url"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # the search index has every acknowledged post, however far it got before the kill
    for post_id, text in list(acknowledged.items())[::max(1, len(acknowledged) // 15)]:
        word = text.split()[-1]
        deadline = time.monotonic() + 60
        while True:
            status, found = call(f"{restarted.url}/api/v1/search?q={word}")
            if status == 200 and [item["id"] for item in found["items"]] == [post_id]:
                break
            assert time.monotonic() < deadline, (word, status, found)
            time.sleep(0.5)
