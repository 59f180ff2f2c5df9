"""A data folder the forum cannot write to: the forum refuses to start on one, and when the
folder stops taking files while it runs, members are told that nothing was sent or saved
(never that it was), search says it is not available while posting goes on, and the log has
one line saying what to do.

Writes really fail in these tests. File modes do not stop root (tests may run as root), so a
folder is broken by putting a regular file in its place: every write under it then fails with
ENOTDIR, for root too. For other users the start-up check is also tried on a folder made
read-only with chmod.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from webtest import Upload

from forum_core.errors import StartupError
from tests.functional.test_accounts import _picture
from tests.functional.test_discussions import topic_path

NOT_SENT = "The e-mail could not be sent"


@contextmanager
def broken(folder: Path) -> Iterator[Path]:
    """``folder`` takes no files while the block runs (a regular file stands in its place);
    it is put back as it was afterwards."""
    moved = folder.with_name(folder.name + ".away")
    folder.mkdir(parents=True, exist_ok=True)
    folder.rename(moved)
    folder.write_text("not a folder")
    with pytest.raises(OSError):
        (folder / "probe").write_text("")  # writes really fail
    try:
        yield folder
    finally:
        folder.unlink()
        moved.rename(folder)


def unwritable_folders(tmp_path: Path) -> list[tuple[str, Path]]:
    under_a_file = tmp_path / "a-file"
    under_a_file.write_text("")
    folders = [("under a regular file", under_a_file / "data")]
    if os.geteuid() != 0:  # root writes whatever the mode says
        read_only = tmp_path / "read-only"
        read_only.mkdir()
        read_only.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
        folders.append(("read-only (0o500)", read_only / "data"))
        read_only_itself = tmp_path / "read-only-itself"
        read_only_itself.mkdir(mode=0o500)
        folders.append(("read-only itself", read_only_itself))
    return folders


def test_the_forum_refuses_to_start_on_a_folder_it_cannot_write(make_forum, tmp_path):
    for label, folder in unwritable_folders(tmp_path):
        forum = make_forum(**{"forum.data_dir": str(folder)})
        with pytest.raises(StartupError) as refused:
            forum.app  # noqa: B018  (building the app checks the folder)
        message = str(refused.value)
        assert message.startswith("forum.data_dir: cannot write to "), label
        assert str(folder) in message or str(folder.parent) in message, label
        assert "[Errno" in message and "\n" not in message, label


def test_forum_serve_refuses_to_start_in_one_line(make_forum, run_forum, tmp_path):
    from tests.reliability.conftest import free_port, write_ini

    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "data"
    forum = make_forum(**{"forum.data_dir": str(folder)})
    ini = write_ini(forum, tmp_path / "forum.ini")
    done = run_forum("serve", "--config", str(ini), "--port", str(free_port()))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"forum: forum.data_dir: cannot write to {folder} ([Errno 20]")
    assert "Traceback" not in done.stdout + done.stderr
    assert "Serving the forum" not in done.stdout


def test_a_password_reset_is_never_said_to_be_sent_when_it_cannot_be(forum, caplog):
    forum.create_user("mira")
    data = Path(forum.settings["forum.data_dir"])
    form = forum.app.get("/password/forgot").forms["forgot-form"]
    with broken(data), caplog.at_level(logging.ERROR):
        for address in ("mira@example.com", "nobody@example.com"):  # the same answer
            form["email"] = address
            page = form.submit(status=503)
            assert NOT_SENT in page.text and "nothing was sent" in page.text
            assert "If an account uses that address" not in page.text
            assert page.headers["Retry-After"] and page.headers["Cache-Control"] == "no-store"
    logged = [r for r in caplog.records if r.name == "forum_core.datadir"]
    assert logged and all(not r.exc_info for r in logged)
    assert "[Errno 20] Not a directory" in logged[0].getMessage()
    assert str(data) in logged[0].getMessage()
    # nothing was queued, and no link made
    assert forum.jobs() == [] and forum.run_jobs() == 0 and forum.outbox() == []
    # once the folder takes files again, the same form works
    form["email"] = "mira@example.com"
    assert "If an account uses that address" in form.submit().text
    assert forum.run_jobs() == 1
    assert [m["To"] for m in forum.outbox()] == ["mira@example.com"]


def test_only_the_outbox_folder_away_is_noticed_too(forum):
    forum.create_user("mira")
    outbox = Path(forum.settings["forum.data_dir"]) / "outbox"
    form = forum.app.get("/password/forgot").forms["forgot-form"]
    form["email"] = "mira@example.com"
    with broken(outbox):
        assert NOT_SENT in form.submit(status=503).text
    assert forum.jobs() == []


def test_an_avatar_that_cannot_be_stored_is_a_clear_error(forum, caplog):
    forum.create_user("mira")
    forum.login("mira")
    avatars = Path(forum.settings["forum.data_dir"]) / "avatars"
    form = forum.app.get("/account").forms["avatar-form"]
    form["avatar"] = Upload("me.png", _picture("PNG"), "image/png")
    with broken(avatars), caplog.at_level(logging.ERROR):
        page = form.submit(status=503)
    assert "Your picture was not saved" in page.text
    assert "Your profile is unchanged" in page.text
    assert page.html.find(class_="nav-user").text == "mira"  # the forum itself works
    assert forum.app.get("/u/mira").html.find("svg", class_="avatar") is not None
    (line,) = [r for r in caplog.records if r.name == "forum_core.accounts.avatars"]
    assert "cannot save an avatar" in line.getMessage() and not line.exc_info
    # and once it can
    form = forum.app.get("/account").forms["avatar-form"]
    form["avatar"] = Upload("me.png", _picture("PNG"), "image/png")
    assert "Your picture was saved." in form.submit().text


@pytest.fixture
def board(make_forum):
    forum = make_forum(**{"forum.search_backend": "whoosh"})
    forum.create_user("mira")
    forum.create_category("General")
    return forum


def titles(page) -> list[str]:
    return [a.text for a in page.html.select(".search-results h2 a, .search-results h3 a")]


def test_search_is_unavailable_while_posting_goes_on(board, caplog, tmp_path):
    topic = board.create_topic("mira", "general", "Lighthouse keeper", "The lamp turns.")
    page = board.app.get("/search", params={"q": "lamp"})
    assert "Lighthouse keeper" in page.text
    board.login("mira")
    index_dir = Path(board.settings["forum.data_dir"]) / "search"
    with broken(index_dir), caplog.at_level(logging.INFO):
        page = board.app.get("/search", params={"q": "lamp"}, status=503,
                             headers={"Accept-Language": "nl"})
        assert "Zoeken is op dit moment niet beschikbaar" in page.text  # translated
        assert '<html lang="nl">' in page.text
        assert page.html.select_one("#search-form") is not None  # to try again later
        assert page.headers["Retry-After"] and page.headers["Cache-Control"] == "no-store"
        problem = board.app.get("/api/v1/search", params={"q": "lamp"}, status=503)
        assert problem.content_type == "application/problem+json"
        assert problem.json["status"] == 503
        # a member still replies; the index misses it, and the log says what to do
        reply = board.app.get(topic_path(board, topic)).forms["reply-form"]
        reply["body"] = "The lamp needs a new wick."
        assert "a new wick" in reply.submit().follow().text
        board.app.app.registry["forum.search_index"].settle()
    records = [r for r in caplog.records if r.name.startswith("forum_core.search")]
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records]
    messages = " | ".join(r.getMessage() for r in records)
    assert "searches answer 503" in messages
    assert re.search(r"could not update the search index for \d+ documents .*'forum reindex'",
                     messages), messages

    # back: 'forum reindex' catches the index up
    ini = tmp_path / "forum.ini"
    ini.write_text("[app:main]\nuse = egg:forum-core\n" + "\n".join(
        f"{key} = {value}" for key, value in board.settings.items()) + "\n")
    from forum_core.cli import cli

    result = CliRunner().invoke(cli, ["reindex", "--config", str(ini)])
    assert result.exit_code == 0, result.output
    page = board.app.get("/search", params={"q": "wick"})
    assert "Lighthouse keeper" in page.text
