"""The forum's benchmark suite: ``make bench`` (or ``.venv/bin/python bench/run.py [options]``).

Generates a data set (bench/generate.py), builds the search index with ``forum reindex``,
serves it with ``forum serve --host 127.0.0.1 --port P --threads 8`` (the README's production
command), loads it with wrk from a second process, and prints one table (also written to
bench/results/<timestamp>.md). See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
FORUM = BIN / "forum"
DATA = HERE / "data"
RESULTS = HERE / "results"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: concurrent writers of the PostgreSQL write row
WRITERS = (1, 4, 16)

sys.path.insert(0, str(HERE))
import generate  # noqa: E402


def log(*args: Any) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -------------------------------------------------------------------------------------------------
# servers
# -------------------------------------------------------------------------------------------------


class Server:
    """A server process on 127.0.0.1:port; ``pid`` is the process that runs waitress (``forum
    serve`` calls waitress.serve in its own process, and the console script is the Python
    process itself, so Popen's pid is the right one)."""

    def __init__(self, name: str, argv: list[str], port: int, logfile: Path) -> None:
        self.name, self.port = name, port
        self.logfile = logfile
        self.out = open(logfile, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT,
                                     cwd=ROOT, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up; see {logfile}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as r:
                    r.read()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer within 120 s; see {logfile}")

    def peak_rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def forum_server(name: str, config: Path, logs: Path) -> Server:
    port = free_port()
    server = Server(name, [str(FORUM), "serve", "--config", str(config), "--host", "127.0.0.1",
                           "--port", str(port), "--threads", "8"], port, logs / f"{name}.log")
    drain(server)  # what a server does as it starts (the search index's checks) is not a load
    return server


def baseline_server(kind: str, logs: Path) -> Server:
    port = free_port()
    return Server(kind, [str(PYTHON), str(HERE / "apps.py"), kind, "--host", "127.0.0.1",
                         "--port", str(port), "--threads", "8"], port, logs / f"{kind}.log")


# -------------------------------------------------------------------------------------------------
# load
# -------------------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    if not found:
        raise ValueError(text)
    return float(found.group(1)) * UNITS[found.group(2)]


#: what a row measured: every forum page is rendered through the permission checks and its
#: view (the forum keeps no pages); a conditional GET answered 304 is rendered too, and only
#: the body is not sent
RENDER = "render"
RENDER_304 = "render, 304"
BASELINE = "baseline"


@dataclass
class Row:
    name: str
    measures: str = RENDER
    rps: float | None = None
    p50: float | None = None
    p99: float | None = None
    queries: str = "n/a"
    rss: float | None = None
    errors: int = 0
    status: int | None = None
    group: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def wrk(url: str, seconds: float, connections: int, headers: list[str] | None = None,
        threads: int = 2) -> dict[str, Any]:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency",
            "--timeout", "10s"]
    for h in headers or []:
        argv += ["-H", h]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"\n\s+50%\s+(\S+)", text)
    p99 = re.search(r"\n\s+99%\s+(\S+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if not rps:
        raise RuntimeError(f"wrk failed: {out.stderr or text}")
    done = re.search(r"(\d+) requests in", text)
    none = done is not None and int(done.group(1)) == 0  # every request timed out
    return {"rps": float(rps.group(1)), "p50": _ms(p50.group(1)) if p50 and not none else None,
            "p99": _ms(p99.group(1)) if p99 and not none else None,
            "errors": (int(non2xx.group(1)) if non2xx else 0)
            + (sum(int(x) for x in sock.groups()) if sock else 0)}


def probe(url: str, headers: dict[str, str] | None = None) -> tuple[int, str | None]:
    """Status and X-Forum-Queries of one request (None when the header is absent)."""
    status, answer_headers = _get(url, headers)
    return status, answer_headers.get("X-Forum-Queries")


def etag_of(url: str, headers: dict[str, str] | None = None) -> str | None:
    return _get(url, headers)[1].get("ETag")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """Status, headers and body of one GET, redirects *not* followed (urllib follows them:
    a page that sends a visitor to sign in would look like the sign-in page's 200)."""
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.request("GET", parsed.path + (f"?{parsed.query}" if parsed.query else ""),
                     headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _get(url: str, headers: dict[str, str] | None) -> tuple[int, Any]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            return r.status, r.headers
    except urllib.error.HTTPError as exc:  # a 304 is one too
        return exc.code, exc.headers


def measure(name: str, server: Server, path: str, args: argparse.Namespace,
            cookie: str | None = None, group: str = "", connections: int | None = None,
            measures: str = RENDER, headers: dict[str, str] | None = None,
            expect: str | None = None) -> Row:
    """One wrk load of ``path``. With ``expect`` (a regular expression), the page must
    answer 200 itself (no redirect followed) and its HTML match it, or it is not loaded: a
    staff page answers a member 403 and sends a visitor to sign in, and wrk would time
    either as a fast page (a 3xx is no error to wrk)."""
    url = server.base + path
    headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    for _ in range(5):  # warm up (templates compiled, statements built)
        status, queries = probe(url, headers)
    if expect is not None:
        status, answer_headers, body = fetch(url, headers)
        queries = answer_headers.get("X-Forum-Queries")
        if status != 200 or not re.search(expect, body):
            why = (f"answered HTTP {status}" if status != 200
                   else f"answered 200, but its HTML does not match {expect!r}")
            log(f"{name}: {why}; not loaded")
            return Row(name, measures, queries=queries or "n/a", status=status, group=group,
                       note=f"{path} {why} (not measured)")
    result = wrk(url, args.duration, connections or args.connections,
                 [f"{key}: {value}" for key, value in headers.items()])
    row = Row(name, measures, result["rps"], result["p50"], result["p99"], queries or "n/a",
              errors=result["errors"], status=status, group=group)
    log(f"{name:<42} {row.rps:8.2f} req/s  p50 {fmt(row.p50, '7.1f')} ms  "
        f"p99 {fmt(row.p99, '7.1f')} ms  q={row.queries} status={status} errors={row.errors}")
    drain(server)
    return row


def drain(server: Server, limit: float = 180) -> None:
    """Wait until the server is idle (under 5% of a CPU over half a second): slow pages go on
    being served after wrk stops, and must not slow the next load down."""
    def cpu() -> float:
        try:
            fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    deadline = time.time() + limit
    last = cpu()
    while time.time() < deadline:
        time.sleep(0.5)
        now = cpu()
        if now - last < 0.025:
            return
        last = now
    log(f"{server.name} still busy after {limit:.0f} s")


def sign_in(base: str, login: str, password: str) -> str:
    """Sign in through the real form (GET /login for the CSRF cookie and token, POST it);
    returns the Cookie header value for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login", timeout=30) as r:
        page = r.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no csrf_token on the login page")
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "next": "/", "login": login,
                                   "password": password}).encode()
    with opener.open(urllib.request.Request(base + "/login", data=body), timeout=30) as r:
        page = r.read().decode()
    if "logout" not in page:
        raise RuntimeError("sign-in failed (no sign-out button on the page after it)")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# -------------------------------------------------------------------------------------------------
# data sets
# -------------------------------------------------------------------------------------------------


def sh(argv: list[str], logfile: Path | None = None, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    out = open(logfile, "ab") if logfile else subprocess.DEVNULL
    try:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                              env={**os.environ, **(env or {})})
    finally:
        if logfile:
            out.close()
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed (exit {done.returncode}); see {logfile}")
    return time.perf_counter() - started


def known_settings() -> str:
    return subprocess.run([str(FORUM), "settings"], capture_output=True, text=True,
                          cwd=ROOT).stdout


def bundled_plugins() -> list[str]:
    """Plugins `forum plugins` lists that are bundled (a directory under plugins/)."""
    out = subprocess.run([str(FORUM), "plugins", "--config", "/nonexistent/forum.ini"],
                         capture_output=True, text=True, cwd=ROOT).stdout
    listed = [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()
              and len(line.split()) > 2 and line.split()[2] in ("installed", "enabled")]
    bundled = {p.name for p in (ROOT / "plugins").iterdir() if p.is_dir()}
    return [p for p in listed if p in bundled]


def extra_settings(search_backend: str | None) -> str:
    lines = ["", "# added by bench/run.py",
             "# the posting benchmark posts as one member: no flood limit",
             "forum.rate_post = 0/60"]
    if "forum.count_queries" in known_settings():
        lines.append("forum.count_queries = true")
    if search_backend:
        lines.append(f"forum.search_backend = {search_backend}")
    return "\n".join(lines) + "\n"


def add_settings(config: Path, extra: str) -> None:
    text = config.read_text()
    head, sep, tail = text.partition("\n[server:main]")
    config.write_text(head.rstrip("\n") + "\n" + extra + "\n" + sep.lstrip("\n") + tail)


def make_dataset(where: Path, database_url: str | None, plugins: list[str], topics: int,
                 posts: int, index: str, logs: Path, search_backend: str | None = None
                 ) -> dict[str, Any]:
    """A forum in ``where`` (config forum.ini, data in where/var) with generated content.
    ``index``: "reindex" (forum reindex, timed) or "empty" (an empty Whoosh index, so the
    server does not rebuild it in the background while it is measured)."""
    where.mkdir(parents=True, exist_ok=True)
    config = where / "forum.ini"
    argv = [str(FORUM), "init", "--config", str(config), "--no-input",
            "--plugins", " ".join(plugins) or "none", "--admin-password", "bench-admin-pass-1"]
    if not plugins:
        argv[argv.index("--plugins") + 1] = ""
    if database_url:
        argv += ["--database", database_url]
    init_s = sh(argv, logs / "init.log")
    add_settings(config, extra_settings(search_backend))
    log(f"generating {topics:,} topics / {posts:,} posts in {where}")
    facts = generate.generate(config, topics, posts, log=lambda *a, **k: None)
    facts["init_s"] = round(init_s, 2)
    log(f"generated in {facts['total_s']} s (insert {facts['insert_s']} s)")
    if index == "reindex":
        log("forum reindex ...")
        facts["reindex_s"] = round(sh([str(FORUM), "reindex", "--config", str(config)],
                                      logs / "reindex.log"), 1)
        log(f"reindexed in {facts['reindex_s']} s")
    else:
        code = ("import sys; from pathlib import Path; "
                "from forum_core.search.backends import WhooshBackend; "
                "b = WhooshBackend(Path(sys.argv[1]), background=False); b.rebuild([])")
        sh([str(PYTHON), "-c", code, str(where / "var" / "search")], logs / "reindex.log")
        facts["reindex_s"] = None
    (where / "facts.json").write_text(json.dumps(facts, indent=2, default=str))
    return facts


def cached_sqlite(args: argparse.Namespace, topics: int, posts: int, plugins: list[str],
                  index: str, logs: Path) -> tuple[Path, dict[str, Any]]:
    """A pristine SQLite data set in bench/data/<key>/ (made once, reused unless --fresh),
    copied to bench/data/run-<key>/ for each run since the posting benchmark writes to it."""
    key = (f"sqlite-{topics}t-{posts}p-{'-'.join(plugins) or 'core'}-{index}"
           f"-v{generate.DATA_VERSION}")
    pristine = DATA / key
    if args.fresh or not (pristine / "facts.json").exists():
        shutil.rmtree(pristine, ignore_errors=True)
        make_dataset(pristine, None, plugins, topics, posts, index, logs)
    else:
        log(f"reusing the data set {pristine} (--fresh to make it again)")
    work = DATA / f"run-{key}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    os.sync()  # the copy's writes would otherwise land on the disk during the first loads
    # the code may have gained migrations since the data set was made
    sh([str(FORUM), "migrate", "--config", str(work / "forum.ini")], logs / "migrate.log")
    facts = json.loads((work / "facts.json").read_text())
    return work / "forum.ini", facts


# -------------------------------------------------------------------------------------------------
# special measurements
# -------------------------------------------------------------------------------------------------

def search_latency(base: str, n: int, rng: random.Random, budget: float = 60
                   ) -> dict[str, float]:
    """p50/p99 of ``n`` varied searches, one after another on one keep-alive connection
    (stops early after ``budget`` seconds)."""
    words = generate.QUERY_WORDS
    parsed = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    times, bad = [], 0
    stop_at = time.perf_counter() + budget
    for i in range(n):
        if time.perf_counter() > stop_at:
            break
        k = rng.choice((1, 1, 2, 2, 3))
        q = " ".join(rng.choice(words) for _ in range(k))
        if i % 7 == 3:
            q = f'"{q}"'
        started = time.perf_counter()
        conn.request("GET", "/search?" + urllib.parse.urlencode({"q": q}))
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - started) * 1000)
        bad += resp.status != 200
    conn.close()
    times.sort()
    return {"n": len(times), "p50": statistics.median(times),
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))], "errors": bad}


def make_token(config: Path, username: str) -> str:
    return make_tokens(config, [username])[0]


def make_tokens(config: Path, usernames: list[str]) -> list[str]:
    """A personal API token for each member (in one process: the app's start-up is slow)."""
    code = ("import sys; from pathlib import Path; "
            "from forum_core.cli import db_session, environment; "
            "from forum_core.accounts.services import DatabaseUserService as S\n"
            "with db_session(environment(Path(sys.argv[1]))) as s:\n"
            "    u = S(s)\n"
            "    for name in sys.argv[2:]:\n"
            "        print(u.create_api_token(u.get_by_username(name), 'bench')[1])")
    out = subprocess.run([str(PYTHON), "-c", code, str(config), *usernames],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return out.stdout.strip().splitlines()[-len(usernames):]


def posting_rate(base: str, token: str | list[str], topic_ids: list[int], threads: int,
                 seconds: float, wait_for_index: bool = True) -> dict[str, float]:
    """``threads`` clients posting replies through the JSON API for ``seconds``, each with
    its own token when ``token`` is a list (one member each), each to other topics than the
    others at any moment (client ``n`` posts to topics ``n``, ``n + threads``, ...)."""
    tokens = token if isinstance(token, list) else [token]
    parsed = urllib.parse.urlparse(base)
    ok, failed, times = [0], [0], []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    rng = random.Random(7)
    bodies = [generate.markdown_body(rng) for _ in range(50)]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        i = 0
        while time.perf_counter() < stop_at:
            tid = topic_ids[(n + i * threads) % len(topic_ids)]
            body = json.dumps({"body": bodies[(n * 7 + i) % len(bodies)]})
            started = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/topics/{tid}/posts", body=body, headers={
                    "Authorization": f"Bearer {tokens[n % len(tokens)]}",
                    "Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                good = resp.status in (200, 201)
            except OSError:
                good = False
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            with lock:
                if good:
                    ok[0] += 1
                    times.append((time.perf_counter() - started) * 1000)
                else:
                    failed[0] += 1
            i += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    # a search waits until the index holds every reply committed before it (the Whoosh index
    # is written in the background): until it answers, the replies are not all searchable
    if wait_for_index:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        conn.request("GET", "/search?" + urllib.parse.urlencode({"q": "backup"}))
        conn.getresponse().read()
        conn.close()
    searchable = time.perf_counter() - started
    times.sort()
    return {"rate": ok[0] / elapsed, "ok": ok[0], "failed": failed[0],
            "searchable_rate": ok[0] / searchable, "searchable_s": searchable - elapsed,
            "p50": statistics.median(times) if times else float("nan"),
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan")}


def _sample_lock_waits(watcher: Any, database: str, stop: threading.Event,
                       samples: list[int], waited_for: dict[str, int]) -> None:
    """Until ``stop``: how many of the database's sessions wait for a lock, and for what."""
    import sqlalchemy as sa

    with watcher.connect() as c:
        while not stop.is_set():
            waiting = c.execute(sa.text(
                "SELECT wait_event, left(query, 40) FROM pg_stat_activity "
                "WHERE datname = :db AND wait_event_type = 'Lock'"), {"db": database}).all()
            samples.append(len(waiting))
            for event, query in waiting:
                what = f"{event}: {' '.join(query.split()[:3])}"
                waited_for[what] = waited_for.get(what, 0) + 1
            stop.wait(0.02)


def writers_scaling(server: Server, config: Path, database_url: str, topic_ids: list[int],
                    counts: tuple[int, ...], seconds: float) -> dict[int, dict[str, Any]]:
    """Replies through the JSON API by 1, 4, 16... concurrent writers (each a member with a
    token of their own, each on other topics than the others), on PostgreSQL, while a
    second connection samples every 20 ms how many of the forum's transactions wait for a
    lock and on what. A row every writer updates (a global counter) would keep all writers
    but one waiting, and the rate would not grow with the writers."""
    import sqlalchemy as sa

    tokens = make_tokens(config, [f"member{i:05d}" for i in range(max(counts))])
    watcher = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"),
                               isolation_level="AUTOCOMMIT")
    database = urllib.parse.urlparse(database_url).path.lstrip("/")
    found: dict[int, dict[str, Any]] = {}
    try:
        for count in counts:
            samples: list[int] = []
            waited_for: dict[str, int] = {}
            stop = threading.Event()
            sampler = threading.Thread(target=_sample_lock_waits,
                                       args=(watcher, database, stop, samples, waited_for))
            sampler.start()
            try:
                rate = posting_rate(server.base, tokens[:count], topic_ids, count, seconds,
                                    wait_for_index=False)
            finally:
                stop.set()
                sampler.join()
            drain(server)
            found[count] = {**rate, "samples": len(samples),
                            "waiting_mean": statistics.mean(samples) if samples else 0.0,
                            "waiting_max": max(samples, default=0),
                            "waited_for": dict(sorted(waited_for.items(),
                                                      key=lambda item: -item[1])[:3])}
            log(f"{count} writers: {found[count]['rate']:.1f} replies/s, waiting for a lock "
                f"mean {found[count]['waiting_mean']:.2f} max {found[count]['waiting_max']}")
    finally:
        watcher.dispose()
    return found


# -------------------------------------------------------------------------------------------------
# the suite
# -------------------------------------------------------------------------------------------------

def deep_cursor(facts: dict[str, Any]) -> str | None:
    """The cursor of the deep listing page, in the form the forum writes now (data sets keep
    the row it starts after; older ones kept a cursor of the form cursors had then)."""
    import base64
    import datetime as dt

    from forum_core.pagination import encode_cursor

    row = facts.get("deep_row")
    if row is None and facts.get("deep_cursor"):
        old = facts["deep_cursor"]
        row = json.loads(base64.urlsafe_b64decode(old + "=" * (-len(old) % 4)))
    if not row:
        return None
    pinned, moment, topic_id = row
    return encode_cursor([pinned, dt.datetime.fromisoformat(moment), topic_id])


def forum_pages(facts: dict[str, Any]) -> list[tuple[str, str]]:
    t = facts["bench_topic"]
    cursor = deep_cursor(facts)
    deep = f"/c/general?after={cursor}" if cursor else "/c/general"
    pages = [("home", "/"), ("category p1", "/c/general"),
             (f"category p{facts.get('deep_page', 1)} (deep)", deep),
             ("topic (20 posts)", f"/t/{t}/{facts['bench_topic_slug']}"),
             ("search", "/search?q=database+backup"),
             ("topic JSON", f"/api/v1/topics/{t}/posts")]
    if facts.get("kb_article"):  # (a data set made with the kb plugin)
        pages += [("kb section (40 articles)", f"/kb/s/{facts['kb_section']}"),
                  ("kb article", facts["kb_article"])]
    return pages


#: connections of the staff pages' second load (a support team's few members at once)
STAFF_CONNECTIONS = 2


def staff_pages(facts: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Pages only staff may see (name, path, a pattern the page's HTML must match to count:
    a question's row, a category's section): the support plugin's queue (the 50 oldest
    questions waiting) and its dashboard (the last 12 weeks of every support category), when
    the data set has support questions."""
    if not facts.get("support_category"):
        return []
    return [("support queue (staff)", "/support/queue", r'\bid="queue-\d+"'),
            ("support dashboard (staff, 12 weeks)", "/support/dashboard",
             r'\bid="dash-\d+"')]


def load_forum(label: str, server: Server, facts: dict[str, Any], args: argparse.Namespace,
               which: tuple[str, ...] | None = None, signed_in: bool = True,
               signed_which: tuple[str, ...] | None = None, revalidated: bool = False,
               staff_which: tuple[str, ...] | None = (),
               ) -> tuple[list[Row], str | None]:
    """Rows for the forum's pages, anonymous then signed in, then the staff pages signed in
    as the administrator (``staff_which``: None for all of them, () for none). Every one is a
    render: the forum keeps no pages, and wrk sends no validators. ``revalidated`` adds the
    signed-in topic asked with the ETag it was given (``If-None-Match``): rendered, answered
    304."""
    rows = []
    pages = [(n, p) for n, p in forum_pages(facts)
             if which is None or any(n.startswith(w) for w in which)]
    def conns(name: str) -> int | None:
        # a search takes about half a second at 200,000 posts: 16 connections would only queue
        # requests that time out (wrk gives up after 10 s) and keep the server busy after wrk
        # stops
        return min(args.search_connections, args.connections) if name == "search" else None

    pages = [(f"{n} ({conns(n)} conns)" if conns(n) else n, p) for n, p in pages]
    for name, path in pages:
        rows.append(measure(f"{label} {name}, anon", server, path, args, group=label,
                            connections=conns(name.split(" (")[0])))
    cookie = None
    if signed_in:
        cookie = sign_in(server.base, facts["member"], facts["password"])
        for name, path in pages:
            if signed_which is None or any(name.startswith(w) for w in signed_which):
                rows.append(measure(f"{label} {name}, signed in", server, path, args,
                                    cookie=cookie, group=label,
                                    connections=conns(name.split(" (")[0])))
    staff = [(n, p, e) for n, p, e in staff_pages(facts)
             if staff_which is None or any(n.startswith(w) for w in staff_which)]
    if signed_in and staff:
        admin = sign_in(server.base, facts["admin"], facts["password"])
        for name, path, expect in staff:
            rows.append(measure(f"{label} {name}, signed in as admin", server, path, args,
                                cookie=admin, group=label, expect=expect))
            # a staff page is used by a few staff at once, not by 16 browsers: its latency
            # without the queue the 16 connections make
            rows.append(measure(f"{label} {name}, signed in as admin, {STAFF_CONNECTIONS} "
                                f"connections", server, path, args, cookie=admin, group=label,
                                expect=expect, connections=STAFF_CONNECTIONS))
    if revalidated and cookie:
        name, path = next((n, p) for n, p in pages if n.startswith("topic (20"))
        tag = etag_of(server.base + path, {"Cookie": cookie})
        if tag:
            rows.append(measure(f"{label} {name}, signed in, If-None-Match", server, path,
                                args, cookie=cookie, group=label, measures=RENDER_304,
                                headers={"If-None-Match": tag}))
    return rows, cookie


def plugins_cost(everything: Server, core: Server, facts: dict[str, Any],
                 args: argparse.Namespace, rounds: int = 3) -> dict[str, dict[str, float]]:
    """The throughput cost of the bundled plugins, page by page, signed in and anonymous
    (rendered each time, where the plugins' hooks run): short loads of the two servers taken
    in turn (ABABAB), compared by their medians. Rows measured minutes apart on a shared
    machine differ by a fifth either way; loads taken in turn share the drift."""
    cookies = {server: sign_in(server.base, facts["member"], facts["password"])
               for server in (everything, core)}
    found = {}
    for name, path in forum_pages(facts):
        if name not in ("home", "category p1", "topic (20 posts)"):
            continue
        for who in ("signed in", "anon"):
            rates: dict[str, list[float]] = {"plugins": [], "core": []}
            for _ in range(rounds):
                for label, server in (("plugins", everything), ("core", core)):
                    headers = {"Cookie": cookies[server]} if who == "signed in" else {}
                    for _ in range(3):
                        probe(server.base + path, headers)
                    rates[label].append(wrk(server.base + path, args.duration / 2,
                                            args.connections,
                                            [f"{k}: {v}" for k, v in headers.items()])["rps"])
                    drain(server)
            plugins, core_only = (statistics.median(rates[k]) for k in ("plugins", "core"))
            found[f"{name}, {who}"] = {"plugins": plugins, "core": core_only,
                                       "cost": 1 - plugins / core_only}
    return found


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "n/a" if value is None else format(value, spec)


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description="The forum's benchmark suite.")
    parser.add_argument("--quick", action="store_true",
                        help="small data (500 topics, 10,000 posts), 3-second loads")
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--small-posts", type=int, default=10_000,
                        help="posts of the small data set the topic page is compared against")
    parser.add_argument("--million", action="store_true",
                        help="also a 1,000,000-post data set for the topic page (slow)")
    parser.add_argument("--duration", type=float, default=8, help="seconds per wrk load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--search-connections", type=int, default=2,
                        help="wrk connections for the search rows")
    parser.add_argument("--post-threads", type=int, default=4)
    parser.add_argument("--post-seconds", type=float, default=10)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="regenerate cached data sets")
    parser.add_argument("--only", metavar="PAGES",
                        help="comma-separated page names (their starts: 'support', 'home', "
                             "'topic (20'...): only these rows of the main SQLite data set, "
                             "after the baselines; nothing else is measured")
    args = parser.parse_args()
    only = tuple(w.strip() for w in args.only.split(",") if w.strip()) if args.only else None
    if args.quick:
        args.topics, args.posts, args.small_posts = 500, 10_000, 2_000
        args.duration, args.post_seconds, args.searches = 3, 3, 100
    # stop servers and drop the PostgreSQL database when stopped (finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = DATA / "logs" / stamp
    logs.mkdir(parents=True, exist_ok=True)
    suite_started = time.perf_counter()
    rows: list[Row] = []
    notes: list[str] = []
    facts_main: dict[str, Any] = {}
    by: dict[str, Row] = {}
    extra: dict[str, Any] = {}
    plugins = bundled_plugins()
    log(f"bundled plugins enabled: {plugins or 'none'}; logs in {logs}")
    rng = random.Random(11)

    # 1. the stack's limits
    for kind, label in (("hello", "baseline: Pyramid hello world"),
                        ("template", "baseline: Pyramid + Jinja2, 20-item loop")):
        server = baseline_server(kind, logs)
        try:
            row = measure(label, server, "/", args, group="baseline", measures=BASELINE)
        finally:
            row.rss = server.peak_rss_mb()
            server.stop()
        rows.append(row)
        by[kind] = row

    # 2. SQLite, default size, all bundled plugins
    config, facts = cached_sqlite(args, args.topics, args.posts, plugins, "reindex", logs)
    facts_main = facts
    server = forum_server("forum-sqlite", config, logs)
    try:
        got, _cookie = load_forum("SQLite", server, facts, args, which=only,
                                  signed_which=only, staff_which=only, revalidated=not only)
        rss_reads = server.peak_rss_mb()
        for r in got:
            r.rss = rss_reads
        rows += got
        if only:
            return finish(rows, by, facts_main, extra, notes, args, plugins, stamp,
                          suite_started)
        extra["search"] = search_latency(server.base, args.searches, rng)
        log(f"search latency: {extra['search']}")
        token = make_token(config, facts["member"])
        topic_ids = list(range(max(3, facts["topics"] - 200), facts["topics"] + 1))
        extra["posting"] = posting_rate(server.base, token, topic_ids, args.post_threads,
                                        args.post_seconds)
        log(f"posting: {extra['posting']}")
        extra["rss_after_posting"] = server.peak_rss_mb()
    finally:
        server.stop()

    # 3. core only: the same data (same generator, same seed) in a database migrated without
    # plugins (a plugin's migrations cannot be switched off in a database that has them), with
    # a copy of the search index built above
    core, _core_facts = cached_sqlite(args, args.topics, args.posts, [], "empty", logs)
    shutil.rmtree(core.parent / "var" / "search", ignore_errors=True)
    pristine = DATA / config.parent.name.removeprefix("run-")
    shutil.copytree(pristine / "var" / "search", core.parent / "var" / "search")
    os.sync()
    server = forum_server("forum-sqlite-core", core, logs)
    try:
        got, _ = load_forum("SQLite core only", server, facts, args,
                            which=("home", "category p1", "topic (20"),
                            signed_which=("topic (20",))
        rss = server.peak_rss_mb()
        for r in got:
            r.rss = rss
        rows += got
        everything = forum_server("forum-sqlite-again", config, logs)
        try:
            extra["plugins_ab"] = plugins_cost(everything, server, facts, args)
            log(f"plugins cost, interleaved: {extra['plugins_ab']}")
        finally:
            everything.stop()
    finally:
        server.stop()

    # 4. the topic page on a small data set (and optionally 1M posts)
    sizes = [("small", max(50, args.small_posts // 20), args.small_posts)]
    if args.million:
        sizes.append(("1M", 50_000, 1_000_000))
    for label, t, p in sizes:
        cfg, f = cached_sqlite(args, t, p, plugins, "empty", logs)
        server = forum_server(f"forum-sqlite-{label}", cfg, logs)
        try:
            got, _ = load_forum(f"SQLite {p:,} posts", server, f, args, which=("topic (20",))
            rss = server.peak_rss_mb()
            for r in got:
                r.rss = rss
            rows += got
        finally:
            server.stop()
        extra[f"gen_{label}"] = f

    # 5. PostgreSQL
    if not args.no_postgres:
        dbname = f"bench_{os.getpid()}"
        try:
            import sqlalchemy as sa
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}"'))
                c.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
            where = DATA / "run-postgresql"
            shutil.rmtree(where, ignore_errors=True)
            try:
                pg_facts = make_dataset(
                    where, f"postgresql://postgres@127.0.0.1:5432/{dbname}", plugins,
                    args.topics, args.posts, "reindex", logs, search_backend="postgresql")
                extra["gen_pg"] = pg_facts
                server = forum_server("forum-postgresql", where / "forum.ini", logs)
                try:
                    got, _ = load_forum("PostgreSQL", server, pg_facts, args,
                                        which=("home", "category", "topic", "search"),
                                        signed_which=("topic (20",), staff_which=None)
                    rss = server.peak_rss_mb()
                    for r in got:
                        r.rss = rss
                    rows += got
                    extra["search_pg"] = search_latency(server.base, args.searches, rng)
                    log(f"search latency (PostgreSQL): {extra['search_pg']}")
                    token = make_token(where / "forum.ini", pg_facts["member"])
                    topic_ids = list(range(max(3, pg_facts["topics"] - 200),
                                           pg_facts["topics"] + 1))
                    extra["posting_pg"] = posting_rate(server.base, token, topic_ids,
                                                       args.post_threads, args.post_seconds)
                    log(f"posting (PostgreSQL): {extra['posting_pg']}")
                    extra["writers_pg"] = writers_scaling(
                        server, where / "forum.ini",
                        f"postgresql://postgres@127.0.0.1:5432/{dbname}", topic_ids,
                        WRITERS, args.post_seconds)
                finally:
                    server.stop()
            finally:
                with admin.connect() as c:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
                admin.dispose()
        except Exception as exc:  # report, do not lose the rest of the suite
            notes.append(f"PostgreSQL part failed: {exc!r}")
            log(f"PostgreSQL part failed: {exc!r}")

    return finish(rows, by, facts_main, extra, notes, args, plugins, stamp, suite_started)


def finish(rows: list[Row], by: dict[str, Row], facts: dict[str, Any], extra: dict[str, Any],
           notes: list[str], args: argparse.Namespace, plugins: list[str], stamp: str,
           suite_started: float) -> int:
    """Print the table and write it to bench/results/<stamp>.md (raw figures in .json)."""
    notes = notes + [f"{r.name}: {r.note}" for r in rows if r.note]
    report = render(rows, by, facts, extra, notes, args, plugins,
                    time.perf_counter() - suite_started)
    out = RESULTS / f"{stamp}.md"
    out.write_text(report)
    (RESULTS / f"{stamp}.json").write_text(json.dumps(
        {"rows": [r.__dict__ for r in rows], "extra": extra, "facts": facts,
         "notes": notes, "args": vars(args)}, indent=2, default=str))
    print(report)
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


def render(rows: list[Row], by: dict[str, Row], facts: dict[str, Any], extra: dict[str, Any],
           notes: list[str], args: argparse.Namespace, plugins: list[str],
           elapsed: float) -> str:
    hello, tpl = by["hello"].rps, by["template"].rps
    find = {r.name: r for r in rows}

    def get(name: str) -> Row | None:
        return find.get(name)

    lines = [f"# Forum benchmark {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"Data: {facts.get('topics', 0):,} topics, {facts.get('posts', 0):,} posts, "
             f"{facts.get('users', 0):,} members, {facts.get('categories', 0)} categories; "
             f"plugins: {' '.join(plugins) or 'none'}; wrk {args.connections} connections, "
             f"{args.duration:g} s per row; waitress threads=8; {os.cpu_count()} CPUs.", "",
             "Every forum row is a render: the request goes through the security policy and "
             "its view (the forum keeps no pages); `render, 304` answered a conditional GET "
             "after rendering. SQL q/req counts every statement and transaction end of one "
             "request (`X-Forum-Queries`).", "",
             "| scenario | measures | req/s | p50 ms | p99 ms | x hello | x template "
             "| SQL q/req | peak RSS MB | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        status = "" if r.status in (200, 304, None) else f" (HTTP {r.status})"
        rps = fmt(r.rps, ".0f" if (r.rps or 0) >= 10 else ".2f")
        lines.append(f"| {r.name} | {r.measures} | {rps} | {fmt(r.p50, '.1f')} | "
                     f"{fmt(r.p99, '.1f')} | {ratio(r.rps, hello)} | {ratio(r.rps, tpl)} | "
                     f"{r.queries} | {fmt(r.rss, '.0f')} | {r.errors}{status} |")
    lines.append("")
    lines.append("## Other measurements")
    lines.append("")
    g = facts
    lines.append(f"- Generation (SQLite, {g.get('posts', 0):,} posts): {g.get('total_s')} s "
                 f"(Markdown pool {g.get('render_pool_s')} s, inserts {g.get('insert_s')} s, "
                 f"ANALYZE {g.get('analyze_s')} s); forum init {g.get('init_s')} s; "
                 f"`forum reindex` (Whoosh): {g.get('reindex_s')} s.")
    if "gen_pg" in extra:
        p = extra["gen_pg"]
        lines.append(f"- Generation (PostgreSQL): {p.get('total_s')} s (inserts "
                     f"{p.get('insert_s')} s); `forum reindex` (search_backend = postgresql): "
                     f"{p.get('reindex_s')} s.")
    for key, label in (("search", "SQLite + Whoosh"), ("search_pg", "PostgreSQL full text")):
        if key in extra:
            s = extra[key]
            lines.append(f"- Search latency, {label}, {g.get('posts', 0):,} posts: p50 "
                         f"{s['p50']:.1f} ms, p99 {s['p99']:.1f} ms over {s['n']} varied queries "
                         f"one at a time ({s['errors']} errors).")
    if extra.get("plugins_ab"):
        lines.append("- All bundled plugins vs core only, short loads of the two "
                     "servers taken in turn (3 each, medians): " + "; ".join(
                         f"{page} {v['plugins']:.0f} vs {v['core']:.0f} req/s "
                         f"({v['cost']:+.0%})" for page, v in extra["plugins_ab"].items()) + ".")
    for key, label in (("posting", "SQLite + Whoosh"), ("posting_pg", "PostgreSQL")):
        if key in extra:
            s = extra[key]
            lines.append(f"- Sustained posting, {label}: {s['rate']:.1f} replies/s "
                         f"({args.post_threads} clients, {args.post_seconds:g} s, JSON API with a "
                         f"token; {s['ok']} ok, {s['failed']} failed; p50 {s['p50']:.0f} ms, "
                         f"p99 {s['p99']:.0f} ms); all of them searchable "
                         f"{s['searchable_s']:.1f} s after the last one (a search waits for the "
                         f"index), {s['searchable_rate']:.1f} replies/s counting that.")
    if extra.get("writers_pg"):
        lines.append("- Replies on PostgreSQL by concurrent writers (each a member of their own, "
                     "on other topics than the others; JSON API; transactions waiting for a "
                     "lock sampled every 20 ms): " + "; ".join(
                         f"{n} writer{'s' if n > 1 else ''} {w['rate']:.1f} replies/s "
                         f"(p50 {w['p50']:.0f} ms, p99 {w['p99']:.0f} ms, {w['failed']} failed; "
                         f"waiting for a lock: mean {w['waiting_mean']:.2f}, max "
                         f"{w['waiting_max']}"
                         + (", on " + ", ".join(f"{k} ({v})" for k, v in w["waited_for"].items())
                            if w["waited_for"] else "") + ")"
                         for n, w in sorted(extra["writers_pg"].items(),
                                            key=lambda item: int(item[0]))) + ".")
    if g.get("support_category"):
        states = g.get("support_states", {})
        lines.append(f"- Support data: {g['support_questions']:,} questions in the support "
                     f"category `{g['support_category']}` over the last "
                     f"{g.get('support_weeks')} weeks ("
                     + ", ".join(f"{n:,} {state}" for state, n in states.items())
                     + f"; {g.get('support_claimed', 0):,} claimed by {g.get('admin')}); the "
                     "staff rows are signed in as that administrator.")
    if extra.get("rss_after_posting"):
        lines.append(f"- Peak RSS of the SQLite server after the posting run too: "
                     f"{extra['rss_after_posting']:.0f} MB.")
    if all(r.queries == "n/a" for r in rows if r.group != "baseline"):
        lines.append("- SQL queries per request: n/a (the running core has no "
                     "`forum.count_queries` setting / `X-Forum-Queries` header yet).")

    # targets
    checks: list[tuple[str, bool | None, str]] = []
    try:
        signed = get("SQLite topic (20 posts), signed in")
        if signed:
            checks.append(("20-post topic, signed in, rendered: >= 25% of the template page's "
                           "req/s and p99 < 100 ms",
                           signed.rps >= 0.25 * tpl and signed.p99 < 100,
                           f"{signed.rps / tpl:.0%} of template, p99 {signed.p99:.1f} ms"))
        for page in ("home", "category p1"):
            r = get(f"SQLite {page}, signed in")
            if r:
                checks.append((f"{page}, signed in, rendered: >= 25% of the template page's "
                               f"req/s", r.rps >= 0.25 * tpl, f"{r.rps / tpl:.0%}"))
        for page in ("home", "category p1", "topic (20 posts)"):
            r = get(f"SQLite {page}, anon")
            if r:
                checks.append((f"{page}, visitor, rendered (no cache): >= 25% of the template "
                               f"page's req/s", r.rps >= 0.25 * tpl, f"{r.rps / tpl:.0%}"))
        writers = extra.get("writers_pg")
        if writers:
            most = writers[max(writers, key=int)]
            # a row every writer updates keeps every in-flight write but one waiting for it
            # (up to 7 of the server's 8 threads); rows per topic or category, rarely any
            checks.append((f"replies on PostgreSQL: no lock row shared by all writers "
                           f"({max(writers, key=int)} writers: fewer than one transaction "
                           f"waiting for a lock on average)", most["waiting_mean"] < 1,
                           ", ".join(f"{n} writers {w['rate']:.0f}/s, {w['waiting_mean']:.2f} "
                                     f"waiting" for n, w in sorted(
                                         writers.items(), key=lambda item: int(item[0])))))
        p1 = get("SQLite category p1, anon")
        deep = next((r for r in rows if r.name.startswith("SQLite category p")
                     and "(deep), anon" in r.name), None)
        if p1 and deep:
            checks.append(("deep listing page within 1.2x of page 1 latency (p50)",
                           deep.p50 <= 1.2 * p1.p50, f"{deep.p50 / p1.p50:.2f}x "
                           f"(p99 {deep.p99 / p1.p99:.2f}x)"))
        big = get("SQLite topic (20 posts), anon")
        small = next((r for r in rows if r.name.startswith("SQLite ") and "posts topic" in r.name
                      and "anon" in r.name and "1,000,000" not in r.name), None)
        million = get("SQLite 1,000,000 posts topic (20 posts), anon")
        if million and small:
            checks.append(("topic page latency at 1M posts within 1.5x of 10k",
                           million.p50 <= 1.5 * small.p50, f"{million.p50 / small.p50:.2f}x (p50)"))
        elif big and small:
            checks.append((f"topic page latency at 1M posts within 1.5x of 10k (not run; "
                           f"{facts.get('posts', 0):,} vs {small.name.split()[1]} instead, "
                           f"--million "
                           f"for 1M)", None, f"{big.p50 / small.p50:.2f}x (p50)"))
        if "search" in extra:
            s = extra["search"]
            checks.append((f"search p50 < 20 ms and p99 < 100 ms at "
                           f"{facts.get('posts', 0):,} posts",
                           s["p50"] < 20 and s["p99"] < 100,
                           f"p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms"))
        costs = [(page, found["cost"]) for page, found in extra.get("plugins_ab", {}).items()]
        if costs:
            worst = max(cost for _, cost in costs)
            checks.append(("all plugins cost <= 15% throughput vs core only (signed in and "
                           "anonymous, rendered, loads taken in turn, medians)", worst <= 0.15,
                           ", ".join(f"{p} {c:+.0%}" for p, c in costs)))
        staff = [r for r in rows if r.group == "SQLite" and r.name.startswith("SQLite support ")]
        for few in (False, True):
            chosen = [r for r in staff if r.name.endswith(" connections") == few]
            if not chosen:
                continue
            measured = [r for r in chosen if r.p99 is not None and not r.note]
            load = (f"{STAFF_CONNECTIONS} connections" if few
                    else f"{args.connections} connections")
            checks.append((f"support queue and dashboard, staff, rendered (no cache): p99 < "
                           f"100 ms at {facts.get('posts', 0):,} posts, {load}",
                           len(measured) == len(chosen) and all(r.p99 < 100 for r in measured),
                           ", ".join(f"{r.name.removeprefix('SQLite ').split(' (staff')[0]} "
                                     f"p99 {fmt(r.p99, '.1f')} ms" for r in chosen)))
        if signed and signed.rss:
            checks.append((f"peak RSS of one server < 150 MB (all plugins, "
                           f"{facts.get('posts', 0):,} "
                           f"posts)", signed.rss < 150, f"{signed.rss:.0f} MB"))
    except (TypeError, ZeroDivisionError) as exc:  # a load with no completed request
        checks.append((f"some targets could not be evaluated ({exc})", None, ""))
    lines += ["", "## Targets", ""]
    for what, ok, detail in checks:
        verdict = "not measured" if ok is None else ("met" if ok else "MISSED")
        lines.append(f"- {verdict}: {what} ({detail})")
    if notes:
        lines += ["", "## Problems", ""] + [f"- {n}" for n in notes]
    lines += ["", f"Suite run time: {elapsed / 60:.1f} min.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
