"""``X-Forum-Queries`` (``forum.count_queries``, used by the benchmarks) counts every time a
request goes to the database: what runs around the view (sign-in, permissions), what the
transaction flushes when it commits, the commit itself, and the statements of an error page."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.functional.test_discussions import make_category, make_topic, topic_path


@contextmanager
def database_trips(forum):
    """Every statement SQLAlchemy sends, and each transaction's end, while the block runs."""
    engine = forum.app.app.registry["forum.db_engine"]
    seen: list[str] = []

    def statement(conn, cursor, text, parameters, context, executemany):
        seen.append(text)

    def commit(conn):
        seen.append("(commit)")

    def rollback(conn):
        seen.append("(rollback)")

    listeners = (("before_cursor_execute", statement), ("commit", commit),
                 ("rollback", rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


@pytest.fixture
def counted(make_forum):
    forum = make_forum(**{"forum.count_queries": "true"})
    forum.create_user("mira")
    forum.create_user("anna")
    make_category(forum, "General")
    return forum


def header(answer) -> int:
    return int(answer.headers["X-Forum-Queries"])


def test_a_page_counts_its_statements_and_the_end_of_its_transaction(counted):
    path = topic_path(counted, make_topic(counted, "anna", "general"))
    counted.app.get(path)
    with database_trips(counted) as seen:
        page = counted.app.get(path)
    assert header(page) == len(seen)
    assert seen[-1] == "(rollback)", "a page that wrote nothing ends its transaction"

    counted.login("mira")
    with database_trips(counted) as seen:
        page = counted.app.get(path)
    assert header(page) == len(seen)
    assert any("auth_sessions" in text for text in seen), "the sign-in look-up counts"


def test_statements_flushed_when_the_transaction_commits_count(counted):
    path = topic_path(counted, make_topic(counted, "anna", "general"))
    counted.login("mira")
    form = counted.app.get(path).forms["reply-form"]
    form["body"] = "Me too."
    with database_trips(counted) as seen:
        answer = form.submit(status=303)
    assert header(answer) == len(seen)
    # anna's notification is written by the commit, after the view has returned
    assert any(text.startswith("INSERT INTO notifications") for text in seen)
    assert "(commit)" in seen


def test_an_error_page_says_what_it_cost(counted):
    counted.login("mira")
    with database_trips(counted) as seen:
        answer = counted.app.get("/t/424242/missing", status=404)
    assert header(answer) == len(seen) > 0
