"""Migrations: core plus one branch per plugin, on empty databases and on databases with data.

The same tests run on SQLite and, with FORUM_TEST_POSTGRES_URL set, on PostgreSQL.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from forum_core.accounts.models import User
from forum_core.environment import load_environment
from forum_core.migrations import (
    alembic_config,
    branches,
    current_revisions,
    head_revisions,
    pending,
    upgrade,
)
from tests.conftest import plugin_entry_points

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def env_with(forum, plugins):
    settings = {**forum.settings, "forum.plugins": " ".join(plugins)}
    return load_environment(settings, environ={}, entry_points=plugin_entry_points())


def tables(forum):
    return set(inspect(forum.engine).get_table_names())


@pytest.mark.parametrize("postgres", BACKENDS)
def test_upgrade_an_empty_database(plugin_forum, postgres):
    forum = plugin_forum(plugins=["alpha"], postgres=postgres, migrate=False)
    assert tables(forum) == set()
    assert pending(forum.engine, forum.env) == ["core", "alpha"]
    assert upgrade(forum.engine, forum.env) == ["core", "alpha"]
    assert {"users", "auth_sessions", "alpha_items", "alembic_version",
            "alembic_version_alpha"} <= tables(forum)
    assert current_revisions(forum.engine, forum.env) == head_revisions(forum.env)
    assert upgrade(forum.engine, forum.env) == [], "a second run changes nothing"


@pytest.mark.parametrize("postgres", BACKENDS)
def test_enable_migrate_disable_reenable_keeps_all_data(plugin_forum, postgres):
    forum = plugin_forum(plugins=[], postgres=postgres)
    forum.create_user("mira")
    assert "alpha_items" not in tables(forum), "a disabled plugin's tables are never created"

    # enable alpha later: its tables appear, core data is untouched
    with_alpha = env_with(forum, ["alpha"])
    assert upgrade(forum.engine, with_alpha) == ["alpha"]
    assert "alpha_items" in tables(forum)
    with forum.engine.begin() as conn:
        conn.execute(text("INSERT INTO alpha_items (name, note) VALUES ('kept', 'n')"))

    # disable it: migrating leaves its tables and data for later
    without = env_with(forum, [])
    assert upgrade(forum.engine, without) == []
    assert "alpha_items" in tables(forum)

    # re-enable: nothing to do, everything still there
    assert upgrade(forum.engine, with_alpha) == []
    with forum.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM alpha_items")).scalars().all() == ["kept"]
    with forum.session() as session:
        assert session.scalars(select(User.username)).all() == ["mira"]


@pytest.mark.parametrize("postgres", BACKENDS)
def test_new_plugin_revision_upgrades_a_table_with_rows(plugin_forum, postgres):
    forum = plugin_forum(plugins=["alpha"], postgres=postgres, migrate=False)
    upgrade(forum.engine, env_with(forum, []))  # the core only
    alpha = next(b for b in branches(forum.env) if b.name == "alpha")
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(alpha, conn), "alpha_0001")
        conn.execute(text("INSERT INTO alpha_items (name) VALUES ('one'), ('two')"))
    assert current_revisions(forum.engine, forum.env)["alpha"] == "alpha_0001"

    assert upgrade(forum.engine, forum.env) == ["alpha"]
    with forum.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, note FROM alpha_items ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("one", ""), ("two", "")]


@pytest.mark.parametrize("postgres", BACKENDS)
def test_app_runs_on_the_migrated_database(plugin_forum, postgres):
    forum = plugin_forum(plugins=["alpha"], postgres=postgres)
    forum.create_user("mira")
    assert "items: 0" in forum.app.get("/alpha/").text
    assert forum.login("mira").html.find(class_="nav-user").text == "mira"


def test_branches_follow_plugin_dependency_order(plugin_forum):
    forum = plugin_forum(plugins=["beta", "alpha"], migrate=False)
    # beta has no migrations folder, so only core and alpha are branches
    assert [b.name for b in branches(forum.env)] == ["core", "alpha"]
    assert [b.version_table for b in branches(forum.env)] == [
        "alembic_version", "alembic_version_alpha"]


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(forum):
    with forum.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@pytest.mark.parametrize("postgres", BACKENDS)
def test_core_models_match_the_migrations(make_forum, postgres):
    """Autogenerate finds nothing to do: the models and the migrations describe one schema."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from forum_core.db import Base

    forum = make_forum(postgres=postgres)
    core_tables = {mapper.local_table.name for mapper in Base.registry.mappers
                   if mapper.class_.__module__.startswith("forum_core.")}
    assert {"users", "topics", "posts"} <= core_tables

    from forum_core.search.models import UNMODELLED_COLUMNS, UNMODELLED_INDEXES

    def core_only(obj, name, type_, reflected, compare_to):
        if type_ == "index":
            return name not in UNMODELLED_INDEXES
        if type_ == "column":
            return (obj.table.name, name) not in UNMODELLED_COLUMNS
        return type_ != "table" or name in core_tables

    with forum.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(conn, opts={"include_object": core_only,
                                                         "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []



@pytest.mark.parametrize("postgres", BACKENDS)
def test_core_upgrades_a_database_that_has_members(make_forum, postgres):
    """A forum made with the first release keeps its members through every later revision."""
    forum = make_forum(postgres=postgres, migrate=False)
    core = branches(forum.env)[0]
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(core, conn), "core_0001")
        conn.execute(text(
            "INSERT INTO users (username, email, password_hash, role, display_name, is_demo, "
            "created_at) VALUES ('early', 'early@example.com', 'x', 'admin', 'Early Bird', "
            ":false, :now)"), {"false": False, "now": "2026-01-01 00:00:00"})
    assert upgrade(forum.engine, forum.env) == ["core"]
    with forum.session() as session:
        early = session.scalar(select(User).where(User.username == "early"))
        assert (early.display_name, early.role, early.status, early.bio) == (
            "Early Bird", "admin", "active", "")
    assert current_revisions(forum.engine, forum.env)["core"] == head_revisions(forum.env)["core"]


def test_sqlite_statistics_cover_the_indexes_a_migration_adds(make_forum):
    """Once ANALYZE has run, SQLite plans with its statistics; an index added later without
    them looked cheap and was chosen over the right one (a feed query went from 0.3 to 20 ms)."""
    forum = make_forum(migrate=False)
    core = branches(forum.env)[0]
    with forum.engine.begin() as conn:
        command.upgrade(alembic_config(core, conn), "core_0010")
        now = "2026-01-01 00:00:00"
        conn.exec_driver_sql(
            "INSERT INTO users (id, username, email, password_hash, role, display_name, "
            "is_demo, created_at) VALUES (1, 'early', 'early@example.com', 'x', 'member', "
            f"'Early', 0, '{now}')")
        conn.exec_driver_sql(
            "INSERT INTO categories (id, slug, name, description, position, read_access, "
            "topic_access, reply_access, topic_count, post_count, created_at) VALUES "
            f"(1, 'general', 'General', '', 1, 'everyone', 'members', 'members', 1, 0, '{now}')")
        conn.exec_driver_sql(
            "INSERT INTO topics (category_id, user_id, title, slug, created_at, last_post_at, "
            "post_number_seq, reply_count, is_pinned, is_locked, is_closed, is_deleted) "
            f"VALUES (1, 1, 'Hello', 'hello', '{now}', '{now}', 0, 0, 0, 0, 0, 0)")
        conn.exec_driver_sql("ANALYZE")
    assert upgrade(forum.engine, forum.env) == ["core"]
    with forum.engine.connect() as conn:
        analyzed = {row[0] for row in conn.exec_driver_sql("SELECT idx FROM sqlite_stat1")}
    assert {"ix_topics_created", "ix_topics_category_created"} <= analyzed
