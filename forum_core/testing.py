"""Test fixtures for the forum and its plugins, installed as the pytest plugin ``forum``.

Every forum test gets a real database: by default a SQLite file in the test's temporary folder,
copied from a template that was migrated once per test session; with ``postgres=True`` a fresh
schema in the PostgreSQL server named by ``FORUM_TEST_POSTGRES_URL``. The app is the real WSGI
application under WebTest. Plugin test suites use the same fixtures::

    def test_my_page(make_forum):
        forum = make_forum(plugins=["myplugin"])
        assert "Hello" in forum.app.get("/myplugin/").text

Background jobs wait in the forum's real queue (a SQLite file in its data folder) until the
test runs them with :meth:`Forum.run_jobs`, so a test sees what a member sees the moment the
page answers, then what the jobs did::

    def test_invitation_mail(make_forum):
        forum = make_forum(plugins=["myplugin"])
        ...  # a request that sends mail
        assert forum.outbox() == []
        forum.run_jobs()
        (message,) = forum.outbox()
"""

from __future__ import annotations

import datetime as dt
import email
import email.message
import functools
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from forum_core.hookspecs import hookimpl

POSTGRES_ENV = "FORUM_TEST_POSTGRES_URL"
#: the password of members made by :meth:`Forum.create_user`
PASSWORD = "correct horse battery"


