"""Background jobs on the real queue (huey on SQLite in the forum's data folder) and the real
ledger: after commit only, replayed after a crash, retried with backoff, failures recorded
with the plugin's id, periodic jobs once per scheduled minute, and checked declarations."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import select, update

from forum_core.api import Category, Job, enqueue
from forum_core.errors import StartupError
from forum_core.jobs import JobRecord, declared_jobs
from forum_core.worker import open_runtime, replay

CHORES = ["chores"]


@pytest.fixture(params=[pytest.param(False, id="sqlite"),
                        pytest.param(True, id="postgresql", marks=pytest.mark.postgres)])
def chores(plugin_forum, request):
    """A forum with the chores plugin, on SQLite and on PostgreSQL."""
    return plugin_forum(plugins=CHORES, postgres=request.param)


def trace(forum) -> list[str]:
    """What the chores plugin's jobs did, one line per run: ``<job> <attempt> <word>``."""
    log = Path(forum.settings["forum.data_dir"]) / "chores.log"
    return log.read_text().splitlines() if log.exists() else []


def ledger(forum) -> list[JobRecord]:
    with forum.session() as session:
        rows = list(session.scalars(select(JobRecord).order_by(JobRecord.id)))
        session.expunge_all()
        return rows


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_job_runs_after_its_transaction_commits_and_never_after_a_rollback(chores):
    with pytest.raises(RuntimeError), chores.session() as session:
        enqueue(session, "chores.record", word="rolled back")
        raise RuntimeError("the change fails after asking for the job")
    assert ledger(chores) == []
    assert chores.run_jobs() == 0 and trace(chores) == []

    with chores.session() as session:
        job_id = enqueue(session, "chores.record", word="committed")
        assert trace(chores) == [], "nothing runs before the commit"
    (row,) = chores.jobs()
    assert (row.id, row.name, row.state, row.plugin_id) == (job_id, "chores.record", "queued",
                                                           "chores")
    assert trace(chores) == [], "nothing runs before a worker takes it"
    assert chores.run_jobs() == 1
    assert trace(chores) == ["chores.record 1 committed"]
    assert ledger(chores) == [], "a job that succeeded leaves the ledger with its own commit"
    assert chores.run_jobs() == 0


def test_enqueue_refuses_what_cannot_run(chores):
    with chores.session() as session:
        with pytest.raises(LookupError, match="chores.nothing"):
            enqueue(session, "chores.nothing")
        with pytest.raises(TypeError, match="JSON"):
            enqueue(session, "chores.record", word=object())
    assert ledger(chores) == []


def test_a_job_writes_in_its_own_session_and_asks_for_more_jobs(chores):
    with chores.session() as session:
        enqueue(session, "chores.add_category", name="Made by a job")
    assert chores.run_jobs() == 2, "the job and the follow-up it queued"
    assert trace(chores) == ["chores.add_category 1 Made by a job",
                             "chores.record 1 made Made by a job"]
    with chores.session() as session:
        assert session.scalar(select(Category.name).where(
            Category.slug == "made-by-a-job")) == "Made by a job"
    assert ledger(chores) == []


def crash_after_commit(forum, name: str, **arguments) -> int:
    """A job committed by a process killed before it handed the job to huey."""
    with forum.session() as session:
        job_id = enqueue(session, name, **arguments)
        session.info.pop("forum.jobs_pending")  # the hand-over after the commit never happens
    return job_id


def test_a_job_left_behind_by_a_killed_process_runs_when_the_forum_starts(chores):
    job_id = crash_after_commit(chores, "chores.record", word="left behind")
    assert chores.run_jobs() == 0, "huey never got it"
    assert [row.state for row in ledger(chores)] == ["pending"]
    # a new process right away leaves a fresh row to the process that wrote it...
    fresh = open_runtime(chores.env)
    try:
        assert replay(fresh.queue) == 0
        # ...and hands it over once that process has had its time
        with chores.session() as session:
            session.execute(update(JobRecord).where(JobRecord.id == job_id).values(
                created_at=now() - dt.timedelta(minutes=1)))
        assert replay(fresh.queue) == 1
        assert fresh.queue.run_queued() == 1
    finally:
        fresh.close()
    assert trace(chores) == ["chores.record 1 left behind"]
    assert ledger(chores) == []


def test_a_job_whose_worker_died_runs_again_when_its_time_is_up(chores):
    with chores.session() as session:
        job_id = enqueue(session, "chores.record", word="again")
    with chores.session() as session:  # a worker took it, then was killed mid-job
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(
            state="running", attempts=1, locked_until=now() + dt.timedelta(minutes=5)))
    chores.runtime.queue.huey.flush()  # and its message went with it
    assert replay(chores.runtime.queue) == 0, "still its worker's"
    with chores.session() as session:
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(
            locked_until=now() - dt.timedelta(seconds=1)))
    assert replay(chores.runtime.queue) == 1
    assert chores.run_jobs() == 1
    assert trace(chores) == ["chores.record 2 again"], "the second attempt"


def test_a_duplicate_message_runs_nothing_twice(chores):
    with chores.session() as session:
        job_id = enqueue(session, "chores.record", word="once")
    chores.runtime.queue.dispatch([job_id])  # the same job handed over twice
    assert chores.run_jobs() == 1
    assert trace(chores) == ["chores.record 1 once"]


def seconds_until(moment: dt.datetime) -> float:
    return (moment - now()).total_seconds()


