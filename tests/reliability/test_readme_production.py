"""The README's production, backup, restore and upgrade steps, run as written.

An administrator follows the README's "Production", "Backups" and "Upgrades" sections
literally, so every command there must work. These tests take the fenced blocks that follow
an HTML comment naming their part (``<!-- production-steps -->``, ``<!-- backup-steps -->``,
...) in the README's order and run each part as a bash script (``set -euo pipefail``). What
they change, and nothing else:

* Folders: ``/opt/forum``, ``/etc/forum``, ``/var/lib/forum``, ``/var/backups/forum`` and
  ``/etc/systemd/system`` become folders under the test's ``tmp_path``; the release's source
  (``/opt/forum/src``) is a copy of this checkout's files (committed or not, as
  ``git ls-files`` lists them).
* PostgreSQL: the role and the database ``forum`` get throwaway names, dropped at the end;
  ``127.0.0.1`` in the database URL gains the test server's port; PostgreSQL's programs reach
  the server of ``FORUM_TEST_POSTGRES_URL`` as its user (``PGHOST``, ``PGPORT``, ``PGUSER``).
* The forum's port ``6543`` becomes a free port.
* ``python3`` is the test's Python (first in ``PATH``), and each new release environment
  also sees the test environment's packages (a ``.pth`` file), so the release's
  dependencies are not downloaded again. The core and the plugins themselves are built by
  ``make dist`` and installed from those wheels as written.
* What needs root or a service manager is done by shell functions: ``sudo -u USER command``
  runs the command as the test's user; ``systemctl start|stop|enable --now NAME`` runs the
  copied unit's ``ExecStart`` in the background and its ``ExecStartPost`` (as systemd would,
  so ``forum health --wait`` decides whether it started) and stops it with SIGTERM;
  ``daemon-reload`` does nothing.
* The administrator's password comes from ``FORUM_ADMIN_PASSWORD``, as the README says
  ``forum init`` takes it when not on a terminal.

Not run: the block that adds the ``forum`` user and its folders as root (the test makes the
folders), and the nginx server block (its headers are checked against the waitress settings,
and the proxy's requests are made by the test: from 127.0.0.1, with ``X-Forwarded-Proto``).
The [server:main] block and ``forum.cookie_secure = true`` are put into the configuration as
the README tells the administrator to.
"""

from __future__ import annotations

import configparser
import html
import http.client
import http.cookies
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from forum_core.environment import CHECKOUT_DIR
from forum_core.testing import POSTGRES_ENV, postgres_url
from tests.reliability.conftest import free_port

README = CHECKOUT_DIR / "README.md"
MARKER = re.compile(r"<!--\s*([a-z0-9-]+)\s*-->\s*\n```(\w+)\n(.*?)\n```", re.S)
ADMIN_PASSWORD = "a long admin password " + secrets.token_hex(4)
FOLDERS = ("/opt/forum", "/etc/forum", "/var/lib/forum", "/var/backups/forum",
           "/etc/systemd/system")

pytestmark = pytest.mark.slow


def readme_blocks() -> dict[str, list[tuple[str, str]]]:
    """{part: [(language, text), ...]} of the marked blocks, in the README's order."""
    parts: dict[str, list[tuple[str, str]]] = {}
    for match in MARKER.finditer(README.read_text("utf-8")):
        parts.setdefault(match.group(1), []).append((match.group(2), match.group(3)))
    return parts


def script(part: str, substitutions: list[tuple[str, str]]) -> str:
    blocks = readme_blocks().get(part)
    assert blocks, f"the README has no block marked <!-- {part} -->"
    text = "\n".join(body for language, body in blocks if language == "sh")
    for old, new in substitutions:
        text = text.replace(old, new)
    return text


# what stands in for root and systemd: see the module's docstring
PRELUDE = r"""
set -euo pipefail
sudo() { if [ "${1:-}" = "-u" ]; then shift 2; fi; "$@"; }
systemctl() { "$TEST_PYTHON" "$TEST_SYSTEMCTL" "$@"; }
"""

