"""Real servers for the reliability tests: ``forum serve`` (waitress) in a child process on the
test's database, talked to over HTTP from threads, and killed when a test says so."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FORUM = Path(sys.executable).with_name("forum")
DATABASES = [pytest.param(False, id="sqlite"),
             pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(forum: Any, path: Path) -> Path:
    lines = "\n".join(f"{key} = {str(value).replace('%', '%%')}"
                      for key, value in forum.settings.items())
    path.write_text(f"[app:main]\nuse = egg:forum-core\n{lines}\n\n"
                    "[server:main]\nuse = egg:waitress#main\n")
    return path


@dataclass
class Server:
    """One ``forum serve`` process."""

    ini: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with open(self.ini.with_suffix(f".{self.port}.log"), "ab") as log:
            self.process = subprocess.Popen(
                [str(FORUM), "serve", "--config", str(self.ini), "--host", "127.0.0.1",
                 "--port", str(self.port), "--threads", "8"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(self.ini.with_suffix(f".{self.port}.log").read_text())
            try:
                urllib.request.urlopen(self.url + "/robots.txt", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(forum, **environment)``: a started server on ``forum``'s database."""
    servers: list[Server] = []

    def start(forum: Any, name: str = "forum", **environ: str) -> Server:
        ini = write_ini(forum, tmp_path / f"{name}.ini")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
        env.update({"FORUM_RATE_POST": "100000/60", **environ})
        server = Server(ini, env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def call(url: str, method: str = "GET", body: Any = None, token: str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, Any]:
    """One HTTP request; the status and the decoded JSON (or text) answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, kind = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers
    text = raw.decode("utf-8")
    return status, json.loads(text) if "json" in kind.get("Content-Type", "") else text


def api_tokens(forum: Any, prefix: str, count: int) -> list[str]:
    """``count`` members (sharing one password hash: hashing hundreds is slow) with a
    personal API token each."""
    from forum_core.accounts.models import User
    from forum_core.accounts.services import DatabaseUserService

    forum.create_user(f"{prefix}0")
    tokens = []
    with forum.session() as session:
        users = DatabaseUserService(session)
        first = users.get_by_username(f"{prefix}0")
        members = [first] + [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com",
                                  password_hash=first.password_hash)
                             for i in range(1, count)]
        session.add_all(members[1:])
        session.flush()
        for member in members:
            tokens.append(users.create_api_token(member, "load")[1])
    return tokens