def test_failed_attempts_are_retried_with_backoff(chores):
    with chores.session() as session:
        job_id = enqueue(session, "chores.flaky", until=3)
    queue = chores.runtime.queue
    assert chores.run_jobs() == 1
    (row,) = chores.jobs()
    assert (row.state, row.attempts) == ("queued", 1)
    assert row.last_error == "ConnectionError: the far side is away (attempt 1)"
    assert 8 < seconds_until(row.due_at) <= 10, "retry_delay=10"
    (waiting,) = queue.huey.scheduled()
    assert waiting.args == (job_id,)
    assert chores.run_jobs() == 0, "not before its time"

    assert queue.run(job_id)  # the second attempt, taken early
    (row,) = chores.jobs()
    assert (row.state, row.attempts) == ("queued", 2)
    assert 28 < seconds_until(row.due_at) <= 30, "backoff=3: three times longer"

    assert chores.run_jobs(include_scheduled=True) >= 1
    assert [line.split()[1] for line in trace(chores)] == ["1", "2", "3"]
    assert ledger(chores) == [], "the third attempt succeeded"


def test_a_job_that_keeps_failing_is_recorded_and_logged_with_its_plugin(chores, caplog):
    with chores.session() as session:
        job_id = enqueue(session, "chores.broken")
    with caplog.at_level(logging.WARNING, logger="forum_core.jobs"):
        chores.run_jobs(include_scheduled=True)
    assert len(trace(chores)) == 3, "retries=2: three attempts"
    (row,) = chores.jobs()
    assert (row.id, row.state, row.attempts) == (job_id, "failed", 3)
    assert row.last_error == "ValueError: this never works"
    final = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(final) == 1
    message = final[0].getMessage()
    assert "chores.broken" in message and "plugin chores" in message
    assert "failed for good after 3 attempt(s)" in message
    assert f"forum jobs retry {job_id}" in message
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2 and all("plugin chores" in text for text in retries)

    with chores.session() as session:  # what 'forum jobs retry' does
        chores.runtime.queue.retry(session, [job_id])
    (row,) = chores.jobs()
    assert (row.state, row.attempts) == ("queued", 0)
    chores.run_jobs(include_scheduled=True)
    assert len(trace(chores)) == 6 and chores.jobs()[0].state == "failed"


def test_a_job_no_enabled_plugin_declares_fails_with_a_clear_error(chores, make_forum):
    with chores.session() as session:
        job_id = enqueue(session, "chores.record", word="orphan")
    without = make_forum(migrate=False, **{
        key: chores.settings[key]
        for key in ("forum.database_url", "forum.data_dir", "forum.secret")})
    assert without.run_jobs() == 0
    (row,) = chores.jobs()
    assert (row.id, row.state) == (job_id, "failed")
    assert row.last_error == "no enabled plugin declares the job chores.record"


def test_a_periodic_job_runs_once_per_scheduled_minute(chores):
    night = dt.datetime(2026, 12, 7, 3, 30, 20, tzinfo=dt.UTC)
    assert chores.run_periodic_jobs(night) == 2, "nightly and every_minute"
    assert sorted(trace(chores)) == ["chores.every_minute 1 tick", "chores.nightly 1 night"]
    assert chores.run_periodic_jobs(night + dt.timedelta(seconds=30)) == 0, \
        "another worker's scheduler in the same minute runs nothing again"
    assert chores.run_periodic_jobs(night + dt.timedelta(minutes=1)) == 1, "every_minute only"
    # a worker that picks the run up late still knows which run it is
    assert not chores.runtime.queue.start_periodic(
        "chores.nightly", night + dt.timedelta(minutes=7))
    assert len(trace(chores)) == 3
    assert chores.jobs() == [], "finished periodic runs are not listed"


def test_job_declarations_are_checked_at_start_up(plugin_forum, monkeypatch):
    import forum_chores

    forum = plugin_forum(plugins=CHORES, migrate=False)
    declared = declared_jobs(forum.env.hooks)
    assert declared["core.send_mail"].plugin_id == "core"
    assert declared["chores.nightly"].plugin_id == "chores"
    assert declared["chores.nightly"].job.schedule == "30 3 * * *"
    for extra, expected in [
        (Job("chores.record", print),
         "The job chores.record is declared twice, by 'chores' and by 'chores'"),
        (Job("core.send_mail", print),
         "Plugin 'chores' declares a job named 'core.send_mail'; job names are 'chores.<what>'"),
        (Job("chores.bad", print, schedule="every night"),
         "Plugin 'chores' gives the job chores.bad the schedule 'every night', which is not "
         "a crontab line"),
        (Job("chores.late", print, schedule="0 25 * * *"),
         "Plugin 'chores' gives the job chores.late the schedule '0 25 * * *'"),
    ]:
        monkeypatch.setattr(forum_chores, "EXTRA", [extra])
        with pytest.raises(StartupError) as info:
            forum.app  # noqa: B018  (building the app declares the jobs)
        assert str(info.value).startswith(expected)
        assert "\n" not in str(info.value)


def test_a_bad_jobs_url_stops_start_up_with_one_line_and_no_password(make_forum):
    forum = make_forum(**{"forum.jobs_url": "amqp://forum:s3cret@mq.example/0"})
    with pytest.raises(StartupError) as info:
        forum.app  # noqa: B018
    assert str(info.value) == (
        "forum.jobs_url 'amqp://forum:***@mq.example/0' is not a Redis address; leave it "
        "empty to keep jobs in <data_dir>/jobs.sqlite, or write redis://host:6379/0.")