SYSTEMCTL = r'''
import json, os, shlex, signal, subprocess, sys, time
from pathlib import Path

subs = json.loads(os.environ["TEST_SUBSTITUTIONS"])
units, state = Path(os.environ["TEST_UNIT_DIR"]), Path(os.environ["TEST_STATE_DIR"])


def fill(text):
    for old, new in subs:
        text = text.replace(old, new)
    return text


def service(name):
    values = {}
    for line in (units / f"{name}.service").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values.setdefault(key.strip(), []).append(fill(value.strip()))
    return values


def alive(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def stop(name):
    pid_file = state / f"{name}.pid"
    if not pid_file.exists():
        return 0
    pid = int(pid_file.read_text())
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 45
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink()
    return 0


def start(name):
    unit = service(name)
    with open(state / f"{name}.log", "ab") as log:
        process = subprocess.Popen(shlex.split(unit["ExecStart"][0]), stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    (state / f"{name}.pid").write_text(str(process.pid))
    for command in unit.get("ExecStartPost", []):
        code = subprocess.run(shlex.split(command)).returncode
        if code:
            stop(name)
            sys.stderr.write((state / f"{name}.log").read_text())
            return code
    return 0


verb, names = sys.argv[1], [a for a in sys.argv[2:] if not a.startswith("-")]
if verb == "daemon-reload":
    sys.exit(0)
if verb == "enable" and "--now" not in sys.argv:
    sys.exit(0)
code = 0
for name in names:
    if verb in ("stop", "restart"):
        code = code or stop(name)
    if verb in ("start", "restart", "enable"):
        code = code or start(name)
sys.exit(code)
'''


class Machine:
    """The folders, the environment and the shell of one test's production machine."""

    def __init__(self, tmp_path: Path, port: int) -> None:
        self.root = tmp_path / "machine"
        self.port = port
        self.state = tmp_path / "state"
        self.state.mkdir()
        for folder in FOLDERS:
            (self.root / folder.lstrip("/")).mkdir(parents=True)
        self.substitutions: list[tuple[str, str]] = []
        site = sysconfig.get_paths()["purelib"]
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        for release in ("0.1.0", "0.2.0"):
            venv = f"python3 -m venv /opt/forum/releases/{release}"
            self.substitutions.append((venv, (
                f"{venv} && echo {site} > /opt/forum/releases/{release}/lib/{version}/"
                "site-packages/_test_dependencies.pth")))
        self.substitutions.append(("127.0.0.1:6543", f"127.0.0.1:{port}"))
        self.folders = [(folder, str(self.root / folder.lstrip("/"))) for folder in FOLDERS]
        # last: the lines above name folders too
        self.substitutions += self.folders
        (self.state / "systemctl.py").write_text(SYSTEMCTL)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "PG"))}
        self.env.update({
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "TEST_PYTHON": sys.executable,
            "TEST_SYSTEMCTL": str(self.state / "systemctl.py"),
            "TEST_UNIT_DIR": str(self.path("/etc/systemd/system")),
            "TEST_STATE_DIR": str(self.state),
            "FORUM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LANG": "C.UTF-8", "LANGUAGE": "",
        })

    def path(self, folder: str) -> Path:
        return self.root / folder.lstrip("/")

    @property
    def config(self) -> Path:
        return self.path("/etc/forum/forum.ini")

    def copy_checkout(self) -> None:
        """The release's source in /opt/forum/src: this checkout's files."""
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=CHECKOUT_DIR, capture_output=True, check=True).stdout.decode().split("\0")
        target = self.path("/opt/forum/src")
        for name in filter(None, listed):
            source = CHECKOUT_DIR / name
            if source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)

    def run(self, part: str, timeout: float = 300) -> str:
        text = script(part, self.substitutions)
        (self.state / f"{part}.sh").write_text(text)
        self.env["TEST_SUBSTITUTIONS"] = json.dumps(self.folders)  # for the units' paths
        done = subprocess.run(["bash", "-c", PRELUDE + text], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        logs = "".join(f"\n--- {log.name}\n{log.read_text()[-3000:]}"
                       for log in self.state.glob("*.log"))
        assert done.returncode == 0, (
            f"README part {part} failed ({done.returncode}):\n{text}\n--- stdout\n"
            f"{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}{logs}")
        return done.stdout

    def configure_behind_proxy(self) -> None:
        """What the README tells the administrator to change in forum.ini by hand."""
        blocks = readme_blocks()["production-server-main"]
        section = next(body for language, body in blocks if language == "ini")
        for old, new in self.substitutions:
            section = section.replace(old, new)
        text = self.config.read_text()
        start = text.index("[server:main]")
        end = text.index("\n[", start + 1)
        text = text[:start] + section + "\n" + text[end:]
        assert "forum.cookie_secure = false" in text
        self.config.write_text(text.replace("forum.cookie_secure = false",
                                            "forum.cookie_secure = true"))

    def server_pid(self, name: str = "forum") -> int:
        return int((self.state / f"{name}.pid").read_text())

    def stop_servers(self) -> None:
        for pid_file in self.state.glob("*.pid"):
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass


class Browser:
    """HTTP as nginx passes it on: from 127.0.0.1, with X-Forwarded-Proto: https; cookies
    kept by hand (they are Secure, and the connection to waitress is plain HTTP)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"https://127.0.0.1:{self.port}"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), response.read().decode()
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> tuple[int, str]:
        status, _headers, text = self.request("GET", path, headers=headers)
        return status, text

    def submit(self, path: str, **fields: str) -> tuple[int, dict[str, str]]:
        status, page = self.get(path)
        assert status == 200, page[-2000:]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page[-2000:]
        status, headers, text = self.request("POST", path,
                                             form={"csrf_token": token.group(1), **fields})
        assert status == 303, f"{status} {text[-2000:]}"
        return status, headers

    def sign_in(self, username: str, password: str) -> None:
        self.submit("/login", login=username, password=password, next="/")

    def start_topic(self, title: str, body: str) -> str:
        _status, headers = self.submit("/c/general/new", title=title, body=body)
        return urllib.parse.urlsplit(headers["Location"]).path


class BusyDataFolder:
    """Files come and go in the data folder while a backup reads it, as on a running forum.

    SQLite's journal files beside the database and job queue, a new avatar written under a
    temporary name and renamed: each changes the folder that ``tar`` is reading, which it
    reports (exit status 1) however short the backup is.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.churn, daemon=True)
        self.rounds = 0

    def churn(self) -> None:
        avatars = self.folder / "avatars"
        avatars.mkdir(exist_ok=True)
        while not self.stop.is_set():
            journal = self.folder / "jobs.sqlite-journal"
            journal.write_bytes(b"journal")
            journal.unlink()
            tmp = avatars / f".{self.rounds}.png.tmp"
            tmp.write_bytes(b"half a pictu")
            tmp.replace(avatars / f"{self.rounds % 3}.png")
            self.rounds += 1
            time.sleep(0.001)

    def __enter__(self) -> BusyDataFolder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        assert self.rounds > 0  # the folder did change while the backup ran


