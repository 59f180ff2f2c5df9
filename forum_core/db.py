"""The database: declarative base, engine set-up for SQLite and PostgreSQL, request sessions.

Each request gets one session, joined to the request's transaction by pyramid_tm and
zope.sqlalchemy: the transaction commits when the view returns normally and rolls back on any
error. Code never calls ``commit()`` itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import DateTime, MetaData, String, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Result, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from .errors import StartupError
from .i18n import _
from .registries import bind


def import_without_psycopg(name: str) -> Any:
    """Module ``name``, imported without letting it import psycopg, 9 MB a SQLite forum does
    not use. For libraries that import it only in case (a forum on PostgreSQL imports it
    when it connects, and then they see it as before)."""
    if "psycopg" in sys.modules:
        return importlib.import_module(name)
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # "import psycopg" fails
    try:
        return importlib.import_module(name)
    finally:
        del sys.modules["psycopg"]


def _import_zope_sqlalchemy() -> Any:
    """zope.sqlalchemy, without psycopg.

    At import it looks for PostgreSQL's drivers only to note which of their errors a retrying
    transaction manager (pyramid_retry) should retry; the forum never retries a request, so
    nothing is lost.
    """
    return import_without_psycopg("zope.sqlalchemy")


zope_sqlalchemy = _import_zope_sqlalchemy()

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

    from .registries import Registries

# Named constraints: Alembic's batch mode on SQLite can only drop constraints that have names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000
#: seconds to wait for a PostgreSQL connection (unless the URL's connect_timeout says)
CONNECT_TIMEOUT_S = 10


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored as UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are stored naive in UTC and tagged on the way out.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Stored naive in UTC; a naive value is refused (it would be ambiguous)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use forum_core.api.utcnow()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Read back as UTC, timezone-aware."""
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model, the core's and the plugins'."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), str: String()}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def starts_with(column: Any, text: str) -> Any:
    """``column`` starts with ``text``, ignoring case; ``%`` and ``_`` in it are plain letters."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(escaped + "%", escape="\\")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs; refuse what we cannot run on."""
    try:
        parsed = make_url(url)
    except Exception:
        raise StartupError(_(
            "forum.database_url ${url} is not a database URL; use sqlite:///path/forum.sqlite "
            "or postgresql://user@host/database.", mapping={"url": repr(url)})) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StartupError(_(
            "forum.database_url uses ${backend}; the forum runs on sqlite or postgresql.",
            mapping={"backend": parsed.get_backend_name()}))
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the forum's SQLite settings applied on every connection."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # a pooled connection is checked before use, so the forum recovers by itself once a
        # database that went away is back
        kwargs.setdefault("pool_pre_ping", True)
        if "connect_timeout" not in parsed.query:
            # a database host that drops packets would otherwise hold each request (and
            # 'forum serve' at start) for minutes before it can say the database is away
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S,
                                      **kwargs.get("connect_args", {})}
        return create_engine(url, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    queue = WriteQueue()
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", functools.partial(_sqlite_on_begin, queue))
    event.listen(engine, "commit", lambda connection: queue.leave(connection.info))
    event.listen(engine, "rollback", lambda connection: queue.leave(connection.info))
    # a connection given back to the pool mid-transaction is rolled back without the events
    event.listen(engine.pool, "reset", queue.on_reset)
    event.listen(engine.pool, "invalidate", queue.on_invalidate)
    return engine


class WriteQueue:
    """Writers of one SQLite database in this process take turns on a lock.

    SQLite lets one transaction write at a time; the others poll its busy handler, and under
    a steady stream of writers some pollers keep losing until their timeout expires, so a
    vote or a reply would fail although the forum is merely busy. Waiting on a lock instead
    serves writers roughly in order. Other processes still meet SQLite's own busy timeout.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def enter(self, info: dict[str, Any]) -> None:
        if not self.lock.acquire(timeout=WRITE_QUEUE_TIMEOUT_S):
            raise DatabaseBusy()
        info[_WRITING] = True

    def leave(self, info: dict[str, Any]) -> None:
        if info.pop(_WRITING, False):
            self.lock.release()

    def on_reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        self.leave(connection_record.info)

    def on_invalidate(self, dbapi_connection: Any, connection_record: Any,
                      exception: Any) -> None:
        self.leave(connection_record.info)


#: SQLite's messages that mean the database file cannot be used now, not a faulty statement
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "database is locked",
                       "attempt to write a readonly database", "database or disk is full")


def unavailable_reason(exc: BaseException) -> str | None:
    """The driver's short reason when ``exc`` means the database cannot be reached or used
    right now (refused or lost connections, a pool with no connection to give, a SQLite file
    that cannot be opened or written); None for any other error, a faulty statement included.

    A request that meets such an error is answered 503 and the next one tries again: the
    engine checks each pooled connection before use (``pool_pre_ping``), so the forum
    recovers by itself once the database is back."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no connection to give in time
        return short_reason(exc)
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    reason = short_reason(exc.orig if exc.orig is not None else exc)
    if exc.connection_invalidated:
        return reason
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    if type(exc.orig).__module__.startswith("sqlite3"):
        return reason if reason.lower().startswith(_SQLITE_UNAVAILABLE) else None
    return reason


def short_reason(error: BaseException) -> str:
    """The gist of a driver's error in one line: libpq's ``connection to server at "host",
    port 5432 failed: Connection refused`` (and its hint on the next line) gives
    ``Connection refused``."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0].strip()
    if "failed: " in text:
        text = text.rpartition("failed: ")[2].strip()
    return text or type(error).__name__


def unreachable_message(url: str, exc: BaseException) -> str | None:
    """One line for the person starting the forum when ``exc`` (or what caused it) means the
    database at ``url`` cannot be reached: where, why, and the setting to check (its
    password masked). None for any other error."""
    reason = None
    seen: BaseException | None = exc
    for _depth in range(10):  # the error and what it was raised from
        if seen is None or reason is not None:
            break
        reason = unavailable_reason(seen)
        seen = seen.__cause__ or seen.__context__
    if reason is None:
        return None
    masked, where = describe_url(url)
    return _("Cannot reach the database at ${where}: ${reason}. Check that it is running and "
             "accepts connections, and check forum.database_url (${url}).",
             mapping={"where": where, "reason": reason, "url": masked})


def describe_url(url: str) -> tuple[str, str]:
    """``url`` with its password masked, and where the database is (``host:port``, or the
    file of a SQLite database), for messages."""
    try:
        parsed = make_url(url)
    except Exception:
        return url, url
    masked = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        return masked, parsed.database or ":memory:"
    return masked, f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


class DatabaseBusy(Exception):
    """The database stayed busy with other writes for too long (answered 503)."""


_WRITING = "forum.writing"
#: how long a write waits for its turn before the member is asked to try again
WRITE_QUEUE_TIMEOUT_S = 60


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT and transactional
    # DDL (SQLAlchemy's SQLite dialect docs); turn it off and emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL with synchronous=NORMAL may lose the last commits on power loss, not on a crash of
    # the process; FULL keeps every acknowledged write.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_on_begin(queue: WriteQueue, connection: Any) -> None:
    # A transaction that is going to write takes SQLite's write lock when it begins. With a
    # deferred BEGIN, a transaction that read first and then writes while another one holds
    # the lock fails at once with SQLITE_BUSY (busy_timeout cannot help a read snapshot that
    # has become stale), so concurrent posters would see errors instead of waiting their turn.
    immediate = connection.get_execution_options().get(WRITE_INTENT)
    if immediate:
        queue.enter(connection.info)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    except Exception:
        queue.leave(connection.info)
        raise


#: Execution option marking connections of sessions that will write (see _sqlite_on_begin).
WRITE_INTENT = "forum_write_intent"

#: Request methods that never change anything, whose transactions only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_session_factory(engine: Engine, write: bool = True) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``write=False`` for work that only reads (cheaper on SQLite)."""
    bind = engine.execution_options(**{WRITE_INTENT: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def open_session(factory: sessionmaker[Session], registries: Registries | None = None,
                 ) -> Session:
    """A session of the forum with these ``registries``: its content events reach the
    plugins' hooks, and services can find the content types and notification kinds."""
    session = factory()
    if registries is not None:
        bind(session, registries)
    return session


#: session.info: the transaction manager of the request the session belongs to
_REQUEST_TM = "forum.transaction_manager"


def _joins_request(factory: sessionmaker[Session]) -> None:
    """Join the sessions of ``factory`` that belong to a request to its transaction
    (pyramid_tm), as ``zope.sqlalchemy.register`` does; sessions outside requests (the
    search index's, commands') are left alone.

    Listening once on the factory instead of on every request's session saves the
    registration of seven listeners per request (50 us)."""
    def events(session: Session) -> Any:
        manager = session.info.get(_REQUEST_TM)
        return None if manager is None else zope_sqlalchemy.ZopeTransactionEvents(
            transaction_manager=manager)

    def on_session(name: str) -> Any:
        def listener(session: Session, *args: Any) -> None:
            found = events(session)
            if found is not None:
                getattr(found, name)(session, *args)
        return listener

    def on_context(name: str) -> Any:
        def listener(context: Any) -> None:
            found = events(context.session)
            if found is not None:
                getattr(found, name)(context)
        return listener

    for name in ("after_begin", "after_attach", "after_flush", "before_commit"):
        event.listen(factory, name, on_session(name))
    for name in ("after_bulk_update", "after_bulk_delete", "do_orm_execute"):
        event.listen(factory, name, on_context(name))


def read_rows(db: Session, statement: Executable, params: Mapping[str, Any] | None = None,
              ) -> Result[Any]:
    """Run a statement that reads columns on the session's connection, in its transaction.

    For the small reads every page repeats (``select(Model.a, Model.b).where(...)``):
    ``Session.execute`` costs three times what such a read does (48 us against 15 us for
    one row). Changes waiting in the session are flushed first, as ``Session.execute``
    would, so the read sees them. The rows are plain rows: select model objects (which the
    session tracks) with ``session.execute``/``session.scalars``.
    """
    if db.autoflush:
        # what Session.execute does before it reads; nothing to do when nothing changed
        db.flush()
    return db.connection().execute(statement, params or {})


M = TypeVar("M", bound=Base)


def dialect_insert(session: Session, model: type[Base]) -> Any:
    """``INSERT INTO model``, as the dialect of the session's database builds it: the form
    that knows ``ON CONFLICT`` (SQLite and PostgreSQL spell it the same)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_if_absent(session: Session, model: type[Base], values: Mapping[str, Any],
                     conflict: Sequence[str] | None = None) -> bool:
    """Insert one row of ``model`` unless a row with the same unique key exists already;
    returns whether this call inserted it.

    For every "create if absent" write (joining a group, voting, a read marker, a name that
    must be unique): checking first and inserting after is a race, since two requests can
    both see nothing and both insert, and the loser's transaction fails on the unique key.
    ``INSERT ... ON CONFLICT DO NOTHING`` lets the database decide: on PostgreSQL the second
    insert waits for the first transaction, then inserts nothing if it committed; nothing
    fails, so the caller's transaction stays usable. The column defaults of the model apply.

    :param values: the new row's column values by attribute name.
    :param conflict: the columns of the unique key or constraint that decides "exists"
        (``("group_id", "user_id")``); None: any unique key of the table.
    :return: True if the row was inserted, False if one existed (nothing was changed).
    """
    statement = dialect_insert(session, model).values(**values)
    if conflict is None:
        statement = statement.on_conflict_do_nothing()
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    primary_key = model.__mapper__.primary_key
    return session.execute(statement.returning(*primary_key)).first() is not None


def insert_all_if_absent(session: Session, model: type[Base],
                         rows: Sequence[Mapping[str, Any]], conflict: Sequence[str],
                         returning: Sequence[str] = (), chunk: int = 500) -> list[Any]:
    """:func:`insert_if_absent` for many rows at once (every row with the same columns), a
    few hundred per statement: for work that writes thousands (a backfill).

    :return: the ``returning`` columns of each row this call inserted (rows that existed are
        left out), or of their primary key when ``returning`` is empty.
    """
    columns = ([getattr(model, name) for name in returning] if returning
               else list(model.__mapper__.primary_key))
    inserted: list[Any] = []
    for start in range(0, len(rows), chunk):
        statement = (dialect_insert(session, model).values(list(rows[start:start + chunk]))
                     .on_conflict_do_nothing(index_elements=list(conflict))
                     .returning(*columns))
        inserted.extend(session.execute(statement).all())
    return inserted


def get_or_insert(session: Session, model: type[M], values: Mapping[str, Any],
                  conflict: Sequence[str]) -> tuple[M, bool]:
    """The row of ``model`` whose ``conflict`` columns have the values in ``values``,
    inserted with ``values`` if there is none (see :func:`insert_if_absent`), and whether
    this call inserted it. Repeated and concurrent calls all get the one row."""
    created = insert_if_absent(session, model, values, conflict)
    found = session.scalars(
        select(model).filter_by(**{name: values[name] for name in conflict})
        .execution_options(populate_existing=True)).one()
    return found, created


def _request_db(request: Request) -> Session:
    registry = request.registry
    kind = "read" if request.method in SAFE_METHODS else "write"
    session = open_session(registry[f"forum.db_{kind}_sessions"], registry.forum.registries)
    session.info[_REQUEST_TM] = request.tm
    return session


def lock_row(session: Session, model: type[Base], key: Any) -> None:
    """Lock the row of ``model`` with primary key ``key`` until the transaction ends
    (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite lets one transaction write at a time,
    which locks everything anyway).

    For "create if absent" writes that no unique key can guard (an open flag, an invitation
    that is not expired, at most N tokens): lock the row they belong to first, then check
    and insert; a concurrent request doing the same waits, and its check sees the row
    this one wrote. Lock the same kind of row in the same order everywhere.
    """
    (primary_key,) = model.__mapper__.primary_key
    session.execute(select(primary_key).where(primary_key == key).with_for_update())


def _failed_in_database(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised while handling, came from the database."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DBAPIError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def recover_session(request: Request) -> None:
    """Make the request's session usable by an error view after a failed write.

    A flush that failed (a unique key taken by a concurrent request) leaves the session's
    transaction broken: every later use raises ``PendingRollbackError``, and on PostgreSQL
    any statement fails until the transaction is rolled back. The error page still needs the
    database (the member, their language, the site's name), so the broken transaction is
    rolled back here; what the page reads then runs in a new one, which pyramid_tm aborts
    like every transaction of a request that ended in an error (and which is closed when
    the request ends, if the transaction manager has let go of the session already)."""
    session = request.__dict__.get("db")
    if session is None:
        return
    if session.is_active and not _failed_in_database(request.exception):
        return
    session.rollback()
    request.add_finished_callback(lambda request: session.close())


def _error_views_recover(view: Any, info: Any) -> Any:
    """A view deriver: every view answering an exception first calls
    :func:`recover_session` (the core's error pages, the API's problems, plugins' own)."""
    def recovering(context: Any, request: Request) -> Any:
        if getattr(request, "exception", None) is not None:
            recover_session(request)
        return view(context, request)
    return recovering


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    engine = make_engine(settings["forum.database_url"])
    config.registry["forum.db_engine"] = engine
    for kind in ("read", "write"):
        factory = make_session_factory(engine, write=kind == "write")
        _joins_request(factory)
        config.registry[f"forum.db_{kind}_sessions"] = factory
    # one transaction per request, committed or aborted by pyramid_tm
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    # pyramid_tm would look the member up outside the error views; the views do it anyway
    settings.setdefault("tm.annotate_user", False)
    config.include("pyramid_tm")
    config.add_request_method(_request_db, "db", reify=True)
    config.add_view_deriver(_error_views_recover, "forum_recover_session")
