"""When badges are awarded and points counted: jobs after the commit, never on a page view.

A change a rule or action watches (``triggers``) enqueues :data:`CHECK_JOB` for the members
it concerns, in the transaction of the change: the job is stored with the change, so a
crash after the commit still runs it. Every five minutes :data:`RECHECK_JOB` re-checks the
members seen or posting since it last ran (catching a lost job, visits, anniversaries and
profiles, which no event announces), makes the default badges of newly enabled plugins, and
starts the backfill the first time: :data:`BACKFILL_JOB` re-checks every member, a batch per
run, each batch its own transaction, so the forum keeps answering while it runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError

from forum_core.api import (
    BadgeRule,
    Event,
    Job,
    PointsAction,
    Post,
    User,
    enqueue,
    enqueue_later,
    recognition,
    utcnow,
)

from .defaults import make_defaults
from .services import Recognition

CHECK_JOB = "badges.check"
RECHECK_JOB = "badges.recheck"
BACKFILL_JOB = "badges.backfill"
#: members re-checked per batch of the backfill and the periodic re-check: a batch holds
#: SQLite's one write lock while it runs, so a member's post may wait for one (200: about
#: 0.2 s at the median on the 200,000-post bench, 500: about 0.9 s)
BATCH = 200
#: how far back the periodic re-check looks before its last run (a slow commit, a clock)
OVERLAP = dt.timedelta(minutes=10)
_WATERMARK = "recheck_watermark"
_BACKFILL = "backfill"
DONE = "done"
#: until when ``forum badges backfill`` is doing the backfill (renewed with every batch):
#: the forum's own backfill job waits for it instead of doing the same work beside it, and
#: carries on by itself if the command was stopped
_COMMAND_LEASE = "backfill_command_until"
LEASE = dt.timedelta(minutes=2)
#: how often the command tries a batch when the database is busy or away before it gives up
TRIES = 8
#: the command's pause between batches on SQLite, whose one write lock it would otherwise
#: take again at once: a write of the served forum waiting for it (SQLite looks every
#: 100 ms) gets its turn
GIVE_WAY_S = 0.12

T = TypeVar("T")


def members_to_check(session: Any, event: Event) -> set[int]:
    """The members whose badges or points ``event`` may change (read inside the change's
    transaction: the rules' ``members`` read little)."""
    found: set[int] = set()
    declared = recognition(session)
    watchers: list[BadgeRule | PointsAction] = [*declared.rules.values(),
                                                *declared.actions.values()]
    for watcher in watchers:
        if isinstance(event, watcher.triggers):
            found.update(user_id for user_id in watcher.members(session, event)
                         if isinstance(user_id, int))
    return found


def on_event(session: Any, event: Event) -> None:
    members = members_to_check(session, event)
    if members:
        enqueue(session, CHECK_JOB, users=sorted(members))


def check_job(context: Any, users: list[int]) -> None:
    members = sorted({int(user) for user in users})
    service = Recognition(context.session)
    for start in range(0, len(members), BATCH):  # (a deleted topic's hundreds of authors)
        service.check(members[start:start + BATCH])


def backfill_step(session: Any, after: int, size: int = BATCH) -> int | None:
    """Re-check the next ``size`` members after id ``after`` without notifying them (the
    awards are for the past); the last id done, or None when none were left."""
    users = list(session.scalars(select(User.id).where(User.id > after).order_by(User.id)
                                 .limit(size)))
    if not users:
        return None
    Recognition(session).check(users, tell=False)
    return users[-1]


def backfill_job(context: Any, after: int = 0) -> None:
    service = Recognition(context.session)
    if service.state(_BACKFILL) == DONE:
        return
    lease = service.state(_COMMAND_LEASE)
    if lease and dt.datetime.fromisoformat(lease) > utcnow():
        # the command is at it; look again when its lease would have run out
        enqueue_later(context.session, LEASE.total_seconds(), BACKFILL_JOB, after=after)
        return
    make_defaults(context.session)
    last = backfill_step(context.session, int(after))
    if last is None:
        service.set_state(_BACKFILL, DONE)
    else:
        service.set_state(_BACKFILL, f"after:{last}")
        enqueue(context.session, BACKFILL_JOB, after=last)


def _command_batch(session: Any, after: int, size: int) -> tuple[list[int], int]:
    """One batch of the command: the members after id ``after`` re-checked (and the lease
    renewed), with the badges awarded; none left marks the backfill done."""
    service = Recognition(session)
    users = list(session.scalars(select(User.id).where(User.id > after).order_by(User.id)
                                 .limit(size)))
    if not users:
        service.set_state(_BACKFILL, DONE)
        service.set_state(_COMMAND_LEASE, "")
        return [], 0
    service.set_state(_COMMAND_LEASE, (utcnow() + LEASE).isoformat())
    return users, service.check(users, tell=False)


def tried(open_session: Callable[[], Any], work: Callable[[Any], T],
          wait: Callable[[float], None] = time.sleep) -> T:
    """``work`` in a session of its own, tried again (after 0.5, 1, 2 ... 10 s) while the
    database is busy (another process holding SQLite's lock longer than its busy timeout,
    a deadlock on PostgreSQL) or away: each batch is idempotent, so trying again is safe."""
    for attempt in range(TRIES):
        try:
            with open_session() as session:
                return work(session)
        except OperationalError:
            if attempt == TRIES - 1:
                raise
            wait(min(0.5 * 2 ** attempt, 10.0))
    raise AssertionError("unreachable")


def backfill_all(open_session: Callable[[], Any], progress: Callable[[int], None],
                 size: int = BATCH, busy: Callable[[float], None] = time.sleep) -> int:
    """Re-check every member, ``size`` at a time, each batch in its own session from
    ``open_session`` (committed when its block ends); ``progress`` hears how many members
    each batch did. Returns how many badges were awarded. Running it again awards nothing
    twice; running it beside a served forum shares the work with it (see
    :data:`_COMMAND_LEASE`) and lets its writes in between batches. ``busy`` waits the
    seconds it is given before a batch is tried again (see :func:`tried`).

    :raises sqlalchemy.exc.OperationalError: when a batch could not be done in :data:`TRIES`
        tries; what was done so far stays done.
    """
    sqlite = tried(open_session, _defaults_on_sqlite, busy)
    after, awarded = 0, 0
    while True:
        users, found = tried(open_session, functools.partial(_command_batch, after=after,
                                                              size=size), busy)
        if not users:
            return awarded
        awarded += found
        after = users[-1]
        progress(len(users))
        if sqlite:
            time.sleep(GIVE_WAY_S)


def _defaults_on_sqlite(session: Any) -> bool:
    make_defaults(session)
    return bool(session.get_bind().dialect.name == "sqlite")


def recheck_job(context: Any) -> None:
    session = context.session
    service = Recognition(session)
    make_defaults(session)
    now = utcnow()
    backfill = service.state(_BACKFILL)
    if backfill != DONE:
        # everyone is re-checked by the backfill, without announcing awards for the past
        if backfill is None:
            service.set_state(_BACKFILL, "after:0")
            enqueue(session, BACKFILL_JOB, after=0)
        service.set_state(_WATERMARK, now.isoformat())
        return
    mark = service.state(_WATERMARK)
    since = (dt.datetime.fromisoformat(mark) if mark else now - dt.timedelta(days=1)) - OVERLAP
    seen = select(User.id).where(or_(User.last_seen_at >= since, User.created_at >= since))
    posted = select(Post.user_id).where(Post.created_at >= since)
    members = sorted(set(session.scalars(seen)) | set(session.scalars(posted)))
    for start in range(0, len(members), BATCH):
        service.check(members[start:start + BATCH])
    service.set_state(_WATERMARK, now.isoformat())


def jobs() -> list[Job]:
    return [Job(CHECK_JOB, check_job, retries=5, retry_delay=30.0),
            Job(BACKFILL_JOB, backfill_job, retries=5, retry_delay=60.0, timeout=1800.0),
            Job(RECHECK_JOB, recheck_job, schedule="*/5 * * * *", timeout=1800.0)]


def member_count(session: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