def health(port: int) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def checked_postgres_url() -> str:
    url = postgres_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{POSTGRES_ENV} must be set in CI: the PostgreSQL tests must run")
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    return url


def test_the_readme_marks_every_part_these_tests_run():
    parts = readme_blocks()
    for part in ("production-steps", "production-server-main", "production-nginx",
                 "production-start", "backup-steps", "restore-steps", "upgrade-steps",
                 "sqlite-backup-steps", "sqlite-restore-steps"):
        assert part in parts, part
    # no production step installs the checkout editable
    for part, blocks in parts.items():
        for _language, body in blocks:
            assert "pip install -e" not in body and "make install" not in body, part


def test_nginx_sends_the_headers_waitress_is_told_to_trust():
    parts = readme_blocks()
    nginx = parts["production-nginx"][0][1]
    server = configparser.ConfigParser()
    server.read_string(parts["production-server-main"][0][1])
    trusted = set(server["server:main"]["trusted_proxy_headers"].split())
    sent = {name.lower() for name in re.findall(r"proxy_set_header\s+(X-[\w-]+)", nginx)}
    assert sent == trusted == {"x-forwarded-for", "x-forwarded-proto"}
    proxy = re.search(r"proxy_pass http://([\d.]+):(\d+);", nginx)
    assert proxy and server["server:main"]["listen"] == f"{proxy.group(1)}:{proxy.group(2)}"
    assert server["server:main"]["trusted_proxy"] == proxy.group(1)


