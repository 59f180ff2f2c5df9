"""/healthz: 200 "ok" while the database answers, 503 while it does not; never a cookie, a
cached copy, a member's name or the reason of the failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url


def _assert_bare(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert "ETag" not in response.headers
    assert response.content_type == "text/plain"


@pytest.mark.parametrize("postgres", [False, pytest.param(True, marks=pytest.mark.postgres)],
                         ids=["sqlite", "postgresql"])
def test_healthz_answers_ok_while_the_database_answers(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    response = forum.app.get("/healthz", status=200)
    assert response.text == "ok\n"
    _assert_bare(response)
    head = forum.app.head("/healthz", status=200)
    assert head.body == b""


def test_healthz_is_the_same_for_a_signed_in_member_and_sets_no_cookie(forum):
    forum.create_user("alice", role="admin")
    alice = forum.browser("alice")
    response = alice.app.get("/healthz", status=200)
    assert response.text == "ok\n"
    _assert_bare(response)
    # an expired or forged session cookie is not looked at either
    visitor = forum.browser()
    visitor.app.set_cookie("forum_session", "forged-value")
    response = visitor.app.get("/healthz", status=200)
    assert response.text == "ok\n"
    _assert_bare(response)


def test_healthz_changes_nothing(forum):
    # not a form: POST is not a health check, and nothing is done for it
    forum.app.post("/healthz", status=404)


def test_healthz_answers_503_while_the_database_is_gone_and_recovers(forum):
    database = Path(make_url(forum.settings["forum.database_url"]).database)
    forum.app.get("/healthz", status=200)
    engine = forum.app.app.registry["forum.db_engine"]
    engine.dispose()  # the pool's open connections would keep using the moved file
    moved = database.with_name("moved.sqlite")
    shutil.move(database, moved)
    database.mkdir()  # a folder where the database was: SQLite cannot open it
    try:
        response = forum.app.get("/healthz", status=503)
        assert response.text == "unavailable\n"
        assert response.headers["Retry-After"] == "5"
        assert str(database) not in response.text and "sqlite" not in response.text.lower()
        _assert_bare(response)
    finally:
        database.rmdir()
        shutil.move(moved, database)
    engine.dispose()
    assert forum.app.get("/healthz", status=200).text == "ok\n"
