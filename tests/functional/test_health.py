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


def test_forum_health_asks_the_address_of_server_main(tmp_path):
    from forum_core.cli.health import served_url

    config = tmp_path / "forum.ini"
    cases = [("listen = 127.0.0.1:7000", "http://127.0.0.1:7000/healthz"),
             ("listen = 0.0.0.0:7001 [::]:7001", "http://127.0.0.1:7001/healthz"),
             ("listen = *:7002", "http://127.0.0.1:7002/healthz"),
             ("host = forum.internal\nport = 7003", "http://forum.internal:7003/healthz"),
             ("", "http://localhost:6543/healthz")]
    for lines, expected in cases:
        config.write_text("[app:main]\nuse = egg:forum-core\n\n"
                          f"[server:main]\nuse = egg:waitress#main\n{lines}\n")
        assert served_url(config) == expected, lines
    assert served_url(tmp_path / "missing.ini") == "http://localhost:6543/healthz"


def test_forum_health_exit_status_follows_healthz(forum, run_forum):
    from forum_core.testing import served

    with served(forum) as url:
        result = run_forum("health", "--url", url + "/healthz")
        assert result.returncode == 0, result.stderr
        assert "is healthy" in result.stdout
        # an address that answers, but not ok
        result = run_forum("health", "--url", url + "/no-such-page")
        assert result.returncode == 1
        assert result.stderr.strip().endswith("is not healthy: HTTP 404.")
    result = run_forum("health", "--url", url + "/healthz", "--wait", "1", "--timeout", "1")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forum: The forum at ")
