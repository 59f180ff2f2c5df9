"""``forum jobs``, ``forum jobs retry`` and ``forum worker``, run as real subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forum_core.api import enqueue
from forum_core.cli import read_ini
from forum_core.environment import load_environment
from forum_core.worker import open_runtime
from tests.conftest import plugin_entry_points
from tests.functional.test_cli import install_test_plugins

FORUM = Path(sys.executable).with_name("forum")


@pytest.fixture
def chores_forum(run_forum, tmp_path):
    """A forum made by ``forum init`` with the chores plugin, and its runtime in this process."""
    env = install_test_plugins(tmp_path, "chores")
    result = run_forum("init", "--no-input", "--plugins", "chores", env=env)
    assert result.returncode == 0, result.stderr
    runtime = open_runtime(load_environment(read_ini(tmp_path / "forum.ini"), environ={},
                                            entry_points=plugin_entry_points()))
    yield runtime, env
    runtime.close()


def trace(tmp_path: Path) -> list[str]:
    log = tmp_path / "var" / "chores.log"
    return log.read_text().splitlines() if log.exists() else []


def test_jobs_lists_failed_and_queued_jobs_and_retries_them(run_forum, tmp_path, chores_forum):
    runtime, env = chores_forum
    with runtime.session() as session:
        broken = enqueue(session, "chores.broken")
    runtime.queue.run_queued(include_scheduled=True)
    with runtime.session() as session:
        waiting = enqueue(session, "chores.record", word="Grüße aus dem Job")

    listing = run_forum("jobs", env=env)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:6] == [str(broken), "failed", "chores", "chores.broken", "3/3",
                                    lines[0].split()[5]]
    assert lines[1].strip() == "last error: ValueError: this never works"
    assert lines[2].split()[:5] == [str(waiting), "queued", "chores", "chores.record", "0/1"]
    assert lines[2].endswith('word="Grüße aus dem Job"')
    assert "Periodic jobs (crontab, UTC):" in listing.stdout
    assert "chores.nightly               30 3 * * *" in listing.stdout
    assert f"Jobs are kept in {tmp_path}/var/jobs.sqlite." in listing.stdout

    for args, code, message in [
        (("jobs", "retry", "999"), 1, "forum: No job has the id 999; 'forum jobs' lists them."),
        (("jobs", "retry"), 2, "forum: Name the ids of the jobs to retry, or give "
                               "--all-failed. (see 'forum jobs retry --help')"),
        (("jobs", "retry", "x"), 2, None),
    ]:
        failed = run_forum(*args, env=env)
        assert failed.returncode == code
        assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
        if message:
            assert failed.stderr.strip() == message

    retried = run_forum("jobs", "retry", "--all-failed", env=env)
    assert retried.stdout.strip() == f"Queued job {broken} (chores.broken) again."
    again = run_forum("jobs", env=env).stdout.splitlines()
    assert [str(broken), "queued", "chores", "chores.broken", "0/3"] in [
        line.split()[:5] for line in again]
    assert "failed" not in [line.split()[1] for line in again if line.split()[0].isdigit()]
    # what the command queued, a worker runs
    runtime.queue.run_queued()
    assert "chores.broken 1 " in trace(tmp_path)
    assert "chores.record 1 Grüße aus dem Job" in trace(tmp_path)


def test_jobs_says_when_there_is_nothing(run_forum):
    result = run_forum("init", "--no-input")
    assert result.returncode == 0, result.stderr
    listing = run_forum("jobs")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[0] == \
        "No jobs are queued, scheduled, running or failed."


def test_worker_runs_jobs_and_periodic_jobs_until_interrupted(tmp_path, chores_forum):
    runtime, env = chores_forum
    with runtime.session() as session:
        enqueue(session, "chores.record", word="from the worker")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    full_env.update({"LANG": "C.UTF-8", "LANGUAGE": "", **env})
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([str(FORUM), "worker", "--threads", "1"], cwd=tmp_path,
                                  env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
                "chores.record 1 from the worker" in trace(tmp_path)
                and "chores.every_minute 1 tick" in trace(tmp_path)):
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    output = (tmp_path / "worker.log").read_text()
    assert "chores.record 1 from the worker" in trace(tmp_path), output
    assert "chores.every_minute 1 tick" in trace(tmp_path), "periodic jobs run at start"
    assert f"Running jobs from {tmp_path}/var/jobs.sqlite with 1 threads" in output
    assert worker.returncode == 0, output
    assert "Traceback" not in output
