"""Background jobs in real processes: the consumer threads inside ``forum serve`` (jobs in
SQLite), and Redis with ``forum worker`` processes beside a server that runs none."""

from __future__ import annotations

import datetime as dt
import email
import http.cookiejar
import os
import secrets
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from forum_core.api import enqueue
from forum_core.jobs import JobRecord
from tests.functional.test_cli import install_test_plugins
from tests.reliability.conftest import FORUM, write_ini

pytestmark = pytest.mark.slow
REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def wait_for(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def trace(forum) -> list[str]:
    log = Path(forum.settings["forum.data_dir"]) / "chores.log"
    return log.read_text().splitlines() if log.exists() else []


def outbox(forum) -> list[email.message.Message]:
    return forum.outbox()


def ask_for_a_password_reset(url: str, address: str) -> None:
    """The real form, with its CSRF token, as a browser sends it."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.open(f"{url}/password/forgot", timeout=30).read()
    token = next(cookie.value for cookie in jar if cookie.name == "forum_csrf")
    form = urllib.parse.urlencode({"email": address, "csrf_token": token}).encode()
    page = browser.open(f"{url}/password/forgot", form, timeout=30).read().decode()
    assert "If an account uses that address" in page


def left_behind(forum, word: str) -> None:
    """A job whose process was killed after the commit, before it handed the job over."""
    with forum.session() as session:
        job_id = enqueue(session, "chores.record", word=word)
        session.info.pop("forum.jobs_pending")
    with forum.session() as session:
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))


def test_forum_serve_runs_jobs_in_its_own_threads(plugin_forum, serve, tmp_path):
    forum = plugin_forum(plugins=["chores"])
    forum.create_user("mira")
    left_behind(forum, "before the restart")
    server = serve(forum, **install_test_plugins(tmp_path, "chores"))

    assert wait_for(lambda: "chores.record 1 before the restart" in trace(forum)), \
        "the job a killed process left behind runs when the forum starts"
    assert wait_for(lambda: "chores.every_minute 1 tick" in trace(forum)), "periodic jobs"
    ask_for_a_password_reset(server.url, "mira@example.com")
    assert wait_for(lambda: len(outbox(forum)) == 1), "the reset mail, sent by the server"
    assert "/password/reset/" in outbox(forum)[0].get_payload()
    assert wait_for(lambda: forum.jobs() == [])
    log = server.ini.with_suffix(f".{server.port}.log").read_text()
    assert "Running background jobs in 2 threads" in log


@pytest.fixture
def redis_queue() -> Iterator[dict[str, str]]:
    """Settings for a queue of its own in the test Redis database, emptied afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis must answer at {REDIS_URL} in CI: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    name = f"forum-test-{secrets.token_hex(6)}"
    yield {"forum.jobs_url": REDIS_URL, "forum.jobs_queue": name}
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)
    client.close()


def test_redis_queue_in_this_process(plugin_forum, redis_queue):
    forum = plugin_forum(plugins=["chores"], **redis_queue)
    assert not forum.runtime.queue.embedded
    with forum.session() as session:
        enqueue(session, "chores.flaky", until=2)
    assert forum.run_jobs() == 1
    (row,) = forum.jobs()
    assert (row.state, row.attempts) == ("queued", 1)
    assert len(forum.runtime.queue.huey.scheduled()) == 1, "the retry waits in Redis"
    forum.run_jobs(include_scheduled=True)
    assert [line.split()[:2] for line in trace(forum)] == [["chores.flaky", "1"],
                                                           ["chores.flaky", "2"]]
    assert forum.jobs() == []


def test_several_machines_share_redis_and_forum_workers(plugin_forum, serve, tmp_path,
                                                        redis_queue):
    forum = plugin_forum(plugins=["chores"], **redis_queue)
    forum.create_user("mira")
    left_behind(forum, "before the restart")
    plugins = install_test_plugins(tmp_path, "chores")
    server = serve(forum, **plugins)
    log = server.ini.with_suffix(f".{server.port}.log").read_text()
    assert f"Background jobs wait in {REDIS_URL} for 'forum worker'." in log
    ask_for_a_password_reset(server.url, "mira@example.com")
    time.sleep(1)
    assert outbox(forum) == [], "the server runs no jobs when they are kept in Redis"

    ini = write_ini(forum, tmp_path / "worker.ini")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update({"LANG": "C.UTF-8", "LANGUAGE": "", **plugins})
    with open(tmp_path / "worker.log", "wb") as out:
        workers = [subprocess.Popen([str(FORUM), "worker", "--config", str(ini)], env=env,
                                    stdout=out, stderr=subprocess.STDOUT) for _ in range(2)]
    try:
        # both started (a signal while Python still imports the forum ends it with a traceback)
        assert wait_for(lambda: (tmp_path / "worker.log").read_text().count(
            "Running jobs from") == 2), (tmp_path / "worker.log").read_text()
        assert wait_for(lambda: len(outbox(forum)) == 1), (tmp_path / "worker.log").read_text()
        assert wait_for(lambda: "chores.record 1 before the restart" in trace(forum))
        assert wait_for(lambda: "chores.every_minute 1 tick" in trace(forum))
        time.sleep(1)
        with forum.session() as session:
            minutes = set(session.scalars(select(JobRecord.run_key).where(
                JobRecord.name == "chores.every_minute")))
        assert trace(forum).count("chores.every_minute 1 tick") == len(minutes), \
            "two workers' schedulers, one run per scheduled minute"
        assert len(outbox(forum)) == 1 and trace(forum).count(
            "chores.record 1 before the restart") == 1, "each job ran once"
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.wait(timeout=30)
    assert [worker.returncode for worker in workers] == [0, 0]
