"""Enqueueing with the transaction, handing jobs to huey after the commit, and running them.

The ledger table (:class:`.models.JobRecord`) is the truth; huey carries ledger ids between
processes, keeps the schedule of retries and periodic jobs, and runs the worker threads. So a
job is never lost between two systems: a row written with the transaction that asked for it
is handed to huey after the commit, handed over again if a process died before that or huey
lost it, and deleted only in the transaction of its successful run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.serializer import Serializer, SignedSerializer
from huey.storage import SqliteStorage
from sqlalchemy import and_, case, delete, insert, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from ..db import unavailable_reason, utcnow
from ..errors import ForumError, StartupError
from ..i18n import _
from .declare import DeclaredJob, JobContext, cron
from .models import DONE, FAILED, PENDING, QUEUED, RUNNING, JobRecord

if TYPE_CHECKING:
    from pyramid.request import Request

log = logging.getLogger(__name__)

#: session.info key of the queue a session enqueues to
QUEUE_KEY = "forum.jobs"
_PENDING = "forum.jobs_pending"
_LATER = "forum.jobs_later"

#: a pending row younger than this is left to the process that wrote it, which is about to
#: hand it to huey; an older one lost its process and is handed over again
PENDING_GRACE = dt.timedelta(seconds=10)
#: a queued row this long past its time was lost by huey (a Redis restarted without its
#: data, a deleted jobs.sqlite): it is handed over again
LOST_AFTER = dt.timedelta(minutes=10)
#: finished periodic runs are kept this long to recognise a late duplicate of the same run
DONE_KEPT = dt.timedelta(days=2)
#: how far back a periodic job's last scheduled minute is looked for
_PERIODIC_LOOKBACK = 31 * 24 * 60
#: the longest last error kept in the ledger
ERROR_CHARS = 2000


def make_huey(settings: Mapping[str, Any]) -> Huey:
    """huey on ``<data_dir>/jobs.sqlite``, or on Redis when ``forum.jobs_url`` names it.

    :raises StartupError: for a ``forum.jobs_url`` that is neither empty nor a Redis URL.
    """
    url, name = settings["forum.jobs_url"], settings["forum.jobs_queue"]
    secret = settings.get("forum.secret") or ""
    # messages are only ledger ids, but huey pickles them: signed, a message planted in a
    # shared Redis cannot run code in the forum
    serializer = SignedSerializer(secret, salt="forum.jobs") if secret else Serializer()
    options: dict[str, Any] = {"results": False, "utc": True, "serializer": serializer}
    if not url:
        path = Path(settings["forum.data_dir"]) / "jobs.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), **options)
    refused = StartupError(_(
        "forum.jobs_url ${url} is not a Redis address; leave it empty to keep jobs in "
        "<data_dir>/jobs.sqlite, or write redis://host:6379/0.",
        mapping={"url": repr(without_password(url))}))
    if url.split("://", 1)[0] not in ("redis", "rediss", "unix"):
        raise refused
    try:
        return RedisHuey(name, url=url, **options)
    except ValueError:  # redis-py cannot parse it (a bad port or database number)
        raise refused from None


def without_password(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages."""
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)


