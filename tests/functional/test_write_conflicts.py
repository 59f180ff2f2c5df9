"""A write the database refuses on a unique key, escaping a request, answers 409: an HTML
page for pages, a problem document for the JSON API, never a 500 or a traceback. The
error page is drawn after the failed transaction was rolled back (it needs the member and
their language), and nothing of the request is saved. The views that break the key are the
test plugin 'clash' (tests/plugin_packages/forum_clash)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from forum_core.accounts.models import User
from forum_core.db import get_or_insert, insert_all_if_absent, insert_if_absent

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def accounts_named(forum, username):
    with forum.session() as session:
        return session.scalar(select(func.count()).select_from(User)
                              .where(User.username == username))


@pytest.mark.parametrize("postgres", BACKENDS)
@pytest.mark.parametrize("how", ["flush", "commit", "statement"])
def test_an_escaped_integrity_error_answers_a_409_page(plugin_forum, postgres, how, caplog):
    forum = plugin_forum(plugins=["clash"], postgres=postgres)
    forum.create_user("mira")
    mira = forum.browser("mira")
    caplog.set_level(logging.INFO)
    page = mira.post_form(f"/clash/{how}")
    assert page.status_int == 409
    assert page.content_type == "text/html"
    assert page.html.h1.text == "Changed at the same moment"
    # the layout was drawn for the member (read again after the rollback)
    assert page.html.select_one(".nav-user").text == "mira"
    assert "PendingRollbackError" not in caplog.text
    assert "unhandled error" not in caplog.text
    assert "write conflict on POST /clash/" + how in caplog.text
    assert accounts_named(forum, "mira") == 1
    # the next request of the same member works as before
    assert mira.app.get("/").html.select_one(".nav-user").text == "mira"


@pytest.mark.parametrize("postgres", BACKENDS)
def test_an_escaped_integrity_error_in_the_api_answers_a_409_problem(plugin_forum, postgres,
                                                                     caplog):
    forum = plugin_forum(plugins=["clash"], postgres=postgres)
    forum.create_user("mira")
    token = forum.api_token("mira")
    answer = forum.app.post("/api/v1/clash", headers={"Authorization": f"Bearer {token}"},
                            status="*")
    assert answer.status_int == 409
    assert answer.content_type == "application/problem+json"
    assert answer.json["status"] == 409
    assert answer.json["title"] == "Changed at the same moment"
    assert answer.json["instance"] == "/api/v1/clash"
    assert "PendingRollbackError" not in caplog.text
    assert accounts_named(forum, "mira") == 1


@pytest.mark.parametrize("postgres", BACKENDS)
def test_insert_if_absent_inserts_once_and_keeps_the_transaction_usable(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    mira = forum.create_user("mira")
    from forum_core.accounts.models import ApiToken

    values = {"user_id": mira, "name": "backup", "token_hash": "a" * 64, "hint": "forum_ab"}
    with forum.session() as session:
        assert insert_if_absent(session, ApiToken, values, ("user_id", "name")) is True
        again = {**values, "token_hash": "b" * 64}
        assert insert_if_absent(session, ApiToken, again, ("user_id", "name")) is False
        token, created = get_or_insert(session, ApiToken, again, ("user_id", "name"))
        assert created is False and token.token_hash == "a" * 64
        # any unique key: the user's own, compared without regard to case
        assert insert_if_absent(session, User, {
            "username": "MIRA", "email": "other@example.com", "password_hash": "x"}) is False
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 1


@pytest.mark.parametrize("postgres", BACKENDS)
def test_insert_all_if_absent_returns_only_what_it_inserted(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    mira = forum.create_user("mira")
    from forum_core.accounts.models import ApiToken

    def token(name: str) -> dict:
        return {"user_id": mira, "name": name, "token_hash": name * 32, "hint": "forum_ab"}

    with forum.session() as session:
        insert_if_absent(session, ApiToken, token("ab"), ("user_id", "name"))
        # five to a statement: three statements, one row of the first there already
        rows = [token(name) for name in ("ab", "cd", "ef", "gh", "ij", "kl", "mn", "op",
                                         "qr", "st", "uv")]
        inserted = insert_all_if_absent(session, ApiToken, rows, ("user_id", "name"),
                                        returning=("name",), chunk=5)
        assert sorted(row.name for row in inserted) == [r["name"] for r in rows[1:]]
        assert insert_all_if_absent(session, ApiToken, rows, ("user_id", "name")) == []
        assert insert_all_if_absent(session, ApiToken, [], ("user_id", "name")) == []
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 11


@pytest.mark.parametrize("postgres", BACKENDS)
def test_migration_keeps_tokens_that_share_a_name_under_new_names(make_forum, postgres):
    """core_0017 makes token names unique per member: tokens made before with one name all
    keep working; all but the oldest get a number added (one that is free)."""
    from alembic import command
    from sqlalchemy import text

    from forum_core.accounts.models import ApiToken
    from forum_core.migrations import alembic_config, branches, upgrade

    forum = make_forum(postgres=postgres, migrate=False)
    core = branches(forum.env)[0]
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(core, conn), "core_0015")
        conn.execute(text(
            "INSERT INTO users (id, username, email, password_hash, role, display_name, "
            "is_demo, created_at) VALUES (1, 'mira', 'mira@example.com', 'x', 'member', '', "
            ":false, :now), (2, 'nils', 'nils@example.com', 'x', 'member', '', :false, :now)"),
            {"false": False, "now": "2026-01-01 00:00:00"})
        long_name = "n" * 80
        for number, (user_id, name) in enumerate([
                (1, "backup"), (1, "backup"), (1, "backup (2)"), (1, "backup"), (2, "backup"),
                (1, long_name), (1, long_name)], start=1):
            conn.execute(text(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, hint, created_at) "
                "VALUES (:id, :user_id, :name, :hash, 'forum_xx', :now)"),
                {"id": number, "user_id": user_id, "name": name, "hash": f"{number:064}",
                 "now": "2026-01-01 00:00:00"})
    assert upgrade(forum.engine, forum.env) == ["core"]
    with forum.session() as session:
        names = dict(session.execute(select(ApiToken.id, ApiToken.name)).all())
    assert names == {1: "backup", 2: "backup (3)", 3: "backup (2)", 4: "backup (4)",
                     5: "backup", 6: long_name, 7: "n" * 76 + " (2)"}
