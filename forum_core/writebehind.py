"""Writes that a page must not wait for, gathered in the memory of the process and written
in batches by a thread of it: visitors' views of topics, members' visits.

Why a thread of each web process and not a job: jobs may run in other processes (``forum
worker`` on other machines), which cannot see this process's memory. What is lost when a
process is killed: what it gathered in the last interval; the uses are measures (how often
a topic is viewed, when a member was last here), not ledgers, so that is exact enough.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from .db import WRITE_INTENT

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

#: seconds between two writes of what a process gathered
FLUSH_SECONDS = 60.0

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MADE = threading.Lock()


class WriteBehind(Generic[K, V]):
    """Values by key, gathered in memory and written to the database in batches.

    A subclass says how two values of one key combine (:meth:`combine`) and how a batch is
    written (:meth:`write`). The writing thread runs only while there is something to
    write: it starts with the first value added and stops after an interval in which
    nothing was added. When the database refuses a batch, it is kept for the next one."""

    #: what the values are, for the log
    what = "values"

    def __init__(self, engine: Engine, interval: float = FLUSH_SECONDS) -> None:
        self.engine = engine.execution_options(**{WRITE_INTENT: True})
        self.interval = interval
        self._values: dict[K, V] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def combine(self, old: V, new: V) -> V:
        """One value of a key out of two added before a write."""
        raise NotImplementedError

    def write(self, connection: Connection, values: dict[K, V]) -> None:
        """Write a batch (in one transaction, ``connection``'s)."""
        raise NotImplementedError

    def add(self, key: K, value: V) -> None:
        """Gather ``value`` of ``key`` (nothing once closed: its application is ending, and
        its engine may be disposed of)."""
        with self._lock:
            if self._stop.is_set():
                return
            self._merge({key: value})
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"forum-{type(self).__name__}")
                self._thread.start()

    def pending(self) -> dict[K, V]:
        """What was gathered and not written yet."""
        with self._lock:
            return dict(self._values)

    def pending_of(self, key: K) -> V | None:
        """What was gathered of ``key`` and not written yet (None: nothing)."""
        with self._lock:
            return self._values.get(key)

    def flush(self) -> int:
        """Write what was gathered now; returns how many keys were written (0 when the
        database refused: the values are kept for the next write)."""
        with self._lock:
            values, self._values = self._values, {}
        if not values:
            return 0
        try:
            with self.engine.begin() as connection:
                self.write(connection, values)
        except SQLAlchemyError as exc:
            log.warning("%s not written yet, the database refused: %s", self.what, exc)
            with self._lock:
                self._merge(values)
            return 0
        return len(values)

    def close(self) -> None:
        """Stop the thread (waiting for a write it is in) and write what is gathered, so
        nothing writes through the engine afterwards: it can then be disposed of."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        self.flush()

    def _merge(self, values: dict[K, V]) -> None:  # (the lock held)
        for key, value in values.items():
            old = self._values.get(key)
            self._values[key] = value if old is None else self.combine(old, value)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                written = self.flush()
            except Exception:  # a thread of its own: it must not die silently with values
                log.exception("%s could not be written", self.what)
                written = 0
            with self._lock:
                if not written and not self._values:
                    self._thread = None
                    return


W = TypeVar("W", bound=WriteBehind[Any, Any])


def writer_of(registry: Registry, key: str, make: Callable[[Engine], W]) -> W:
    """The application's writer stored under ``key``, made with its first use (and written
    out when the process exits normally)."""
    writer = registry.get(key)
    if writer is None:
        with _MADE:
            writer = registry.get(key)
            if writer is None:
                writer = registry[key] = make(registry["forum.db_engine"])
                atexit.register(writer.close)
    return writer


def close_writer(registry: Registry, key: str) -> None:
    """Stop the application's writer under ``key``, if it made one, and write what it
    gathered (before its database engine is disposed of)."""
    writer = registry.get(key)
    if writer is not None:
        writer.close()
        # closed: the exit no longer needs it, and a process that goes on (tests, an
        # embedding server) must not keep every closed application's writer and engine
        atexit.unregister(writer.close)
