"""Search: the index (Whoosh or PostgreSQL full-text search), its upkeep, and the search page.

The backend is chosen by ``forum.search_backend``. The index follows the database after each
commit (see :mod:`.service`) and ``forum reindex`` rebuilds it from scratch.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..db import unavailable_reason
from ..errors import StartupError
from ..i18n import _
from ..registries import SESSION_KEY
from .backends import PostgresBackend, SearchBackend, WhooshBackend
from .service import INDEX_KEY, SearchIndex

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from ..environment import ForumEnvironment


def make_index(env: ForumEnvironment, engine: Engine, sessions: sessionmaker[Session],
               background: bool = True) -> SearchIndex:
    """The search index of a forum: its backend and the searchable content types of the core
    and of every enabled plugin. ``background``: rebuild a missing Whoosh index in a thread (the web
    application) or at once (commands).

    :raises StartupError: for the PostgreSQL backend on a database that is not PostgreSQL.
    """
    settings = env.settings
    types = env.registries.content_types.searchable
    backend: SearchBackend
    if settings["forum.search_backend"] == "postgresql":
        if engine.dialect.name != "postgresql":
            raise StartupError(_(
                "forum.search_backend = postgresql needs a PostgreSQL database; this forum uses "
                "${dialect}. Use the whoosh backend or move the forum to PostgreSQL.",
                mapping={"dialect": engine.dialect.name}))
        backend = PostgresBackend(engine)
    else:
        backend = WhooshBackend(Path(settings["forum.data_dir"]) / "search",
                                background=background)
    # a Whoosh write is slow on a big index: the web application writes in the background
    index = SearchIndex(backend, types, sessions,
                        deferred=background and isinstance(backend, WhooshBackend))
    if isinstance(backend, WhooshBackend):
        backend.source = index.all_documents  # what a missing or broken index is rebuilt from
    return index


def watched_sessions(env: ForumEnvironment, engine: Engine) -> sessionmaker[Session]:
    """A session factory for work outside requests (commands, tests) whose sessions belong
    to the forum (its events reach the plugins) and whose commits reach the search index as
    a request's would."""
    from ..db import make_session_factory

    factory = make_session_factory(engine)
    factory.configure(info={SESSION_KEY: env.registries})
    make_index(env, engine, make_session_factory(engine, write=False),
               background=False).watch(factory)
    return factory


def includeme(config: Configurator) -> None:
    registry = config.registry
    index = make_index(registry.forum, registry["forum.db_engine"],
                       registry["forum.db_read_sessions"])
    registry[INDEX_KEY] = index
    index.watch(registry["forum.db_write_sessions"])
    try:
        replayed = index.replay_queue(registry["forum.db_write_sessions"])
    except Exception as exc:  # e.g. a database not migrated yet: 'forum serve' says so itself
        reason = unavailable_reason(exc)
        if reason is None:
            log.exception("could not replay the search index queue")
        else:  # one line: the pages say so too, and nothing was committed meanwhile
            log.error("could not replay the search index queue: the database is not "
                      "reachable (%s)", reason)
    else:
        if replayed:
            log.warning("indexed %d documents that a stopped process had not indexed yet",
                        replayed)

