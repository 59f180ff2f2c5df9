"""Where work outside a request happens: jobs, commands and tests get sessions whose commits
behave like a request's (content events announced, the search index kept in step, jobs
handed to the queue), and the forum's job consumers run here.

``forum serve`` starts :func:`start_jobs` (worker threads in the server process when the
jobs are kept in SQLite); ``forum worker`` runs :func:`run_worker` in the foreground.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from .db import make_engine, open_session
from .jobs import QUEUE_KEY, JobQueue, declared_jobs
from .search import INDEX_KEY, watched_sessions

if TYPE_CHECKING:
    from huey.consumer import Consumer
    from pyramid.config import Configurator
    from sqlalchemy import Engine

    from .environment import ForumEnvironment
    from .registries import Registries

log = logging.getLogger(__name__)


@contextmanager
def committed(factory: sessionmaker[Session], registries: Registries) -> Iterator[Session]:
    """A session committed at the end of the block (rolled back if it raises), whose
    commit announces content events, updates the search index and hands jobs over."""
    session = open_session(factory, registries)
    try:
        yield session
        session.commit()
        index = session.info.get(INDEX_KEY)
        if index is not None:
            # no later write of this process may carry the deletion of its queue rows
            index.forget_done(factory)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@dataclass
class Runtime:
    """A forum's database, search upkeep and job queue, outside a web application."""

    env: ForumEnvironment
    engine: Engine
    sessions: sessionmaker[Session]
    queue: JobQueue

    def session(self) -> AbstractContextManager[Session]:
        """A session committed at the end of the block, as :func:`committed`."""
        return committed(self.sessions, self.env.registries)

    def close(self) -> None:
        self.queue.close()
        self.engine.dispose()


def open_runtime(env: ForumEnvironment, engine: Engine | None = None,
                 app_registry: Callable[[], Any] | None = None) -> Runtime:
    """The runtime of ``env`` on ``engine`` (a new engine on its database by default).
    ``app_registry`` gives the web application's Pyramid registry when a job needs it
    (links and languages in e-mail); the caller builds it, once, on the first call."""
    engine = engine if engine is not None else make_engine(env.settings["forum.database_url"])
    sessions = watched_sessions(env, engine)
    queue = JobQueue(env.settings, declared_jobs(env.hooks), sessions.kw["bind"])
    queue.bind_sessions(sessions)
    queue.session_scope = lambda: committed(sessions, env.registries)
    queue.app_registry = app_registry
    return Runtime(env, engine, sessions, queue)


def includeme(config: Configurator) -> None:
    """The web application's queue: requests enqueue to it, and jobs run in the server
    process share its engine (on SQLite, its writers' turns) and its search index."""
    registry = config.registry
    env = registry.forum
    writes = registry["forum.db_write_sessions"]
    queue = JobQueue(env.settings, declared_jobs(env.hooks), writes.kw["bind"])
    queue.bind_sessions(writes)
    queue.bind_sessions(registry["forum.db_read_sessions"])
    queue.session_scope = lambda: committed(writes, env.registries)
    queue.app_registry = lambda: registry
    registry[QUEUE_KEY] = queue


def replay(queue: JobQueue) -> int:
    """Hand over what a stopped process left behind; a failure is logged, not raised (the
    workers try again every minute)."""
    try:
        count = queue.replay()
    except Exception:  # e.g. Redis not reachable yet
        log.exception("could not hand over the jobs left behind (%s)", queue.describe())
        return 0
    if count:
        log.warning("handed %d job(s) over again that a stopped process left behind", count)
    return count


def start_jobs(queue: JobQueue, threads: int) -> Consumer | None:
    """In ``forum serve``: replay, then run jobs in ``threads`` threads of this process when
    they are kept in SQLite (with Redis, ``forum worker`` processes run them)."""
    replay(queue)
    if not queue.embedded or threads < 1:
        return None
    consumer = queue.consumer(threads, embedded=True)
    consumer.start()
    return consumer


def run_worker(queue: JobQueue, threads: int) -> None:
    """``forum worker``: replay, then run jobs in the foreground until SIGINT or SIGTERM."""
    replay(queue)
    queue.consumer(threads).run()