class JobQueue:
    """The forum's jobs: declarations, the ledger, and huey.

    :param settings: The forum's typed settings.
    :param declared: The declared jobs by name (:func:`.declare.declared_jobs`).
    :param bind: The engine of the ledger, marked for writing.
    """

    def __init__(self, settings: Mapping[str, Any], declared: Mapping[str, DeclaredJob],
                 bind: Engine) -> None:
        self.settings = settings
        self.declared = dict(declared)
        self.bind = bind
        self.huey = make_huey(settings)
        #: opens the session a job runs in and commits it (set by forum_core.worker)
        self.session_scope: Callable[[], contextlib.AbstractContextManager[Session]] | None = None
        #: the web application's Pyramid registry (its routes, for links; its languages),
        #: for jobs that write what a member reads: e-mail (set by forum_core.worker)
        self.app_registry: Callable[[], Any] | None = None
        self._run_task = self.huey.task(name="forum_run_job")(self.run)
        self.huey.periodic_task(cron("* * * * *"), name="forum_replay_jobs")(self._replay_logged)
        for declared_job in self.declared.values():
            if declared_job.job.schedule is not None:
                self._add_periodic(declared_job.job.name, declared_job.job.schedule)

    # -- where jobs go ----------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """Jobs kept in a SQLite file, which ``forum serve`` works through itself."""
        return isinstance(self.huey.storage, SqliteStorage)

    def describe(self) -> str:
        """Where the jobs are kept, for messages (without a password)."""
        if self.embedded:
            return str(self.huey.storage.filename)
        return without_password(self.settings["forum.jobs_url"])

    def bind_sessions(self, factory: sessionmaker[Session]) -> None:
        """Let sessions of ``factory`` enqueue jobs, handed to huey after they commit."""
        factory.configure(info={**factory.kw.get("info", {}), QUEUE_KEY: self})

    def close(self) -> None:
        storage = self.huey.storage
        if isinstance(storage, SqliteStorage):
            storage.close()
        else:
            storage.pool.disconnect()

    # -- handing over to huey ---------------------------------------------------------------

    def _send(self, job_id: int, eta: dt.datetime | None = None) -> None:
        if eta is None:
            self._run_task(job_id)
        else:
            self._run_task.schedule(args=(job_id,), eta=eta)

    def dispatch(self, ids: Iterable[int],
                 later: Mapping[int, dt.datetime] | None = None) -> None:
        """Hand the rows a transaction just committed to huey (those in ``later`` to run
        at the time given there). Never raises: the change is saved, and a row that could
        not be handed over is handed over by the next replay."""
        ids, later = list(ids), later or {}
        try:
            for job_id in ids:
                self._send(job_id, later.get(job_id))
            with self.bind.begin() as connection:
                connection.execute(update(JobRecord).where(
                    JobRecord.id.in_(ids), JobRecord.state == PENDING).values(state=QUEUED))
        except Exception:
            log.exception("could not hand %d job(s) to the queue (%s); they are handed over "
                          "again within a minute by a running worker, or when the forum "
                          "starts", len(ids), self.describe())

    def replay(self) -> int:
        """Hand over again what a dead process or a lost queue left behind; returns how many.
        Run when the forum starts and every minute by the workers."""
        now = utcnow()
        with self.bind.begin() as connection:
            rows = connection.execute(select(JobRecord.id, JobRecord.due_at).where(or_(
                and_(JobRecord.state == PENDING, JobRecord.created_at < now - PENDING_GRACE),
                and_(JobRecord.state == QUEUED, JobRecord.due_at < now - LOST_AFTER),
                and_(JobRecord.state == RUNNING, JobRecord.locked_until < now)))).all()
            ids = [row.id for row in rows]
            if ids:
                # (a job asked for later keeps its time)
                connection.execute(update(JobRecord).where(JobRecord.id.in_(ids)).values(
                    state=QUEUED, locked_until=None,
                    due_at=case((JobRecord.due_at > now, JobRecord.due_at), else_=now)))
            connection.execute(delete(JobRecord).where(
                JobRecord.state == DONE, JobRecord.created_at < now - DONE_KEPT))
        for job_id, due_at in rows:
            self._send(job_id, due_at if due_at is not None and due_at > now else None)
        return len(ids)

    def _replay_logged(self) -> None:
        try:
            count = self.replay()
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            # one line a minute while the database is away, not huey's traceback
            log.warning("could not look for jobs left behind: the database is not reachable "
                        "(%s); trying again in a minute", reason)
            return
        if count:
            log.warning("handed %d job(s) over again that a stopped process or a lost queue "
                        "left behind", count)

    # -- running ----------------------------------------------------------------------------

    def run(self, job_id: int) -> bool:
        """Run ledger row ``job_id`` if no one else has it; returns whether it ran (a
        duplicate message of a finished or running job does nothing)."""
        try:
            claimed = self._claim(job_id)
        except Exception as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            # its ledger row stays queued: the workers' replay hands it over again once the
            # database is back
            log.warning("job %d was not run: the database is not reachable (%s); it is "
                        "handed over again within minutes of its return", job_id, reason)
            return False
        if claimed is None:
            return False
        name, arguments, attempt, run_key = claimed
        declared = self.declared.get(name)
        if declared is None:
            self._give_up(job_id, name, attempt, f"no enabled plugin declares the job {name}")
            return False
        if self.session_scope is None:
            raise RuntimeError("JobQueue.session_scope is not set")
        job = declared.job
        try:
            with self.session_scope() as session:
                job.function(JobContext(session, self.settings, name, declared.plugin_id,
                                        job_id, attempt, _scheduled_at(run_key)),
                             **json.loads(arguments))
                session.execute(update(JobRecord).where(
                    JobRecord.id == job_id, JobRecord.run_key.is_not(None)).values(state=DONE))
                session.execute(delete(JobRecord).where(
                    JobRecord.id == job_id, JobRecord.run_key.is_(None)))
        except Exception as exc:
            try:
                self._attempt_failed(declared, job_id, attempt, exc)
            except Exception as recording:
                reason = unavailable_reason(recording)
                if reason is None:
                    raise
                # the database went away during the job: its ledger row stays running, and
                # the workers' replay hands it over again once its lock time is up
                log.warning("job %s (id %d) stopped: the database is not reachable (%s); it "
                            "runs again after its database returns", name, job_id, reason)
        return True

    def _claim(self, job_id: int) -> tuple[str, str, int, str | None] | None:
        now = utcnow()
        with self.bind.begin() as connection:
            name = connection.scalar(select(JobRecord.name).where(JobRecord.id == job_id))
            if name is None:
                return None
            declared = self.declared.get(name)
            timeout = declared.job.timeout if declared is not None else 60.0
            claimed = connection.execute(update(JobRecord).where(
                JobRecord.id == job_id,
                or_(JobRecord.state.in_((PENDING, QUEUED)),
                    and_(JobRecord.state == RUNNING, JobRecord.locked_until < now)),
            ).values(state=RUNNING, attempts=JobRecord.attempts + 1,
                     locked_until=now + dt.timedelta(seconds=timeout)))
            if claimed.rowcount != 1:
                return None
            row = connection.execute(select(JobRecord.arguments, JobRecord.attempts,
                                            JobRecord.run_key)
                                     .where(JobRecord.id == job_id)).one()
        return name, row.arguments, row.attempts, row.run_key

    def _attempt_failed(self, declared: DeclaredJob, job_id: int, attempt: int,
                        exc: Exception) -> None:
        job, error = declared.job, " ".join(f"{type(exc).__name__}: {exc}".split())
        if attempt > job.retries:
            self._give_up(job_id, job.name, attempt, error, exc, declared.plugin_id)
            return
        due = utcnow() + dt.timedelta(seconds=job.delay_after(attempt))
        with self.bind.begin() as connection:
            connection.execute(update(JobRecord).where(JobRecord.id == job_id).values(
                state=QUEUED, due_at=due, locked_until=None, last_error=error[:ERROR_CHARS]))
        self._send(job_id, eta=due)
        # (a database that is away is one line, not a traceback per job)
        log.warning("job %s (id %d) of plugin %s failed in attempt %d of %d; trying again at "
                    "%s UTC", job.name, job_id, declared.plugin_id, attempt, job.retries + 1,
                    f"{due:%Y-%m-%d %H:%M:%S}",
                    exc_info=exc if unavailable_reason(exc) is None else None)

    def _give_up(self, job_id: int, name: str, attempt: int, error: str,
                 exc: Exception | None = None, plugin_id: str | None = None) -> None:
        with self.bind.begin() as connection:
            connection.execute(update(JobRecord).where(JobRecord.id == job_id).values(
                state=FAILED, locked_until=None, last_error=error[:ERROR_CHARS]))
        log.error("job %s (id %d) of plugin %s failed for good after %d attempt(s): %s; "
                  "'forum jobs retry %d' runs it again", name, job_id,
                  plugin_id or name.partition(".")[0], attempt, error, job_id, exc_info=exc)

    # -- periodic jobs ----------------------------------------------------------------------

    def _add_periodic(self, name: str, schedule: str) -> None:
        def start() -> bool:
            try:
                return self.start_periodic(name)
            except Exception as exc:
                reason = unavailable_reason(exc)
                if reason is None:
                    raise
                log.warning("periodic job %s was not started: the database is not reachable "
                            "(%s)", name, reason)
                return False

        self.huey.periodic_task(cron(schedule), name=f"periodic:{name}")(start)

    def start_periodic(self, name: str, at: dt.datetime | None = None) -> bool:
        """Run periodic job ``name`` for its last scheduled minute up to ``at`` (now), unless
        a worker has already started that run; returns whether this call ran it."""
        job = self.declared[name].job
        minute = (at or utcnow()).astimezone(dt.UTC).replace(second=0, microsecond=0)
        for _step in range(_PERIODIC_LOOKBACK):
            if job.matches(minute):
                break
            minute -= dt.timedelta(minutes=1)
        now = utcnow()
        try:
            with self.bind.begin() as connection:
                job_id = connection.execute(insert(JobRecord).values(
                    name=name, arguments="{}", state=QUEUED, attempts=0, last_error="",
                    created_at=now, due_at=now,
                    run_key=f"{name}@{minute:%Y-%m-%dT%H:%M}").returning(JobRecord.id)
                ).scalar_one()
        except IntegrityError:
            return False  # another worker's scheduler started this run
        return self.run(job_id)

    # -- the owner's view -------------------------------------------------------------------

    def listing(self, session: Session, limit: int = 200) -> list[JobRecord]:
        """Jobs waiting, running and failed: failed first, then by when they are due."""
        order = {FAILED: 0, RUNNING: 1, QUEUED: 2, PENDING: 3}
        rows = list(session.scalars(select(JobRecord).where(JobRecord.state != DONE)
                                    .order_by(JobRecord.due_at, JobRecord.id).limit(limit)))
        return sorted(rows, key=lambda row: order.get(row.state, 9))

    def retry(self, session: Session, ids: Iterable[int] = (), all_failed: bool = False,
              ) -> list[JobRecord]:
        """Queue jobs again with all their attempts (after the commit of ``session``).

        :raises ForumError: for an unknown id or a job that is running now.
        """
        ids = list(ids)
        query = select(JobRecord).where(JobRecord.state == FAILED) if all_failed else \
            select(JobRecord).where(JobRecord.id.in_(ids), JobRecord.state != DONE)
        rows = list(session.scalars(query.order_by(JobRecord.id)))
        missing = sorted(set(ids) - {row.id for row in rows})
        if missing:
            raise ForumError(_("No job has the id ${id}; 'forum jobs' lists them.",
                               mapping={"id": missing[0]}))
        now = utcnow()
        for row in rows:
            if row.state == RUNNING and row.locked_until and row.locked_until > now:
                raise ForumError(_("Job ${id} is running now; retry it if it fails.",
                                   mapping={"id": row.id}))
            row.state, row.attempts, row.due_at, row.locked_until = PENDING, 0, now, None
            _note(session, row.id)
        return rows

    # -- running without a consumer (tests, and plugin authors' tests) ----------------------

    def run_queued(self, include_scheduled: bool = False) -> int:
        """Run what huey holds in this thread until nothing is left (jobs that enqueue jobs
        included); with ``include_scheduled`` also retries not yet due. Returns how many
        jobs ran."""
        ran = 0
        while True:
            until = utcnow() + (dt.timedelta(days=36500) if include_scheduled
                                else dt.timedelta())
            for task in self.huey.read_schedule(until.replace(tzinfo=None)):
                task.eta = None  # due now: what is taken early is not put back to wait
                self.huey.enqueue(task)
            task = self.huey.dequeue()
            if task is None:
                return ran
            ran += bool(self.huey.execute(task))

    def consumer(self, threads: int, embedded: bool = False) -> Consumer:
        """huey's consumer with ``threads`` worker threads. ``embedded``: inside another
        program (``forum serve``), which keeps its own signal handlers."""
        kind = _EmbeddedConsumer if embedded else Consumer
        # SIGTERM (a process supervisor's stop) lets running jobs finish, up to 30 seconds;
        # Ctrl+C stops at once (an interrupted job runs again when its timeout is up)
        return kind(self.huey, workers=threads, worker_type="thread", periodic=True,
                    max_delay=2.0, shutdown_timeout=30, graceful_signal="TERM")


