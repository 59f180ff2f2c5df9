"""The ``forum`` command, run as a real subprocess."""

from __future__ import annotations

import configparser
import sqlite3

import pytest

COMMANDS = [
    [], ["init"], ["serve"], ["migrate"], ["plugins"], ["settings"], ["hooks"],
    ["user"], ["user", "create"], ["user", "list"], ["user", "set-role"], ["user", "set-password"],
    ["plugin"], ["plugin", "new"], ["plugin", "revision"], ["category"], ["category", "create"],
    ["category", "list"], ["recook"], ["jobs"], ["jobs", "retry"], ["worker"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "forum")
def test_every_command_has_help(run_forum, command):
    result = run_forum(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: forum" in result.stdout


@pytest.mark.parametrize("args", [
    ["nosuchcommand"],
    ["serve", "--port", "notaport"],
    ["user", "set-role", "mira", "emperor"],
    ["init", "--bogus"],
    ["hooks", "--format", "pdf"],
])
def test_bad_arguments_give_one_clear_line(run_forum, args):
    result = run_forum(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("forum: ")
    assert "--help" in lines[0]


def test_missing_config_is_one_line(run_forum):
    result = run_forum("migrate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "forum: No configuration file at forum.ini. Run 'forum init' to create one, or pass "
        "--config PATH.")


def init(run_forum, *extra, env=None):
    result = run_forum("init", "--no-input", *extra, env=env)
    assert result.returncode == 0, result.stderr
    return result


def test_init_writes_config_migrates_and_creates_admin(run_forum, tmp_path):
    result = init(run_forum)
    assert "Wrote the configuration forum.ini." in result.stdout
    assert "Administrator: admin / password: " in result.stdout
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(tmp_path / "forum.ini")
    app = ini["app:main"]
    assert app["use"] == "egg:forum-core"
    assert len(app["forum.secret"]) >= 40
    assert ini["server:main"]["use"] == "egg:waitress#main"
    assert oct((tmp_path / "forum.ini").stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(tmp_path / "var" / "forum.sqlite") as db:
        assert db.execute("SELECT username, role FROM users").fetchall() == [("admin", "admin")]


def test_init_twice_destroys_nothing(run_forum, tmp_path):
    init(run_forum, "--demo")
    secret_before = (tmp_path / "forum.ini").read_text()
    db_path = tmp_path / "var" / "forum.sqlite"
    with sqlite3.connect(db_path) as db:
        users_before = db.execute("SELECT id, username, password_hash FROM users").fetchall()
    second = init(run_forum, "--demo")
    assert "Using the existing configuration forum.ini." in second.stdout
    assert "exists already; left unchanged" in second.stdout
    assert "Demo content exists already; left unchanged." in second.stdout
    assert "password:" not in second.stdout
    assert (tmp_path / "forum.ini").read_text() == secret_before
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT id, username, password_hash FROM users").fetchall() == \
            users_before


def test_init_admin_from_flags_and_environment(run_forum, tmp_path):
    init(run_forum, "--admin-username", "owner", env={
        "FORUM_ADMIN_EMAIL": "owner@example.org", "FORUM_ADMIN_PASSWORD": "a long password"})
    result = run_forum("user", "list")
    assert "owner" in result.stdout and "owner@example.org" in result.stdout
    login = run_forum("user", "set-password", "owner", "--password", "another long one")
    assert login.returncode == 0


def test_init_demo_creates_demo_members(run_forum, tmp_path):
    result = init(run_forum, "--demo")
    assert "demo members sign in with the password demo-password" in result.stdout
    listing = run_forum("user", "list").stdout
    for name in ("alice", "bob", "carol", "dmitri", "eva"):
        assert name in listing
    # the demo's posts have likes, counted as the forum counts them, none in the staff lounge
    with sqlite3.connect(tmp_path / "var" / "forum.sqlite") as db:
        counted = db.execute("SELECT p.id, p.like_count, count(l.user_id) FROM posts p "
                             "LEFT JOIN post_likes l ON l.post_id = p.id "
                             "GROUP BY p.id, p.like_count").fetchall()
        lounge = db.execute("SELECT count(*) FROM post_likes l JOIN posts p ON p.id = l.post_id "
                            "JOIN topics t ON t.id = p.topic_id JOIN categories c "
                            "ON c.id = t.category_id WHERE c.read_access = 'moderators'"
                            ).fetchone()[0]
    assert all(stored == actual for _id, stored, actual in counted)
    assert sum(actual for _id, _stored, actual in counted) == 15 and lounge == 0


def test_user_create_list_and_set_role(run_forum):
    init(run_forum)
    created = run_forum("user", "create", "mira", "--email", "mira@example.com",
                        "--password", "long enough pw")
    assert created.returncode == 0, created.stderr
    assert "Created mira (member)." in created.stdout
    assert run_forum("user", "set-role", "mira", "moderator").stdout.strip() == \
        "mira is now moderator."
    assert "moderator" in [line.split()[2] for line in run_forum("user", "list").stdout.splitlines()
                           if " mira " in line][0]


@pytest.mark.parametrize(("args", "message"), [
    (["user", "create", "x", "--email", "x@example.com", "--password", "long enough pw"],
     "A username has 3 to 30 characters"),
    (["user", "create", "mira", "--email", "nope", "--password", "long enough pw"],
     "Enter a valid e-mail address"),
    (["user", "create", "mira", "--email", "m@example.com", "--password", "short"],
     "A password has 8 to 1024 characters."),
    (["user", "create", "ADMIN", "--email", "m@example.com", "--password", "long enough pw"],
     "The username ADMIN is taken."),
    (["user", "set-role", "ghost", "admin"], "No member is called ghost."),
    (["user", "create", "mira", "--email", "m@example.com"],
     "Give --password or $FORUM_USER_PASSWORD when not on a terminal."),
])
def test_user_errors_are_one_line(run_forum, args, message):
    init(run_forum)
    result = run_forum(*args)
    assert result.returncode in (1, 2)
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr


def test_bad_config_stops_with_one_line(run_forum, tmp_path):
    init(run_forum)
    ini = tmp_path / "forum.ini"
    ini.write_text(ini.read_text().replace("forum.plugins =", "forum.plugins = nosuch"))
    for command in (["migrate"], ["serve"], ["user", "list"]):
        result = run_forum(*command)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1, result.stderr
        assert "Unknown plugin 'nosuch' in forum.plugins" in result.stderr


def test_paste_deploy_entry_point_exits_with_one_line(run_forum, tmp_path):
    """pserve / waitress-serve load main() directly; a bad config must not be a traceback."""
    import subprocess
    import sys

    init(run_forum)
    ini = tmp_path / "forum.ini"
    ini.write_text(ini.read_text().replace("forum.theme = default", "forum.theme = nosuch"))
    code = ("from pyramid.paster import get_app; import sys; get_app(sys.argv[1], 'main')")
    result = subprocess.run([sys.executable, "-c", code, str(ini)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("forum: Theme 'nosuch'")
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unmigrated_database(run_forum, tmp_path):
    init(run_forum)
    (tmp_path / "var" / "forum.sqlite").unlink()
    result = run_forum("serve", "--port", "6599")
    assert result.returncode == 2
    assert "The database needs migrating (core" in result.stderr  # and each enabled plugin
    assert "run 'forum migrate" in result.stderr
    assert run_forum("migrate").returncode == 0
    assert "The database is up to date." in run_forum("migrate").stdout


def test_serve_checks_migrations_without_keeping_alembic_in_memory(run_forum, tmp_path):
    """The check runs in a child process; the server's own process never imports Alembic
    (12 MB it would keep until it stops)."""
    import subprocess
    import sys

    init(run_forum)
    code = ("import sys; from pathlib import Path; "
            "from forum_core.cli import environment; "
            "from forum_core.cli.commands import _pending_migrations; "
            "path = Path(sys.argv[1]); "
            "print(_pending_migrations(path, environment(path)), 'alembic' in sys.modules)")
    ini = str(tmp_path / "forum.ini")
    up_to_date = subprocess.run([sys.executable, "-c", code, ini], capture_output=True,
                                text=True, cwd=tmp_path)
    assert up_to_date.stdout.split() == ["[]", "False"], up_to_date.stderr
    (tmp_path / "var" / "forum.sqlite").unlink()
    behind = subprocess.run([sys.executable, "-c", code, ini], capture_output=True, text=True,
                            cwd=tmp_path)
    assert behind.stdout.startswith("['core'") and behind.stdout.split()[-1] == "False"


def test_a_sqlite_forum_never_loads_the_postgresql_driver(run_forum, tmp_path):
    """psycopg costs 9 MB that a SQLite forum's server would keep; the app answers pages,
    a search and a sign-in form without it (zope.sqlalchemy used to import it)."""
    import subprocess
    import sys

    init(run_forum)
    code = ("import sys; from pyramid.paster import get_app; from webtest import TestApp; "
            "app = TestApp(get_app(sys.argv[1], 'main')); "
            "codes = [app.get(p).status_int for p in ('/', '/search?q=welcome', '/login')]; "
            "print(codes, 'psycopg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "forum.ini")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout.split("]")[-1].split() == ["False"], result.stderr
    assert result.stdout.startswith("[200, 200, 200]")


def test_settings_lists_type_default_help_and_env(run_forum):
    init(run_forum)
    out = run_forum("settings").stdout
    assert "forum.plugins (list, default: '')" in out
    assert "forum.session_days (int, default: 30)" in out
    assert "env: FORUM_SESSION_DAYS" in out
    assert "Days a sign-in stays valid." in out
    assert "forum.secret" in out and "current: '***'" in out


def test_hooks_prints_every_hook(run_forum):
    from forum_core.hookdoc import hook_docs

    out = run_forum("hooks").stdout
    for hook in hook_docs():
        assert hook.signature in out


def install_test_plugins(tmp_path, *ids):
    """Install test plugins the way pip does (dist-info with entry points), for subprocesses."""
    from tests.conftest import PLUGIN_PACKAGES

    site = tmp_path / "site"
    for plugin_id in ids:
        dist = site / f"forum_{plugin_id}-0.{len(plugin_id)}.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: forum-{plugin_id}\nVersion: 0.{len(plugin_id)}\n"
            f"Summary: The {plugin_id} test plugin.\n")
        (dist / "entry_points.txt").write_text(
            f"[forum.plugins]\n{plugin_id} = forum_{plugin_id}\n")
    return {"PYTHONPATH": f"{site}:{PLUGIN_PACKAGES}"}


def test_plugins_lists_installed_and_enabled(run_forum, tmp_path):
    env = install_test_plugins(tmp_path, "alpha", "beta")
    result = run_forum("init", "--no-input", "--plugins", "beta alpha", env=env)
    assert result.returncode == 0, result.stderr
    assert "Migrating alpha..." in result.stdout
    lines = run_forum("plugins", env=env).stdout.splitlines()
    # (in alphabetical order, among the bundled plugins installed in the environment)
    alpha = next(n for n, line in enumerate(lines) if line.startswith("alpha "))
    beta = next(n for n, line in enumerate(lines) if line.startswith("beta "))
    assert alpha < beta
    assert lines[alpha].split()[:3] == ["alpha", "0.5", "enabled"]
    assert "Alpha test plugin." in lines[alpha]
    assert lines[beta].split()[:3] == ["beta", "0.4", "enabled"]
    assert lines[beta + 1].strip() == "requires: alpha"
    assert "Enable a plugin by adding its id to forum.plugins" in lines[-1]


def test_plugins_shows_installed_but_disabled_from_metadata(run_forum, tmp_path):
    env = install_test_plugins(tmp_path, "alpha", "badimport")
    init(run_forum, "--plugins", "alpha", env=env)
    lines = run_forum("plugins", env=env).stdout.splitlines()
    (line,) = [line for line in lines if line.startswith("badimport ")]
    assert line.split()[:3] == ["badimport", "0.9", "installed"]
    assert "The badimport test plugin." in line, "described without importing it"


def test_plugin_start_up_error_through_the_cli(run_forum, tmp_path):
    env = install_test_plugins(tmp_path, "alpha", "beta")
    init(run_forum, "--plugins", "alpha", env=env)
    ini = tmp_path / "forum.ini"
    ini.write_text(ini.read_text().replace("forum.plugins = alpha", "forum.plugins = beta"))
    result = run_forum("serve", env=env)
    assert result.returncode == 2
    assert result.stderr == ("forum: Plugin 'beta' requires plugin 'alpha', which is installed "
                             "but not enabled: add 'alpha' to forum.plugins.\n")


def test_messages_follow_the_terminal_language(run_forum):
    result = run_forum("migrate", env={"LANG": "nl_NL.UTF-8"})
    assert result.returncode == 2
    assert "Er is geen configuratiebestand" in result.stderr


def test_serve_lets_its_threads_share_two_malloc_arenas_on_glibc():
    """(Fewer arenas: a lower peak RSS with 8 threads; elsewhere there is nothing to set.)
    Asked in a child process: the test run's own allocator stays as it was."""
    import platform
    import subprocess
    import sys

    code = ("from forum_core.cli.commands import limit_malloc_arenas; "
            "print(limit_malloc_arenas())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == [str(platform.libc_ver()[0] == "glibc")], done.stderr


def test_serve_answers_http_and_uses_the_server_section(run_forum, tmp_path):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    init(run_forum)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ini = tmp_path / "forum.ini"
    ini.write_text(ini.read_text().replace("listen = localhost:6543", f"listen = 127.0.0.1:{port}"))
    forum_bin = str(__import__("pathlib").Path(sys.executable).with_name("forum"))
    server = subprocess.Popen([forum_bin, "serve"], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200
                    assert "<h1>Community forum</h1>" in response.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer in 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"Serving the forum on http://127.0.0.1:{port}/" in output


def test_categories_from_the_command_line(run_forum):
    init(run_forum)
    created = run_forum("category", "create", "Partner lounge", "--description", "For partners.",
                        "--read", "members", "--start", "moderators", "--colour", "teal",
                        "--icon", "users")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Created the category Partner lounge at /c/partner-lounge."
    sub = run_forum("category", "create", "Deals", "--parent", "partner-lounge")
    assert sub.returncode == 0, sub.stderr
    listing = run_forum("category", "list").stdout.splitlines()
    assert listing[0].split()[:3] == ["/c/partner-lounge", "Partner", "lounge"]
    assert "read: members" in listing[0] and "start: moderators" in listing[0]
    assert listing[1].endswith("(in partner-lounge)")
    again = run_forum("category", "create", "Partner lounge")
    assert again.returncode == 1
    assert again.stderr.strip() == ("forum: A category with the address partner-lounge exists "
                                    "already.")
    missing = run_forum("category", "create", "X", "--parent", "nope")
    assert "No category has the address nope." in missing.stderr
    odd = run_forum("category", "create", "Y", "--colour", "#ff0000")
    assert odd.returncode == 2 and "'#ff0000' is not one of" in odd.stderr


def test_recook_renders_every_post_again(run_forum, tmp_path):
    init(run_forum, "--demo")
    db = sqlite3.connect(tmp_path / "var" / "forum.sqlite")
    with db:
        db.execute("UPDATE posts SET html = 'stale'")
        total = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    result = run_forum("recook")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"Rendered {total} posts again: {total} changed, 0 kept as "
                                     "they were.")
    with db:
        assert db.execute("SELECT count(*) FROM posts WHERE html = 'stale'").fetchone()[0] == 0
        code = db.execute("SELECT html FROM posts WHERE source LIKE '%```python%'").fetchone()[0]
    assert '<div class="highlight">' in code
    welcome = db.execute("SELECT html FROM posts WHERE source LIKE '%@alice%'").fetchone()[0]
    assert '<a class="mention" href="/u/alice">@alice</a>' in welcome
    assert run_forum("recook").stdout.strip().endswith(": 0 changed, 0 kept as they were.")
