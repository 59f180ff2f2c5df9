"""The job ledger: every job the forum promised to run, in the forum's own database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

#: states of a ledger row; a job that succeeded is deleted with its own writes, except a
#: periodic job's run, kept ``done`` for a while to recognise a late duplicate
PENDING, QUEUED, RUNNING, FAILED, DONE = "pending", "queued", "running", "failed", "done"


class JobRecord(Base):
    """One job, written in the transaction that asked for it.

    ``pending`` until it is handed to the queue after the commit (a process killed in
    between leaves it here, and it is handed over again when the forum starts), ``queued``
    while the queue holds it (``due_at`` is when it runs, later for a retry), ``running``
    while a worker has it (until ``locked_until``; a worker that died lets it go then),
    ``failed`` once its last attempt failed. It is deleted in the transaction of its
    successful run, so whatever the job wrote and the deletion are saved together.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the declared name, ``<plugin id>.<what>``
    name: Mapped[str] = mapped_column(String(100))
    #: the keyword arguments as a JSON object
    arguments: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: a periodic job's name and minute: the same run is written once however many
    #: workers' schedulers start it
    run_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)

    @property
    def plugin_id(self) -> str:
        return self.name.partition(".")[0]