def _scheduled_at(run_key: str | None) -> dt.datetime | None:
    """The minute a periodic run was scheduled for, from its key ``name@YYYY-MM-DDTHH:MM``."""
    if not run_key:
        return None
    return dt.datetime.strptime(run_key.rpartition("@")[2], "%Y-%m-%dT%H:%M").replace(
        tzinfo=dt.UTC)


class _EmbeddedConsumer(Consumer):
    def _set_signal_handlers(self) -> None:
        """The server's own handlers stay: it stops the consumer when it stops."""


# -- enqueueing: with the transaction, handed to huey after its commit -----------------------


def enqueue(target: Session | Request, name: str, /, **arguments: Any) -> int:
    """Run job ``name`` with ``arguments`` once the current transaction commits.

    The job is written to the forum's database in the same transaction: a rolled-back
    transaction runs nothing, and a committed one runs it even if the process dies right
    after the commit (it is handed to the queue when the forum starts again). A job may
    therefore run more than once; see :class:`Job`.

    :param target: The request (its ``request.db`` is used) or a database session from the
        forum (a job's ``context.session``, a command's, ``forum.session()`` in tests).
    :param name: A job declared through ``forum_register_jobs``.
    :param arguments: Keyword arguments for the job, JSON values only (ids, not objects);
        any names, ``name`` included (the first two parameters are positional only).
    :return: The job's id in the ledger (``forum jobs``).
    :raises LookupError: if no enabled plugin declares ``name``.
    :raises TypeError: if an argument is not a JSON value.
    """
    return _write(target, name, arguments, 0.0)


