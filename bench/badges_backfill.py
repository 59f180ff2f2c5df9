"""Benchmark: ``forum badges backfill`` on a forum with history, and the forum answering
while it runs.

Builds (once per size; kept under build/bench/) a SQLite forum of the default size, 200,000
posts in 10,000 topics by 40,000 members, with the bundled plugins enabled and the backfill
not yet run. Then, on a fresh copy, it times ``forum badges backfill`` as a separate process
(peak memory from the kernel's accounting of that process) while a served forum is asked for
a topic page every half second and another connection takes the database's write lock every
half second (what a member's post waits for); it reports the backfill's time, its peak RSS,
the pages' latency and the wait for the write lock during the backfill against before it,
and that a second run awards nothing.

    .venv/bin/python bench/badges_backfill.py [--posts 200000 --members 40000 --batch 500]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

FORUM = Path(sys.executable).with_name("forum")


def build(where: Path, topics: int, posts: int, members: int) -> Path:
    config = where / "forum.ini"
    if (where / "done").exists():
        return config
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    subprocess.run([str(FORUM), "init", "--config", str(config), "--no-input", "--plugins",
                    "badges groups ideas kb support", "--admin-password",
                    "bench-admin-pass-1"], check=True, capture_output=True)
    print(f"generating {topics:,} topics, {posts:,} posts by {members:,} members ...",
          flush=True)
    facts = generate.generate(config, topics, posts, n_users=members,
                              log=lambda *a, **k: None)
    (where / "facts.json").write_text(json.dumps(facts, default=str))
    (where / "done").write_text("ok")
    return config


def probe(url: str, stop: threading.Event, times: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                answer.read()
            times.append(time.perf_counter() - started)
        except OSError:
            times.append(float("inf"))
        time.sleep(0.5)


def write_probe(database: Path, stop: threading.Event, times: list[float]) -> None:
    """Take SQLite's write lock every half second, as a member's post does (waiting up to
    the forum's 5 s); how long each took, inf when it timed out."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=5)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("COMMIT")
            times.append(time.perf_counter() - started)
        except sqlite3.OperationalError:
            times.append(float("inf"))
        time.sleep(0.5)
    connection.close()


def probing(url: str, database: Path, pages: list[float], writes: list[float]) -> Any:
    """Start both probes; the returned function stops them."""
    stop = threading.Event()
    threads = [threading.Thread(target=probe, args=(url, stop, pages)),
               threading.Thread(target=write_probe, args=(database, stop, writes))]
    for thread in threads:
        thread.start()

    def halt() -> None:
        stop.set()
        for thread in threads:
            thread.join()
    return halt


def summary(what: str, times: list[float]) -> str:
    done = [t for t in times if t != float("inf")]
    return (f"{what}: median {statistics.median(done) * 1000:.0f} ms, max "
            f"{max(done) * 1000:.0f} ms over {len(times)}, failed {len(times) - len(done)}")


def backfill(config: Path, batch: int | None = None) -> tuple[float, float, str]:
    """Run ``forum badges backfill``; its time, its own peak RSS (from the kernel's
    accounting of that one process) and what it said."""
    env = {**os.environ, "FORUM_CONFIG": str(config)}
    started = time.perf_counter()
    with open(config.parent / "backfill.out", "w+") as out, \
            open(config.parent / "backfill.err", "w+") as err:
        extra = [] if batch is None else ["--batch", str(batch)]
        process = subprocess.Popen([str(FORUM), "badges", "backfill", *extra], env=env,
                                   stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        said = out.read().strip()
        err.seek(0)
        complaint = err.read().strip()[-2000:]
    if process.returncode:
        raise SystemExit(f"forum badges backfill failed ({process.returncode}): {said}\n"
                         f"{complaint}")
    return seconds, usage.ru_maxrss / 1024, said


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=40_000)
    parser.add_argument("--batch", type=int, help="members per batch (the command's default)")
    args = parser.parse_args()
    pristine = ROOT / "build" / "bench" / f"badges-{args.posts}p-{args.members}m"
    build(pristine, args.topics, args.posts, args.members)
    work = ROOT / "build" / "bench" / "badges-run"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    config = work / "forum.ini"
    text = config.read_text().replace(str(pristine), str(work))
    config.write_text(text)
    port = 6571
    server = subprocess.Popen([str(FORUM), "serve", "--config", str(config), "--port",
                               str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/t/1"
        for _attempt in range(120):
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        database = work / "var" / "forum.sqlite"
        quiet: list[float] = []
        quiet_writes: list[float] = []
        halt = probing(url, database, quiet, quiet_writes)
        time.sleep(10)
        halt()
        busy: list[float] = []
        busy_writes: list[float] = []
        halt = probing(url, database, busy, busy_writes)
        seconds, peak, said = backfill(config, args.batch)
        halt()
        again_s, _again_peak, again = backfill(config, args.batch)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"backfill (first run): {seconds:.1f} s, peak RSS of the process {peak:.0f} MB")
    print(f"  said: {said}")
    print(f"backfill (second run): {again_s:.1f} s; said: {again}")
    print(summary("topic page (render) before", quiet))
    print(summary("topic page (render) during the backfill", busy))
    print(summary("write lock taken before", quiet_writes))
    print(summary("write lock taken during the backfill", busy_writes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