@dataclass
class Forum:
    """A configured forum for one test: settings, environment, database and WebTest app."""

    settings: dict[str, Any]
    env: Any
    engine: Any
    _app: Any = None
    _cleanups: list[Callable[[], None]] = field(default_factory=list)
    _runtime: Any = None

    @property
    def app(self) -> Any:
        """The WSGI application under WebTest, built on first use."""
        if self._app is None:
            import webtest

            from forum_core.app import make_wsgi_app

            self._app = webtest.TestApp(make_wsgi_app(self.settings, self.env))
        return self._app

    def another_browser(self) -> Forum:
        """The same forum seen from a second browser: same app, its own cookies."""
        import webtest

        return Forum(settings=self.settings, env=self.env, engine=self.engine,
                     _app=webtest.TestApp(self.app.app), _runtime=self.runtime)

    def close(self) -> None:
        """Close every database connection of this forum, then drop what the test made."""
        if self._app is not None:
            from forum_core.app import close_app

            close_app(self._app.app)
        if self._runtime is not None:
            self._runtime.queue.close()
        self.engine.dispose()
        for cleanup in self._cleanups:
            cleanup()

    @property
    def runtime(self) -> Any:
        """Sessions, search upkeep and the job queue outside the app (``forum_core.worker``)."""
        if self._runtime is None:
            from forum_core.worker import open_runtime

            # jobs that write e-mail take the links and languages of the test's app
            self._runtime = open_runtime(self.env, self.engine,
                                         app_registry=lambda: self.app.app.registry)
        return self._runtime

    def session(self, search: bool = True) -> Any:
        """A database session committed at the end of the block (``with forum.session() as
        session:``): content events are announced, the search index follows and jobs are
        queued, as after a request. Threads writing at once (concurrency tests) pass
        ``search=False``: their commits leave the search index alone."""
        if search:
            return self.runtime.session()
        from forum_core.db import make_session_factory
        from forum_core.worker import committed

        factory = make_session_factory(self.engine)
        self.runtime.queue.bind_sessions(factory)
        return committed(factory, self.env.registries)

    # -- background jobs and e-mail -------------------------------------------------------

    def run_jobs(self, include_scheduled: bool = False) -> int:
        """Run the queued jobs here and now, and the jobs they queue, until none is left;
        returns how many ran. ``include_scheduled``: also the retries of failed attempts
        that are waiting for their time (so a test need not wait out the backoff)."""
        return self.runtime.queue.run_queued(include_scheduled=include_scheduled)

    def run_periodic_jobs(self, at: dt.datetime | None = None) -> int:
        """Run every periodic job whose schedule falls on the minute of ``at`` (a UTC
        time; now by default), as a worker's scheduler would, then what they queue;
        returns how many periodic jobs ran."""
        queue = self.runtime.queue
        moment = at or dt.datetime.now(dt.UTC)
        ran = sum(queue.start_periodic(name, moment) for name, declared in queue.declared.items()
                  if declared.job.matches(moment))
        self.run_jobs()
        return ran

    def jobs(self) -> list[Any]:
        """The jobs that wait, run or failed (ledger rows: ``name``, ``state``,
        ``attempts``, ``last_error``, ``arguments`` as JSON), as ``forum jobs`` lists them."""
        with self.session() as session:
            rows = self.runtime.queue.listing(session, limit=10_000)
            session.expunge_all()
            return rows

    def outbox(self) -> list[email.message.Message]:
        """The e-mails written to the outbox folder (``forum.smtp_host`` unset), oldest
        first. Mail is a job: call :meth:`run_jobs` first."""
        folder = Path(self.settings["forum.data_dir"]) / "outbox"
        if not folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes())
                for path in sorted(folder.glob("*.eml"))]

    # -- factories: real rows, written through the core's own services ----------------------

    def create_user(self, username: str, role: str = "member",
                    password: str = PASSWORD) -> int:
        """A member (``role`` member, moderator or admin) with the e-mail
        ``<username>@example.com``; returns their id."""
        with self.session() as session:
            user = _user_service()(session).create_user(
                username, f"{username}@example.com", password, role=role)
            return user.id

    def _content(self, session: Any) -> Any:
        from forum_core.content import content_service

        return content_service(session)

    def create_category(self, name: str = "General", description: str = "",
                        **options: Any) -> str:
        """A category; ``options`` as the admin page has them (``slug``, ``read_access``,
        ``topic_access``, ``reply_access``: everyone, members, moderators or admins).
        Returns its slug."""
        with self.session() as session:
            return self._content(session).create_category(
                name, description or f"About {name}.", **options).slug

    def create_topic(self, username: str, category: str = "general",
                     title: str = "Hello there", body: str = "First post") -> int:
        """A topic started by ``username`` in the category with slug ``category``; returns
        the topic's id. Content events are announced as from a request."""
        from forum_core.accounts.models import User
        from forum_core.content.models import Category

        with self.session() as session:
            author = session.scalar(select(User).where(User.username == username))
            where = session.scalar(select(Category).where(Category.slug == category))
            if author is None or where is None:
                raise LookupError(f"no member {username!r} or no category {category!r}")
            return self._content(session).create_topic(author, where, title, body).id

    def topic_path(self, topic_id: int) -> str:
        """The address of topic ``topic_id``'s page (``/t/<id>/<slug>``; ``/t/<id>`` alone
        redirects there)."""
        from forum_core.content.models import Topic

        with self.session() as session:
            topic = session.get(Topic, topic_id)
            if topic is None:
                raise LookupError(f"no topic {topic_id}")
            return f"/t/{topic.id}/{topic.slug}"

    def reply(self, username: str, topic_id: int, body: str = "A reply") -> int:
        """A reply by ``username`` to topic ``topic_id``; returns the post's id."""
        from forum_core.accounts.models import User
        from forum_core.content.models import Topic

        with self.session() as session:
            author = session.scalar(select(User).where(User.username == username))
            topic = session.get(Topic, topic_id)
            if author is None or topic is None:
                raise LookupError(f"no member {username!r} or no topic {topic_id}")
            return self._content(session).reply(author, topic, body).id

    def create_group(self, name: str, owner: str, members: Iterable[str] = (),
                     space: str | None = None, kind: str = "invite") -> tuple[int, str | None]:
        """A group owned by ``owner`` with ``members`` in it (usernames), through the
        ``groups`` capability (so the plugin that provides it must be enabled), and, with
        ``space``, a members-only category of that name. Returns the group's id and the
        space's slug."""
        from forum_core.accounts.models import User
        from forum_core.registries import capability

        with self.session() as session:
            groups = capability(session, "groups")
            if groups is None:
                raise LookupError("no enabled plugin provides groups: enable 'groups'")
            ids = dict(session.execute(select(User.username, User.id).where(
                User.username.in_([owner, *members]))).all())
            group_id = groups.create_group(session, name, ids[owner],
                                           [ids[member] for member in members], kind)
            slug = groups.add_space(session, group_id, space) if space else None
            return group_id, slug

    @contextmanager
    def events(self) -> Iterator[list[Any]]:
        """Record the content events this forum announces after commit (what plugins'
        ``forum_on_event`` receives) while the block runs::

            with forum.events() as seen:
                forum.reply("mira", topic_id, "Hi")
            assert any(isinstance(event, PostCreated) for event in seen)
        """
        seen: list[Any] = []
        recorder = _EventRecorder(seen)
        pm = self.env.pm
        pm.register(recorder, name=f"test-recorder-{id(recorder)}")
        self.env.hooks.refresh()
        try:
            yield seen
        finally:
            pm.unregister(recorder)
            self.env.hooks.refresh()

    def api_token(self, username: str, name: str | None = None) -> str:
        """A personal API token of ``username``, for ``Authorization: Bearer``; ``name``
        must be new among the member's tokens (by default a fresh one is made up)."""
        from forum_core.accounts.models import User
        from forum_core.accounts.services import DatabaseUserService

        with self.session() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise LookupError(f"no member {username!r}")
            name = name or f"tests {secrets.token_hex(4)}"
            return DatabaseUserService(session).create_api_token(user, name)[1]

    # -- browsers -------------------------------------------------------------------------

    def login(self, username: str, password: str = PASSWORD) -> Any:
        """Sign in through the real form; the TestApp keeps the cookie."""
        form = self.app.get("/login").forms[0]
        form["login"], form["password"] = username, password
        return form.submit().follow()

    def browser(self, username: str | None = None) -> Forum:
        """Another browser, signed in as ``username`` (anonymous for None)."""
        browser = self.another_browser()
        if username:
            browser.login(username)
        return browser

    def csrf_token(self) -> str:
        """This browser's CSRF token (double-submit: the value of its cookie)."""
        if "forum_csrf" not in self.app.cookies:
            self.app.get("/login")  # a page with a form sets the token's cookie
        return self.app.cookies["forum_csrf"]

    def post_form(self, url: str, **fields: Any) -> Any:
        """POST a form as this browser, with its CSRF token; any status is returned."""
        return self.app.post(url, {**fields, "csrf_token": self.csrf_token()}, status="*")

    def crawl(self, limit: int = 150, start: str = "/") -> dict[str, str]:
        """GET every page of the forum reachable from ``start`` by following links, as
        this browser (no forms are sent); returns each address's HTML. For leak tests:
        assert that no page contains what this browser's member may not see."""
        seen: dict[str, str] = {}
        queue = [start]
        while queue and len(seen) < limit:
            url = queue.pop(0)
            if url in seen:
                continue
            response = self.app.get(url, status="*", expect_errors=True)
            html = response.content_type == "text/html"
            seen[url] = response.text if html else ""
            if not html:
                continue
            for link in response.html.find_all("a", href=True):
                href = urldefrag(link["href"])[0]
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not href.startswith("/") \
                        or href.startswith(("/static/", "/avatars/")) or href in seen:
                    continue
                queue.append(href)
        return seen


