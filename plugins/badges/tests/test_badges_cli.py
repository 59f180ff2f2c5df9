"""``forum badges backfill``, the real command in a subprocess, on a demo forum: it awards
what the members earned, shows a progress bar, waits out another process that holds the
database's write lock longer than SQLite's busy timeout, and awards nothing a second
time."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

FORUM = Path(sys.executable).with_name("forum")


def environment(cwd: Path) -> dict[str, str]:
    env = {**os.environ, "FORUM_CONFIG": str(cwd / "forum.ini"), "LANG": "C.UTF-8"}
    env.pop("LANGUAGE", None)
    return env


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(FORUM), *argv], cwd=cwd, env=environment(cwd),
                          capture_output=True, text=True, timeout=600)


def backfill_beside_a_writer(path: Path, cwd: Path) -> tuple[int, str, str]:
    """``forum badges backfill --batch 3`` while another process's connection holds the
    database's write lock from before the command starts until the command says it is
    waiting (its first write outwaited SQLite's 5 s busy timeout); its exit code, output
    and errors."""
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    err_path = cwd / "backfill.err"
    with open(err_path, "w") as err:
        process = subprocess.Popen([str(FORUM), "badges", "backfill", "--batch", "3"],
                                   cwd=cwd, env=environment(cwd), stdout=subprocess.PIPE,
                                   stderr=err, text=True)

        def hold() -> None:
            deadline = time.monotonic() + 120
            while "The database is busy; trying again in 0.5 s." not in err_path.read_text():
                if time.monotonic() > deadline or process.poll() is not None:
                    break
                time.sleep(0.1)
            writer.execute("COMMIT")

        holder = threading.Thread(target=hold)
        holder.start()
        out, _ = process.communicate(timeout=600)
        holder.join()
    writer.close()
    return process.returncode, out, err_path.read_text()


def test_backfill_awards_history_once_with_a_progress_bar(tmp_path):
    made = run("init", "--demo", "--plugins", "badges", "--no-input",
               "--admin-password", "a-long-password-1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    (path,) = [p for p in tmp_path.rglob("*.sqlite") if p.name != "jobs.sqlite"]
    database = sqlite3.connect(path)
    with database:
        held = database.execute("SELECT count(*) FROM badges_awards "
                                "WHERE granted_by_id IS NULL").fetchone()[0]
        assert held > 0, "the demo awards what its members did"
        # as on a forum that had no badges plugin: nothing awarded, no points (the badge the
        # demo gave by hand is not the backfill's to give)
        database.execute("DELETE FROM badges_awards")
        database.execute("DELETE FROM badges_points")
        database.execute("UPDATE badges_badges SET award_count = 0")
    members = database.execute("SELECT count(*) FROM users").fetchone()[0]
    code, out, err = backfill_beside_a_writer(path, tmp_path)
    assert code == 0, err
    assert "The database is busy; trying again in 0.5 s." in err, "it waited its turn"
    assert "Re-checking members" in err, "a progress bar"
    assert f"Re-checked {members} members; {held} badges awarded." in out
    again = run("badges", "backfill", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"Re-checked {members} members; 0 badges awarded." in again.stdout
    with database:
        assert database.execute("SELECT count(*) FROM badges_awards").fetchone()[0] == held
        counted = database.execute("SELECT sum(award_count) FROM badges_badges").fetchone()[0]
        assert counted == held
        totals = database.execute("SELECT sum(total) FROM badges_totals").fetchone()[0]
        entries = database.execute("SELECT sum(points) FROM badges_points").fetchone()[0]
        assert totals == entries and totals > 0
    database.close()


def test_backfill_says_what_is_wrong_without_a_forum(tmp_path):
    missing = run("badges", "backfill", cwd=tmp_path)
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