def test_the_units_and_the_container_install_and_run_what_the_readme_says():
    plugins = sorted(p.parent.name for p in (CHECKOUT_DIR / "plugins").glob("*/pyproject.toml"))
    containerfile = (CHECKOUT_DIR / "Containerfile").read_text()
    for plugin in plugins:
        assert f"/src/plugins/{plugin}" in containerfile, plugin
    assert 'CMD ["forum", "health"]' in containerfile
    serve = (CHECKOUT_DIR / "deploy" / "forum.service").read_text()
    assert "ExecStart=/opt/forum/current/bin/forum serve --config /etc/forum/forum.ini" in serve
    assert "ExecStartPost=/opt/forum/current/bin/forum health" in serve
    worker = (CHECKOUT_DIR / "deploy" / "forum-worker.service").read_text()
    assert "ExecStart=/opt/forum/current/bin/forum worker --config /etc/forum/forum.ini" in worker


def test_systemd_accepts_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("needs systemd-analyze")
    units = []
    for name in ("forum.service", "forum-worker.service"):
        text = (CHECKOUT_DIR / "deploy" / name).read_text()
        # the release is not installed here: a program that exists stands in for it
        (tmp_path / name).write_text(text.replace("/opt/forum/current/bin/forum", "/bin/true"))
        units.append(str(tmp_path / name))
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


