"""Background jobs: declared by the core and plugins, enqueued with the transaction, run by huey.

A plugin declares its jobs through ``forum_register_jobs`` (:class:`Job`), and asks for one
with :func:`enqueue` while it handles a request or runs a job. The job is written to the
ledger in the forum's database with the rest of the transaction and handed to huey (SQLite in
the data folder, or Redis) after the commit; huey's worker threads (inside ``forum serve``,
or ``forum worker`` processes) run it in a session of its own, retry it with backoff when it
raises, and the ledger keeps what failed for ``forum jobs``.
"""

from __future__ import annotations

from ..db import import_without_psycopg

# huey's storage module imports psycopg for its PostgreSQL backend, which the forum never uses
import_without_psycopg("huey.storage")

from .declare import DeclaredJob, Job, JobContext, declared_jobs  # noqa: E402  (after huey)
from .models import JobRecord  # noqa: E402
from .queue import QUEUE_KEY, JobQueue, enqueue, enqueue_later, make_huey  # noqa: E402

__all__ = ["QUEUE_KEY", "DeclaredJob", "Job", "JobContext", "JobQueue", "JobRecord",
           "declared_jobs", "enqueue", "enqueue_later", "make_huey"]
