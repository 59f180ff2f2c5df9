"""Rate limits on signing in, registering and posting, kept in the database so they hold
across every app process that shares it.

A limit is "N/S": at most N attempts per S seconds (fixed windows). Each attempt adds one to
the counter of its window with a single upsert, so concurrent requests cannot both slip
under the limit.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, dialect_insert
from .errors import ForumError
from .i18n import _
from .settings import Limit


class RateLimitHit(Base):
    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class RateLimited(ForumError):
    """Too many attempts; ``retry_after`` seconds until the window ends."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def count_post(request: Any) -> None:
    """Count one topic or reply of the signed-in member against ``forum.rate_post``; staff
    answering a flood of questions are not slowed down."""
    if request.user.role in ("moderator", "admin"):
        return
    hit(request.db, "post", str(request.user.id), request.registry.settings["forum.rate_post"])


def hit(session: Session, action: str, who: str, limit: Limit, now: float | None = None) -> None:
    """Count one attempt of ``action`` by ``who``; raise RateLimited past the limit.

    A limit of 0 attempts switches the check off.
    """
    if limit.count == 0:
        return
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = f"{action}:{who}"[:200]
    statement = (dialect_insert(session, RateLimitHit).values(key=key, window=window, count=1)
                 .on_conflict_do_update(index_elements=["key", "window"],
                                        set_={"count": RateLimitHit.count + 1})
                 .returning(RateLimitHit.count))
    count = session.execute(statement).scalar_one()
    if random.random() < 0.01:  # now and then, forget windows that ended a day ago
        session.execute(delete(RateLimitHit).where(
            RateLimitHit.window < int((now - 86400) // limit.seconds)))
    if count > limit.count:
        retry_after = int((window + 1) * limit.seconds - now) + 1
        raise RateLimited(_("Too many attempts. Try again in ${minutes} min.",
                            mapping={"minutes": max(1, (retry_after + 59) // 60)}), retry_after)