def enqueue_later(target: Session | Request, seconds: float, name: str, /,
                  **arguments: Any) -> int:
    """As :func:`enqueue`, but the job runs ``seconds`` after the commit at the earliest
    (e.g. to gather what happens meanwhile into one run)."""
    return _write(target, name, arguments, seconds)


def _write(target: Session | Request, name: str, arguments: Mapping[str, Any],
           seconds: float) -> int:
    session: Session = getattr(target, "db", target)
    queue = session.info.get(QUEUE_KEY)
    if queue is None:
        raise RuntimeError("this database session cannot enqueue jobs; use request.db, a "
                           "job's context.session or a session the forum opened")
    if name not in queue.declared:
        raise LookupError(f"no enabled plugin declares the job {name!r} (forum_register_jobs)")
    try:
        encoded = json.dumps(arguments, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the arguments of job {name} must be JSON values: {exc}") from None
    now = utcnow()
    due = now + dt.timedelta(seconds=seconds)
    job_id: int = session.connection().execute(insert(JobRecord).values(
        name=name, arguments=encoded, state=PENDING, attempts=0, last_error="",
        created_at=now, due_at=due).returning(JobRecord.id)).scalar_one()
    _note(session, job_id)
    if seconds > 0:
        session.info.setdefault(_LATER, {})[job_id] = due
    return job_id


def _note(session: Session, job_id: int) -> None:
    session.info.setdefault(_PENDING, []).append(job_id)


@sa_event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    later = session.info.pop(_LATER, None)
    queue = session.info.get(QUEUE_KEY)
    if ids and queue is not None:
        queue.dispatch(ids, later)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    # the rows are gone with the transaction; a rolled-back savepoint leaves them standing
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_LATER, None)
