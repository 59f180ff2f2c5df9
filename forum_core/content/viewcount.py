"""How topics count their views without a write on the way of a page.

* A member's view counts once per topic: when their first read marker of the topic is made
  (:meth:`~.services.DatabaseContentService.mark_read`), in the savepoint that writes the
  marker, so reading a topic again, in another tab or on another device counts nothing.
* A visitor's view is added to a counter in the memory of the process
  (:class:`ViewCounter`: a dictionary increment under a lock, no database work), and a
  thread of the process adds what it counted to ``topics.view_count`` in one transaction
  every :data:`FLUSH_SECONDS`, and when the process exits normally.

Why a thread of each web process and not a periodic job: jobs may run in other processes
(``forum worker`` on other machines), which cannot see this process's counts. What is lost:
the visits of the last interval when a process is killed, and those a reverse proxy answers
from its cache without asking the forum; a view count is a measure of interest, not a
ledger, so that is exact enough. A visitor reloading a page counts again.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from ..db import WRITE_INTENT
from .models import Topic

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: seconds between two flushes of a process's visitor views
FLUSH_SECONDS = 60.0
_REGISTRY_KEY = "forum.view_counter"
_MADE = threading.Lock()

_ADD_VIEWS = (update(Topic).where(Topic.id == bindparam("topic"))
              .values(view_count=Topic.view_count + bindparam("views")))


class ViewCounter:
    """Visitors' views of topics, counted in memory and added to the database in batches.

    The flushing thread runs only while there is something to add: it starts with the first
    view counted and stops after an interval in which nothing was counted."""

    def __init__(self, engine: Engine, interval: float = FLUSH_SECONDS) -> None:
        self.engine = engine.execution_options(**{WRITE_INTENT: True})
        self.interval = interval
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def add(self, topic_id: int) -> None:
        """Count one view of ``topic_id`` (none once the counter is closed: its application
        is ending, and its engine may be disposed of)."""
        with self._lock:
            if self._stop.is_set():
                return
            self._counts[topic_id] += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="forum-view-counter",
                                                daemon=True)
                self._thread.start()

    def pending(self) -> dict[int, int]:
        """The views counted and not yet added, by topic id."""
        with self._lock:
            return dict(self._counts)

    def flush(self) -> int:
        """Add the counted views to the topics now; returns how many were added. When the
        database refuses (busy, away), the views are kept for the next flush."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        try:
            with self.engine.begin() as connection:
                connection.execute(_ADD_VIEWS, [{"topic": topic, "views": views}
                                                for topic, views in sorted(counts.items())])
        except SQLAlchemyError as exc:
            log.warning("visitor views not counted yet, the database refused: %s", exc)
            with self._lock:
                self._counts.update(counts)
            return 0
        return sum(counts.values())

    def close(self) -> None:
        """Stop the thread (waiting for a flush it is in) and add what is counted, so nothing
        writes through the engine afterwards: it can then be disposed of."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                added = self.flush()
            except Exception:  # a thread of its own: it must not die silently with counts
                log.exception("visitor views could not be counted")
                added = 0
            with self._lock:
                if not added and not self._counts:
                    self._thread = None
                    return


def view_counter(registry: Registry) -> ViewCounter:
    """The view counter of the forum's web application (made with the first view)."""
    counter = registry.get(_REGISTRY_KEY)
    if counter is None:
        with _MADE:
            counter = registry.get(_REGISTRY_KEY)
            if counter is None:
                counter = registry[_REGISTRY_KEY] = ViewCounter(registry["forum.db_engine"])
                atexit.register(counter.close)
    return counter


def close_view_counter(registry: Registry) -> None:
    """Stop the application's view counter, if it made one, and add what it counted (before
    its database engine is disposed of)."""
    counter = registry.get(_REGISTRY_KEY)
    if counter is not None:
        counter.close()