@functools.cache
def _user_service() -> type:
    from forum_core.accounts.services import DatabaseUserService

    class TestUserService(DatabaseUserService):
        """The core's user service, except that the members tests make with the default
        :data:`PASSWORD` share one real argon2 hash of it, made once per process (each hash
        takes tens of milliseconds, and the tests make thousands of members). Any other
        password is hashed as always, and signing in verifies the stored hash as always."""

        default_hash: str | None = None

        def hash_password(self, password: str) -> str:
            if password != PASSWORD:
                return super().hash_password(password)
            if TestUserService.default_hash is None:
                TestUserService.default_hash = super().hash_password(password)
            return TestUserService.default_hash

    return TestUserService


class _EventRecorder:
    """A plugin-like object that keeps the events announced after commit."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    @hookimpl
    def forum_on_event(self, event: Any) -> None:
        self.seen.append(event)


def whoosh_names_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """For Hypothesis tests that write through the app: Hypothesis seeds the global random
    module alike for every example, and Whoosh names new segments and temporary files with
    it (the same name twice would clash); it also fails an example whose data drawing sees
    the global random state move, which the background index writer's naming would do. A
    server never reseeds it, so only tests need this."""
    import whoosh.codec.base
    import whoosh.filedb.compound
    import whoosh.filedb.filestore
    import whoosh.writing

    for module in (whoosh.codec.base, whoosh.filedb.compound, whoosh.filedb.filestore,
                   whoosh.writing):
        monkeypatch.setattr(module, "random_name",
                            lambda size=28: secrets.token_hex(size)[:size])


def run_together(count: int, work: Callable[[int], None], timeout: float = 300,
                 ) -> list[BaseException]:
    """Run ``work(index)`` in ``count`` threads that start at the same moment (for tests of
    concurrent writers); returns the exceptions the threads raised."""
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors


@contextmanager
def served(forum: Forum, threads: int = 2) -> Iterator[str]:
    """Serve ``forum``'s WSGI app over real HTTP with waitress on a free local port, for
    clients that speak HTTP (a browser, schemathesis); yields its base URL."""
    import threading

    from waitress.server import create_server

    # its own socket map: waitress' default one is shared by every server of the process, and
    # sockets are closed by the thread that polls them, so no other thread polls a closed one
    sockets: dict[int, Any] = {}
    server = create_server(forum.app.app, map=sockets, host="127.0.0.1", port=0,
                           threads=threads)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.asyncore.loop(timeout=0.1, map=sockets, count=1)
        for dispatcher in list(sockets.values()):
            dispatcher.close()
        server.task_dispatcher.shutdown()

    thread = threading.Thread(target=serve, name="served-forum", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)


def check_api(forum: Forum, token: str, *, tags: tuple[str, ...] = (),
              operations: dict[str, Any] | None = None, max_examples: int = 20, seed: int = 1,
              checks_off: dict[str, str] | None = None) -> list[str]:
    """Run schemathesis against ``forum``'s JSON API as the member whose API ``token`` is
    given, over every operation of ``/api/v1/openapi.json`` (the core's and the enabled
    plugins'), in all its phases (examples, coverage, fuzzing, stateful), with every check.
    Returns the failures found, one readable paragraph each (empty: the API answers as its
    document says); a phase that left out an operation is a failure too.

    The run is deterministic (a fixed ``seed``, no example database) and bounded by
    ``max_examples`` per operation and phase.

    :param tags: only the operations of these OpenAPI tags (a plugin's, e.g. ``("ideas",)``);
        all of them by default.
    :param operations: schemathesis ``[[operations]]`` settings by operationId, e.g.
        ``{"search": {"checks": {"positive_data_acceptance": {"enabled": False}}}}``.
    :param checks_off: checks to leave out of the whole run, each with the reason.
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema
    from schemathesis.engine.run import PhaseName

    # every check schemathesis has, so one a later release adds runs too
    checks: dict[str, Any] = {"enabled": True}
    checks.update({name: {"enabled": False} for name in checks_off or {}})
    config = SchemathesisConfig.from_dict({
        "seed": seed,
        # a health check that times data generation: on a busy machine it fails at random
        "suppress-health-check": ["too_slow"],
        "workers": 1,
        "headers": {"Authorization": f"Bearer {token}"},
        "checks": checks,
        "generation": {"max-examples": max_examples, "deterministic": True,
                       "database": "none"},
        # values seen in responses are not mixed into generated bodies while fuzzing: checking
        # them against long text schemas over and over made that phase ten times slower; the
        # stateful phase still follows the ids and addresses the responses give
        "phases": {"fuzzing": {"extra-data-sources": {"responses": False}},
                   "stateful": {"max-steps": 10}},
        "operations": [{"include-operation-id": name, **settings}
                       for name, settings in (operations or {}).items()],
    })
    for _attempt in (1, 2):
        failures: list[str] = []
        interpreter_bug = False
        with served(forum) as url:
            schema: Any = schemathesis.openapi.from_url(url + "/api/v1/openapi.json",
                                                        config=config)
            if tags:
                schema = schema.include(tag=list(tags))
            everything = {result.ok().label for result in schema.get_all_operations()}
            tested: dict[PhaseName, set[str]] = {}
            for event in from_schema(schema).execute():
                if isinstance(event, events.ScenarioFinished):
                    if event.status != Status.SKIP and event.label is not None:
                        tested.setdefault(event.phase, set()).add(event.label)
                    failures += _failures(event) if event.status == Status.FAILURE else []
                elif isinstance(event, (events.NonFatalError, events.FatalError)):
                    interpreter_bug |= _ast_counter_race(event)
                    failures.append(f"schemathesis could not run: {event!r}")
        if not interpreter_bug:
            break
    for phase in (PhaseName.COVERAGE, PhaseName.FUZZING):
        missing = everything - tested.get(phase, set())
        if missing:
            failures.append(f"the {phase.value} phase left out {sorted(missing)}")
    return failures


def _ast_counter_race(event: Any) -> bool:
    """Whether schemathesis stopped on CPython 3.11's AST constructor race: its recursion
    counter is shared by all threads (python/cpython#106905), so hypothesis parsing source
    in the engine's thread while the served forum formats a traceback (which parses the
    failing line) in its own thread can raise a SystemError that says nothing about the
    API. ``check_api`` runs once more then; a second one fails the check as usual."""
    value = getattr(event, "value", None)
    return isinstance(value, SystemError) and "recursion depth mismatch" in str(value)


def _failures(event: Any) -> list[str]:
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            info = check.failure_info
            if info is not None:
                found.append(f"{event.label} [{event.phase.value}] {check.name}: "
                             f"{info.failure.title}\n{info.failure.message}\n{info.code_sample}")
    return found


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _migrated_copy(cache: dict[Any, Path], workdir: Path, plugins: tuple[str, ...],
                   base_settings: dict[str, Any], target: Path,
                   entry_points: list[Any] | None) -> None:
    from forum_core.db import make_engine
    from forum_core.environment import load_environment
    from forum_core.migrations import upgrade

    template = cache.get(plugins)
    if template is None:
        template = workdir / f"template-{len(cache)}.sqlite"
        settings = {**base_settings, "forum.database_url": f"sqlite:///{template}"}
        engine = make_engine(settings["forum.database_url"])
        upgrade(engine, load_environment(settings, environ={}, entry_points=entry_points))
        with engine.connect() as conn:  # fold the WAL into the file before copying it
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        cache[plugins] = template
    shutil.copyfile(template, target)


@pytest.fixture(scope="session")
def _forum_template_dbs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    return {}, tmp_path_factory.mktemp("forum-templates")


@pytest.fixture
def make_forum(tmp_path: Path, _forum_template_dbs: tuple[dict, Path],
               ) -> Iterator[Callable[..., Forum]]:
    """Factory: ``make_forum(plugins=(), postgres=False, migrate=True, **settings)``.

    Settings use their short names with dots, e.g. ``make_forum(**{"forum.theme": "x"})``.
    The process environment is ignored, so a developer's ``FORUM_*`` variables cannot leak in.
    """
    from forum_core.db import make_engine
    from forum_core.environment import load_environment
    from forum_core.migrations import upgrade

    forums: list[Forum] = []
    cache, workdir = _forum_template_dbs

    def factory(plugins: tuple[str, ...] | list[str] = (), postgres: bool = False,
                migrate: bool = True, entry_points: list[Any] | None = None,
                **extra: Any) -> Forum:
        cleanups: list[Callable[[], None]] = []
        settings: dict[str, Any] = {
            "forum.secret": secrets.token_urlsafe(32),
            "forum.plugins": " ".join(plugins),
            "forum.data_dir": str(tmp_path / f"data{len(forums)}"),
        }
        settings.update(extra)
        if postgres:
            settings["forum.database_url"] = _postgres_schema(cleanups)
        elif "forum.database_url" not in extra:
            db_file = tmp_path / f"forum{len(forums)}.sqlite"
            settings["forum.database_url"] = f"sqlite:///{db_file}"
            if migrate:
                _migrated_copy(cache, workdir, tuple(plugins), settings, db_file, entry_points)
        env = load_environment(settings, environ={}, entry_points=entry_points)
        engine = make_engine(settings["forum.database_url"])
        if migrate:
            upgrade(engine, env)
        forum = Forum(settings=settings, env=env, engine=engine, _cleanups=cleanups)
        forums.append(forum)
        return forum

    yield factory
    # the last made first: a forum made on another's database (the same URL) writes what it
    # kept in memory before the first one drops that database
    for forum in reversed(forums):
        forum.close()


def _postgres_schema(cleanups: list[Callable[[], None]]) -> str:
    """A fresh schema in the test PostgreSQL database, dropped after the test."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = postgres_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{POSTGRES_ENV} must be set in CI: the PostgreSQL tests must run")
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    base = make_url(url).set(drivername="postgresql+psycopg")
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    cleanups.append(drop)
    with_path = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return with_path.render_as_string(hide_password=False)


class Inbox:
    """What a real SMTP server (:func:`smtp`) received, parsed with the ``email`` package."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import email.policy

        self.messages.append(email.message_from_bytes(
            envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def take(self) -> list[email.message.EmailMessage]:
        taken, self.messages[:] = list(self.messages), []
        return taken


@pytest.fixture
def smtp() -> Iterator[tuple[Any, Inbox]]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1: ``(controller, inbox)``;
    give a forum ``forum.smtp_host`` 127.0.0.1, ``forum.smtp_port`` the controller's port
    and ``forum.smtp_tls`` none."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def forum(make_forum: Callable[..., Forum]) -> Forum:
    """A migrated forum on SQLite with no plugins enabled."""
    return make_forum()
