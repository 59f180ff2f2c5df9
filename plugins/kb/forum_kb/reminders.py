"""Review reminders: every morning, the owner of each article whose review date has passed is
told once (a ``kb.review_due`` notification, e-mailed at once by default).

``Article.reminded_at`` records the reminder: an article is reminded of when it has none, or
one older than its review date (a new date set after a reminder asks for a new one). Marking
and telling happen in the same transaction, so a run that fails tells nobody and the next run
tries again; a run repeated (a worker killed after its commit) finds nothing left to tell.
Articles are taken in batches of :data:`BATCH`, each batch a job of its own, so a forum with
many overdue articles never holds one long transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update

from forum_core.api import Job, JobContext, NotificationKind, _, enqueue, notify, utcnow

from .contenttypes import TYPE_NAME
from .models import Article

REVIEW_DUE = NotificationKind("kb.review_due", _("${title} is due for review"),
                              _("Knowledge base articles I own that are due for review"),
                              email="immediately")
#: the periodic job, at 06:00 UTC every day, and the job of each further batch
DAILY = "kb.review_reminders"
BATCH_JOB = "kb.review_reminders_batch"
BATCH = 200


def due(now: dt.datetime):
    """The articles whose owner is to be reminded at ``now``."""
    return (Article.owner_id.is_not(None), Article.review_by.is_not(None),
            Article.review_by <= now,
            or_(Article.reminded_at.is_(None), Article.reminded_at < Article.review_by))


def remind(context: JobContext, at: str, after: int = 0) -> int:
    """Remind the owners of the next batch of due articles (ids above ``after``) of the
    moment ``at`` (ISO 8601), and queue the batch after it; returns how many were told."""
    now = dt.datetime.fromisoformat(at)
    session = context.session
    rows = session.execute(select(Article.id, Article.owner_id)
                           .where(Article.id > after, *due(now))
                           .order_by(Article.id).limit(BATCH)).all()
    if not rows:
        return 0
    ids = [article_id for article_id, _owner in rows]
    # marked with a guard of its own: a run overlapping this one marks (and tells) nothing
    marked = set(session.scalars(update(Article).where(Article.id.in_(ids), *due(now))
                                 .values(reminded_at=utcnow()).returning(Article.id)))
    told = 0
    for article_id, owner_id in rows:
        if article_id in marked:
            # told only while the owner may see the article (notify's readers check it)
            told += notify(session, [owner_id], REVIEW_DUE.name, (TYPE_NAME, article_id))
    if len(rows) == BATCH:
        enqueue(session, BATCH_JOB, at=at, after=ids[-1])
    return told


def daily(context: JobContext) -> None:
    """The periodic job: the first batch, as of the minute it was scheduled for."""
    moment = context.scheduled_at or utcnow()
    remind(context, at=moment.isoformat())


def batch(context: JobContext, at: str, after: int) -> None:
    remind(context, at=at, after=after)


JOBS = [Job(DAILY, daily, schedule="0 6 * * *", timeout=1800.0),
        Job(BATCH_JOB, batch, retries=3, retry_delay=60.0, timeout=1800.0)]