@pytest.mark.postgres
def test_production_backup_restore_and_upgrade_on_postgresql_as_written(tmp_path):
    base = make_url(checked_postgres_url())
    role = db = "forum_readme_" + secrets.token_hex(4)
    port = free_port()
    machine = Machine(tmp_path, port)
    machine.substitutions[:0] = [
        ("CREATE ROLE forum LOGIN", f"CREATE ROLE {role} LOGIN"),
        ("createdb -O forum forum", f"createdb -O {role} {db}"),
        ("postgresql://forum:change-me@127.0.0.1/forum",
         f"postgresql://{role}:change-me@{base.host or '127.0.0.1'}:{base.port or 5432}/{db}"),
        ("pg_dump -Fc forum >", f"pg_dump -Fc {db} >"),
        ("ALTER DATABASE forum RENAME TO forum_before_restore",
         f"ALTER DATABASE {db} RENAME TO {db}_before_restore"),
        ("pg_restore --exit-on-error -d forum <", f"pg_restore --exit-on-error -d {db} <"),
    ]
    text = "\n".join(body for blocks in readme_blocks().values() for _lang, body in blocks)
    for old, _new in machine.substitutions:
        assert old in text, f"the README no longer says {old!r}: update the test's list"
    machine.env.update({"PGHOST": base.host or "127.0.0.1", "PGPORT": str(base.port or 5432),
                        "PGUSER": base.username or "postgres",
                        "PGDATABASE": base.database or "postgres"})
    if base.password:
        machine.env["PGPASSWORD"] = base.password
    admin = create_engine(base.set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    machine.copy_checkout()
    try:
        started = time.monotonic()
        machine.run("production-steps")
        release = machine.path("/opt/forum/releases/0.1.0")
        where = subprocess.run([str(release / "bin" / "python"), "-c",
                                "import forum_core; print(forum_core.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path, check=True)
        assert where.stdout.startswith(str(release)), where.stdout  # installed, not editable
        machine.configure_behind_proxy()
        machine.run("production-start")
        assert "releases/0.1.0/bin/python" in Path(
            f"/proc/{machine.server_pid()}/cmdline").read_text().replace("\0", " ")
        assert health(port) == (200, "ok\n")

        # behind the proxy: https links, and the release's catalogs and theme are there
        browser = Browser(port)
        status, page = browser.get("/")
        assert status == 200
        assert f'<link rel="canonical" href="https://127.0.0.1:{port}/">' in page
        assert "/static/theme/default/" in page
        status, page = browser.get("/login", **{"Accept-Language": "nl"})
        assert status == 200 and "Aanmelden" in page
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain.request("GET", "/")
        assert f'href="http://127.0.0.1:{port}/"' in plain.getresponse().read().decode()
        plain.close()

        browser.sign_in("admin", ADMIN_PASSWORD)
        kept = browser.start_topic("Lighthouse keepers meet on Friday",
                                   "Bring the brass polish.")
        with BusyDataFolder(machine.path("/var/lib/forum")):
            machine.run("backup-steps")
        backups = machine.path("/var/backups/forum")
        assert sorted(p.suffix for p in backups.iterdir()) == [".dump", ".gz", ".ini"]
        lost = browser.start_topic("Written after the backup", "This one is not restored.")

        machine.run("restore-steps")
        status, page = browser.get(kept)
        assert status == 200 and "Lighthouse keepers meet on Friday" in html.unescape(page)
        assert browser.get(lost)[0] == 404
        status, page = browser.get("/search?q=lighthouse")
        assert status == 200 and "Lighthouse keepers meet on Friday" in html.unescape(page)
        assert machine.path("/var/lib/forum.before-restore").is_dir()

        machine.run("upgrade-steps")
        assert "releases/0.2.0/bin/python" in Path(
            f"/proc/{machine.server_pid()}/cmdline").read_text().replace("\0", " ")
        assert machine.path("/opt/forum/current").resolve() == \
            machine.path("/opt/forum/releases/0.2.0").resolve()
        status, page = browser.get(kept)
        assert status == 200 and "Lighthouse keepers meet on Friday" in html.unescape(page)

        # the database goes away: /healthz and 'forum health' say so, and recover with it
        forum_bin = str(machine.path("/opt/forum/current/bin/forum"))
        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER ROLE {role} NOLOGIN")
            connection.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
        assert health(port) == (503, "unavailable\n")
        checked = subprocess.run([forum_bin, "health", "--config", str(machine.config)],
                                 env=machine.env, capture_output=True, text=True)
        assert checked.returncode == 1 and "HTTP 503" in checked.stderr, checked
        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER ROLE {role} LOGIN")
        assert health(port) == (200, "ok\n")
        checked = subprocess.run([forum_bin, "health", "--config", str(machine.config)],
                                 env=machine.env, capture_output=True, text=True)
        assert checked.returncode == 0, checked
        # two installs, two starts, a backup and a restore: generous, but not unbounded
        assert time.monotonic() - started < 600
    finally:
        machine.stop_servers()
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
            for name in (db, f"{db}_before_restore"):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def test_sqlite_backup_and_restore_as_written(tmp_path):
    if shutil.which("sqlite3") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the sqlite3 program must be installed in CI (apt-get install sqlite3)")
        pytest.skip("needs the sqlite3 program")
    port = free_port()
    machine = Machine(tmp_path, port)
    # the test's own environment stands in for an installed release (the PostgreSQL test
    # installs one), and the configuration is the README's without --database: SQLite in the
    # data folder
    machine.path("/opt/forum/current").symlink_to(sys.prefix)
    machine.copy_checkout()
    try:
        forum_bin = str(machine.path("/opt/forum/current/bin/forum"))
        for args in (["init", "--data-dir", str(machine.path("/var/lib/forum"))],
                     ["category", "create", "General"]):
            done = subprocess.run([forum_bin, *args, "--config", str(machine.config)],
                                  env=machine.env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        assert (machine.path("/var/lib/forum") / "forum.sqlite").is_file()
        machine.configure_behind_proxy()
        machine.run("production-start")
        browser = Browser(port)
        status, page = browser.get("/")  # from the trusted proxy, which says https
        assert f'<link rel="canonical" href="https://127.0.0.1:{port}/">' in page
        browser.sign_in("admin", ADMIN_PASSWORD)
        kept = browser.start_topic("Tide tables for the harbour", "Low water at noon.")
        with BusyDataFolder(machine.path("/var/lib/forum")):
            machine.run("sqlite-backup-steps")
        backups = sorted(p.suffix for p in machine.path("/var/backups/forum").iterdir())
        assert backups == [".gz", ".sqlite"]
        lost = browser.start_topic("Written after the backup", "This one is not restored.")
        machine.run("sqlite-restore-steps")
        status, page = browser.get(kept)
        assert status == 200 and "Tide tables for the harbour" in html.unescape(page)
        assert browser.get(lost)[0] == 404
        status, page = browser.get("/search?q=tide")
        assert status == 200 and "Tide tables for the harbour" in html.unescape(page)
        assert health(port) == (200, "ok\n")
    finally:
        machine.stop_servers()
