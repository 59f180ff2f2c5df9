"""What the owner reads when the forum cannot start, or starts with something to fix: one line
each, naming the setting or option to change, the right exit status, and no traceback.

Real ``forum`` subprocesses (``run_forum``): an unreachable database, a port in use, a
misspelt ``FORUM_*`` variable; and compiled catalogs, built at install time and never written
by a starting forum.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from forum_core.environment import CHECKOUT_DIR
from forum_core.i18n import CORE_LOCALE_DIR, check_compiled, render, uncompiled_catalogs
from forum_core.settings import CORE_SETTINGS, Setting, SettingsGroup, check_unknown_environ
from tests.reliability.conftest import free_port


def init(run_forum, *args: str) -> subprocess.CompletedProcess:
    done = run_forum("init", "--no-input", *args)
    assert done.returncode == 0, done.stderr
    return done


def one_line(done: subprocess.CompletedProcess) -> str:
    """The single line a failed command printed (on stderr), checked to be alone."""
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "sqlalche.me" not in output, output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# -- the database cannot be reached -----------------------------------------------------------


def test_an_unreachable_database_is_one_line_naming_the_setting(run_forum, tmp_path):
    port = free_port()  # nothing listens there: connections are refused
    url = f"postgresql://forum:s3cret@127.0.0.1:{port}/forum"
    refused = run_forum("init", "--no-input", "--database", url)
    assert not (tmp_path / "forum.ini").exists(), "init checks the database before writing"
    init(run_forum)  # a forum whose database then moves to the unreachable address
    moved = {"FORUM_DATABASE_URL": url}
    for done in (refused, run_forum("migrate", env=moved),
                 run_forum("serve", "--port", str(free_port()), env=moved),
                 run_forum("user", "list", env=moved)):
        line = one_line(done)
        # init refuses what it was asked to write (2, like any bad option); the others fail (1)
        assert done.returncode == (2 if done is refused else 1), done.stderr
        assert line.startswith(f"forum: Cannot reach the database at 127.0.0.1:{port}: "
                               "Connection refused."), line
        assert f"forum.database_url (postgresql://forum:***@127.0.0.1:{port}/forum)" in line
        assert "s3cret" not in done.stdout + done.stderr
        assert "Serving the forum" not in done.stdout


def test_the_database_url_from_the_environment_is_the_one_named(run_forum):
    init(run_forum)
    port = free_port()
    done = run_forum("migrate", env={
        "FORUM_DATABASE_URL": f"postgresql://forum:pw@127.0.0.1:{port}/forum"})
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in one_line(done)


# -- the port is in use ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_a_port_in_use_is_one_line_and_nothing_says_serving(run_forum, host):
    init(run_forum)
    with socket.socket() as taken:
        taken.bind((host, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_forum("serve", "--host", host, "--port", str(port))
    assert done.returncode == 2, done.stdout + done.stderr
    line = one_line(done)
    assert line.startswith(f"forum: port {port} on {host} is in use ([Errno 98]"), line
    assert line.endswith("stop the other server or choose --port")
    assert "Serving" not in done.stdout, "said only once the port is bound"
    assert "background jobs" not in done.stdout


# -- a misspelt FORUM_* variable -----------------------------------------------------------


def test_a_misspelt_environment_variable_is_named_with_the_closest_one(run_forum):
    init(run_forum)
    done = run_forum("migrate", env={"FORUM_SEARCH_BACKEN": "postgresql"})
    assert done.returncode == 0, done.stderr
    assert one_line(done) == (
        "forum: The environment variable FORUM_SEARCH_BACKEN is not a setting and is "
        "ignored; did you mean FORUM_SEARCH_BACKEND? ('forum settings' lists every "
        "variable.)")
    # forum serve loads the configuration twice (the command, then the app factory): still
    # one line
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run_forum("serve", "--host", "127.0.0.1", "--port",
                         str(taken.getsockname()[1]), env={"FORUM_SEARCH_BACKEN": "x"})
    assert done.returncode == 2
    assert done.stderr.count("FORUM_SEARCH_BACKEN ") == 1, done.stderr
    # known variables, the command line's own and the test suite's say nothing
    quiet = run_forum("migrate", env={"FORUM_SEARCH_BACKEND": "whoosh", "FORUM_DEBUG": "",
                                      "FORUM_TEST_SOMETHING": "1"})
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_unknown_variables_are_checked_against_every_enabled_part():
    plugin = SettingsGroup("wiki", [Setting("page_size", "int", 20, "Pages.")])
    environ = {"FORUM_WIKI_PAGE_SIZE": "5", "FORUM_WIKI_PAGESIZE": "5", "FORUM_CONFIG": "x",
               "FORUM_CHAT_ROOMS": "3", "FORUM_ZZZ": "1", "PATH": "/bin"}
    notices = [render(n) for n in check_unknown_environ(environ, [CORE_SETTINGS, plugin],
                                                        disabled_ids=["chat"])]
    assert len(notices) == 2, notices
    assert "FORUM_WIKI_PAGESIZE" in notices[0] and "FORUM_WIKI_PAGE_SIZE?" in notices[0]
    assert "FORUM_ZZZ is not a setting" in notices[1] and "did you mean" not in notices[1]


# -- compiled catalogs: built at install time, never by a starting forum ---------------------


def locale_dirs() -> list[Path]:
    return [CORE_LOCALE_DIR, *sorted(CHECKOUT_DIR.glob("plugins/*/forum_*/locale")),
            *sorted(CHECKOUT_DIR.glob("tests/plugin_packages/*/locale"))]


def test_compiled_catalogs_are_built_by_the_install_and_never_committed():
    for folder in locale_dirs():
        assert uncompiled_catalogs(folder) == [], f"{folder}: run 'make install'"
    tracked = subprocess.run(["git", "ls-files", "*.mo"], cwd=CHECKOUT_DIR,
                             capture_output=True, text=True, check=True).stdout
    assert tracked == ""
    assert "*.mo" in (CHECKOUT_DIR / ".gitignore").read_text().splitlines()


def snapshot(folders: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for folder in folders for path in folder.rglob("*")}


def test_a_starting_forum_writes_nothing_into_the_code_tree(make_forum):
    before = snapshot(locale_dirs())
    forum = make_forum(plugins=["groups", "ideas"])
    assert forum.app.get("/", headers={"Accept-Language": "nl"}).status_int == 200
    assert snapshot(locale_dirs()) == before


def test_a_catalog_that_was_not_compiled_falls_back_to_english_with_one_warning(
        tmp_path, caplog):
    folder = tmp_path / "locale"
    shutil.copytree(CORE_LOCALE_DIR, folder, ignore=shutil.ignore_patterns("*.mo"))
    with caplog.at_level(logging.WARNING, logger="forum_core.i18n"):
        assert check_compiled(folder) == ["nl", "ru"]
        assert check_compiled(folder) == ["nl", "ru"]
    (record,) = caplog.records
    assert "are not compiled" in record.getMessage() and "make install" in record.getMessage()
    assert not list(folder.rglob("*.mo")), "nothing is compiled at run time"


def test_make_install_compiles_a_catalog_whose_header_is_marked_fuzzy(tmp_path):
    """(pybabel compile skips such a catalog without a word; the ideas plugin's Dutch one
    has that mark.)"""
    source = CHECKOUT_DIR / "plugins/ideas/forum_ideas/locale/nl/LC_MESSAGES/forum.po"
    target = tmp_path / "nl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(source, target / "forum.po")
    done = subprocess.run(["make", "-s", str(target / "forum.mo"),
                           f"BIN={Path(sys.executable).parent}"], cwd=CHECKOUT_DIR,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MAKEFLAGS": ""})
    assert done.returncode == 0, done.stderr
    from babel.messages.mofile import read_mo

    with (target / "forum.mo").open("rb") as handle:
        catalog = read_mo(handle)
    assert sum(1 for message in catalog if message.id and message.string) > 10
