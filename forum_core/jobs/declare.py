"""What a job is: its declaration, what it gets when it runs, and the registry of them all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from huey import crontab

from ..errors import StartupError
from ..i18n import _
from ..plugins import plugin_id_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..plugins import Hooks

#: the hook that declares jobs
HOOK = "forum_register_jobs"


@dataclass(frozen=True)
class Job:
    """A job a plugin (or the core) can run in the background, returned by
    ``forum_register_jobs``.

    :param name: ``<plugin id>.<what>``, e.g. ``"badges.award"``; unique in the forum.
    :param function: Called as ``function(context, **arguments)`` with a :class:`JobContext`
        and the keyword arguments given to ``enqueue``. It may run more than once for one
        ``enqueue`` (a worker killed after the work but before its commit runs it again), so
        make it idempotent: check before you send or write twice. Raise to fail the attempt.
    :param retries: Attempts after the first one when it raises.
    :param retry_delay: Seconds before the first retry; each later one waits ``backoff``
        times longer than the one before.
    :param backoff: Factor by which the wait grows between retries.
    :param schedule: For a periodic job, when it runs, as a crontab line in UTC
        (``"minute hour day month weekday"``, weekday 0 is Sunday), e.g. ``"0 3 * * *"``
        for 03:00 every day. A periodic job is called with the context alone, once per
        scheduled minute however many workers run.
    :param timeout: Seconds after which a run that has not finished is presumed dead (its
        worker stopped) and the job is run again elsewhere. Make it longer than the job takes.
    """

    name: str
    function: Callable[..., object]
    retries: int = 5
    retry_delay: float = 60.0
    backoff: float = 2.0
    schedule: str | None = None
    timeout: float = 900.0

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 for the first)."""
        return self.retry_delay * self.backoff ** (attempt - 1)

    def matches(self, moment: dt.datetime) -> bool:
        """Whether a periodic job is scheduled at ``moment`` (a UTC time, to the minute)."""
        if self.schedule is None:
            return False
        return bool(cron(self.schedule)(moment.astimezone(dt.UTC).replace(tzinfo=None)))


@dataclass
class JobContext:
    """What a running job gets besides its arguments.

    :ivar session: A database session of its own. Its changes are committed when the job
        returns (and rolled back if it raises), with the job's ledger row: content events
        are announced and the search index follows, as after a request. Enqueue follow-up
        jobs with ``enqueue(context.session, ...)``.
    :ivar settings: The forum's typed settings (``settings["forum.<plugin>.<name>"]``).
    :ivar name: The job's name.
    :ivar plugin_id: The id of the plugin that declared it (``core`` for the core's).
    :ivar job_id: The ledger id, as ``forum jobs`` shows it.
    :ivar attempt: 1 for the first attempt, 2 for the first retry, ...
    :ivar scheduled_at: For a run of a periodic job, the minute (UTC) it was scheduled for;
        None for other jobs.
    """

    session: Session
    settings: Mapping[str, Any]
    name: str
    plugin_id: str
    job_id: int
    attempt: int
    scheduled_at: dt.datetime | None = None


@dataclass(frozen=True)
class DeclaredJob:
    """A job and the plugin that declared it."""

    job: Job
    plugin_id: str


def cron(schedule: str) -> Callable[[dt.datetime], bool]:
    """huey's test for a crontab line ``"minute hour day month weekday"``.

    :raises ValueError: for a line that is not five valid fields.
    """
    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError("expected five fields: minute hour day month weekday")
    minute, hour, day, month, weekday = fields
    return crontab(minute, hour, day, month, weekday, strict=True)


def declared_jobs(hooks: Hooks) -> dict[str, DeclaredJob]:
    """Every job the core and the enabled plugins declare, by name.

    :raises StartupError: naming the plugin, for a failing hook, a name outside the plugin's
        id, a name declared twice or a bad schedule.
    """
    found: dict[str, DeclaredJob] = {}
    for registered, impl in hooks.implementations(HOOK):
        plugin_id = plugin_id_of(registered)
        try:
            jobs = list(impl.function() or ())
        except Exception as exc:  # a plugin's failure at start-up is one line naming it
            raise StartupError(_(
                "Plugin '${plugin}' failed in ${hook}: ${error}",
                mapping={"plugin": plugin_id, "hook": HOOK,
                         "error": " ".join(f"{type(exc).__name__}: {exc}".split())})) from None
        for job in jobs:
            _check(job, plugin_id, found)
            found[job.name] = DeclaredJob(job, plugin_id)
    return found


def _check(job: Job, plugin_id: str, found: Mapping[str, DeclaredJob]) -> None:
    if not isinstance(job, Job) or not job.name.startswith(f"{plugin_id}.") \
            or len(job.name) <= len(plugin_id) + 1 or len(job.name) > 100:
        raise StartupError(_(
            "Plugin '${plugin}' declares a job named ${name}; job names are "
            "'${plugin}.<what>' (at most 100 characters), declared with Job(...) from "
            "forum_core.api.", mapping={"plugin": plugin_id,
                                        "name": repr(getattr(job, "name", job))}))
    if job.name in found:
        raise StartupError(_(
            "The job ${name} is declared twice, by '${first}' and by '${second}'; each job "
            "needs a name of its own.",
            mapping={"name": job.name, "first": found[job.name].plugin_id,
                     "second": plugin_id}))
    if job.schedule is not None:
        try:
            cron(job.schedule)
        except ValueError as exc:
            raise StartupError(_(
                "Plugin '${plugin}' gives the job ${name} the schedule ${schedule}, which is "
                "not a crontab line (minute hour day month weekday): ${error}.",
                mapping={"plugin": plugin_id, "name": job.name,
                         "schedule": repr(job.schedule), "error": str(exc)})) from None
