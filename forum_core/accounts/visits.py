"""Members' visits: when a member was last here, and since when "Since your last visit"
lists what happened.

A visit is a run of a member's requests with no pause longer than :data:`VISIT_GAP`. Each
request a member makes in their browser is noted in the memory of the process (no write on
the way of the page) and written behind it (:class:`VisitRecorder`): ``users.last_seen_at``
moves to the latest request, and when the first request of a batch came more than the gap
after the last time seen, a new visit began and ``users.previous_visit_at`` becomes that
last time seen; a request on a later day (UTC) than the last time seen adds one to
``users.days_visited``. Requests of API tokens and feed readers are not visits: a feed reader
polling every quarter of an hour would make one endless visit.

:func:`last_visit` reads the same rule at request time, before the batch is written, so
the first page of a visit already lists what happened since the one before.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import bindparam, func, update

from ..db import utcnow
from ..writebehind import WriteBehind, close_writer, writer_of
from .models import User
from .security import bearer_token, feed_token

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from pyramid.request import Request
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

#: a pause longer than this ends a visit
VISIT_GAP = dt.timedelta(hours=1)
_REGISTRY_KEY = "forum.visits"


class Seen(NamedTuple):
    """The first and the last request of a member in one batch."""

    first: dt.datetime
    last: dt.datetime


_LAST_SEEN = func.coalesce(User.last_seen_at, User.created_at)
_NEW_VISIT = (update(User)
              .where(User.id == bindparam("user"),
                     _LAST_SEEN < bindparam("cutoff", type_=User.created_at.type))
              .values(previous_visit_at=_LAST_SEEN))
_NEW_DAY = (update(User)
            .where(User.id == bindparam("user"),
                   _LAST_SEEN < bindparam("day", type_=User.created_at.type))
            .values(days_visited=User.days_visited + 1))
_SEEN = (update(User)
         .where(User.id == bindparam("user"),
                _LAST_SEEN < bindparam("seen", type_=User.created_at.type))
         .values(last_seen_at=bindparam("seen", type_=User.created_at.type)))


class VisitRecorder(WriteBehind[int, Seen]):
    """Members' requests by member id, written to ``users`` in batches."""

    what = "members' visits"

    def combine(self, old: Seen, new: Seen) -> Seen:
        return Seen(min(old.first, new.first), max(old.last, new.last))

    def write(self, connection: Connection, values: dict[int, Seen]) -> None:
        rows = sorted(values.items())  # (one order: two writers never wait on each other)
        connection.execute(_NEW_VISIT, [{"user": user, "cutoff": seen.first - VISIT_GAP}
                                        for user, seen in rows])
        # a request on a day after the one last seen is the first of a new day here
        connection.execute(_NEW_DAY, [{"user": user, "day": _day_of(seen.last)}
                                      for user, seen in rows])
        connection.execute(_SEEN, [{"user": user, "seen": seen.last} for user, seen in rows])


def _day_of(moment: dt.datetime) -> dt.datetime:
    """The start (UTC midnight) of the day of ``moment``."""
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def visit_recorder(registry: Registry) -> VisitRecorder:
    """The visit recorder of the forum's web application (made with the first request)."""
    return writer_of(registry, _REGISTRY_KEY, VisitRecorder)


def close_visit_recorder(registry: Registry) -> None:
    """Write what the application's visit recorder gathered and stop it."""
    close_writer(registry, _REGISTRY_KEY)


def note_request(request: Request) -> None:
    """Note that the signed-in member of ``request`` was here now (a browser's request, not
    an API token's nor a feed reader's); nothing for a request that never asked who it was
    from (a static file)."""
    user = request.__dict__.get("user")
    if user is None or bearer_token(request) is not None or feed_token(request) is not None:
        return
    now = utcnow()
    visit_recorder(request.registry).add(user.id, Seen(now, now))


def last_visit(request: Request) -> dt.datetime | None:
    """When the signed-in member's previous visit ended: what "Since your last visit"
    lists the activity after (None for a visitor). A request that begins a new visit (its
    batch not written yet) counts the last time seen as the end of the previous one."""
    user = request.user
    if user is None:
        return None
    pending = visit_recorder(request.registry).pending_of(user.id)
    began = pending.first if pending is not None else utcnow()
    last_seen = user.last_seen_at or user.created_at
    if last_seen < began - VISIT_GAP:
        return last_seen
    return user.previous_visit_at or user.created_at


def start_afresh(db: Session, user: User) -> None:
    """The member has seen everything so far: their last visit ends now."""
    now = utcnow()
    user.previous_visit_at = now
    user.last_seen_at = max(user.last_seen_at or now, now)
    db.flush()
