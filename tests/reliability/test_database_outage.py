"""The database cannot be reached: every page, the sign-in form and the JSON API answer a 503
drawn without it (HTML in the reader's language, a problem document in the API), the log has
one line for the outage instead of a traceback per request, and the forum answers as usual
again as soon as the database is back.

The shared PostgreSQL server is never stopped: the forum is pointed at a port where nothing
listens, or at a small TCP forwarder to the real server that the test switches off and on.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.functional.test_discussions import make_category, make_topic
from tests.reliability.conftest import call, free_port

PAGES = ["/", "/login", "/register", "/search?q=wombat", "/t/1", "/c/general", "/u/mira",
         "/latest.atom", "/no-such-page"]


def refused_url() -> str:
    """A PostgreSQL URL whose connections are refused: nothing listens on its port."""
    return f"postgresql://forum:s3cret@127.0.0.1:{free_port()}/forum"


def test_every_page_answers_503_drawn_without_the_database(make_forum, caplog):
    forum = make_forum(migrate=False, **{"forum.database_url": refused_url(),
                                         "forum.site_name": "Wombat Club"})
    with caplog.at_level(logging.WARNING):
        for path in PAGES:
            page = forum.app.get(path, status=503, headers={"Accept-Language": "nl"})
            assert page.content_type == "text/html"
            assert page.headers["Retry-After"] == "30"
            assert page.headers["Cache-Control"] == "no-store"
            assert "ETag" not in page.headers and "Set-Cookie" not in page.headers
            # the core's error page, in the reader's language, with the name from forum.ini
            assert '<html lang="nl">' in page.text
            assert 'class="error-page"' in page.text and "Wombat Club" in page.text
            assert "Het forum is op dit moment niet beschikbaar" in page.text  # translated
            assert "Naar de startpagina" in page.text  # "Go to the home page", translated
        # a member's cookie changes nothing: no member is looked up
        forum.app.set_cookie("forum_session", "x" * 40)
        page = forum.app.get("/", status=503)
        assert "Sign in" in page.text and "nav-user" not in page.text
        # a form sent during the outage
        page = forum.app.post("/login", {"login": "mira", "password": "x"}, status=503)
        assert "The forum is not available right now" in page.text
        # the JSON API
        for path in ("/api/v1/categories", "/api/v1/topics/1", "/api/v1/me"):
            answer = forum.app.get(path, status=503)
            assert answer.content_type == "application/problem+json"
            assert answer.json["status"] == 503
            assert answer.json["title"] == "The forum is not available right now"
            assert answer.headers["Retry-After"] == "30"
            assert answer.headers["Cache-Control"] == "no-store"
        answer = forum.app.get("/api/v1/categories", status=503,
                               headers={"Authorization": "Bearer abc"})
        assert answer.content_type == "application/problem+json"
    # one line for the whole outage, naming the database (its password masked) and the
    # driver's reason; no traceback
    lines = [r for r in caplog.records if "not reachable" in r.getMessage()]
    outage_lines = [r for r in lines if r.name == "forum_core.views.outage"]
    assert len(outage_lines) == 1, [r.getMessage() for r in lines]
    message = outage_lines[0].getMessage()
    assert "Connection refused" in message and "s3cret" not in message
    assert "127.0.0.1" in message
    assert not any(r.exc_info for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert "Traceback" not in caplog.text


def test_a_faulty_statement_is_no_outage_a_refused_connection_is(make_forum):
    from forum_core.db import unavailable_reason

    forum = make_forum()
    with pytest.raises(Exception) as raised, forum.engine.connect() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    assert unavailable_reason(raised.value) is None
    with pytest.raises(Exception) as raised:
        make_forum(migrate=False, **{"forum.database_url": refused_url()}).engine.connect()
    assert unavailable_reason(raised.value) == "Connection refused"


def test_the_job_workers_say_so_in_one_line_and_keep_the_jobs(make_forum, caplog):
    forum = make_forum(migrate=False, **{"forum.database_url": refused_url()})
    queue = forum.runtime.queue
    with caplog.at_level(logging.WARNING, logger="forum_core.jobs"):
        assert queue.run(1) is False  # a message for ledger row 1: not claimed, not lost
        queue._replay_logged()  # the workers' minute: nothing to hand over can be read
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "job 1 was not run", "could not look for jobs left behind"]
    assert all("Connection refused" in r.getMessage() and not r.exc_info
               for r in caplog.records)


# -- the database goes away and comes back, under a real 'forum serve' -----------------------


class Forwarder:
    """A TCP forwarder on a local port to ``target``: ``down()`` closes the port and every
    connection through it (new connections are refused, as by a stopped server), ``up()``
    opens it again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.open_sockets: list[socket.socket] = []

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.open_sockets = self.open_sockets, []
        if listener is not None:
            listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                if self.listener is not listener:
                    client.close(), server.close()
                    return
                self.open_sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def forwarded_forum(make_forum) -> Iterator[tuple[object, Forwarder]]:
    forum = make_forum(postgres=True)
    make_category(forum, "General")
    forum.create_user("mira")
    url = make_url(forum.settings["forum.database_url"])
    forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    forwarder.up()
    forum.settings["forum.database_url"] = url.set(port=forwarder.port).render_as_string(
        hide_password=False)
    yield forum, forwarder
    forwarder.down()


def wait_for(url: str, status: int, seconds: float = 20) -> float:
    """Ask ``url`` until it answers ``status``; returns how long that took."""
    start = time.monotonic()
    while True:
        answered, _body = call(url, timeout=10)
        if answered == status:
            return time.monotonic() - start
        assert time.monotonic() - start < seconds, f"{url} still answers {answered}"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_database_goes_away_and_comes_back(forwarded_forum, serve):
    forum, forwarder = forwarded_forum
    topic = make_topic(forum, "mira", "general", "Still here", "Before the outage.")
    server = serve(forum)
    assert call(f"{server.url}/t/{topic}")[0] == 200

    forwarder.down()
    for _round in range(3):
        status, page = call(f"{server.url}/t/{topic}")
        assert status == 503 and "The forum is not available right now" in page
        status, problem = call(f"{server.url}/api/v1/topics/{topic}")
        assert status == 503 and problem["status"] == 503
    status, page = call(f"{server.url}/login", "POST", headers={"Accept-Language": "nl"})
    assert status == 503 and '<html lang="nl">' in page

    forwarder.up()
    # back by itself, on the first requests after the database is (bounded generously)
    assert wait_for(f"{server.url}/t/{topic}", 200) < 10
    status, page = call(f"{server.url}/t/{topic}")
    assert status == 200 and "Before the outage." in page
    status, topics = call(f"{server.url}/api/v1/topics/{topic}")
    assert status == 200

    server.stop()
    log = server.ini.with_suffix(f".{server.port}.log").read_text()
    assert len(re.findall(r"the database \(.*\) is not reachable", log)) == 1, log
    assert "is reachable again" in log
    data = Path(str(forum.settings["forum.data_dir"])).resolve()
    assert f"Data folder (forum.data_dir): {data}\nRunning background jobs" in log
    assert "Traceback" not in log, log
