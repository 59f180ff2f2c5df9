"""Where one page's time goes: cProfile of N requests to the forum app, in-process.

    .venv/bin/python bench/profile_request.py --config bench/data/run-.../forum.ini \
        [--signed-in] [--n 50] [--top 30] [--sort tottime] [--callers PATTERN] PATH ...
    .venv/bin/python bench/profile_request.py --config ... --time [--signed-in] PATH ...

Loads the app from the config (as ``forum serve`` does, without waitress), optionally signs in
``bench_member`` through the real login form, warms up, then profiles ``--n`` requests to each
PATH and prints the functions with the most cumulative time. Uses WebTest (a test extra).

``--time`` profiles nothing: it times the requests (CPU time of this process, the best of
``--rounds`` rounds of ``--n`` requests, so other work on a shared machine disturbs it less)
and the benchmark's template page (``bench/apps.py``) the same way, and prints each page's
time and its ratio to the template page's: the in-process counterpart of the table's
"x template" column.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path
from typing import Any

from pyramid.paster import get_app
from webtest import TestApp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import apps  # noqa: E402


def best_time(app: Any, path: str, n: int, rounds: int) -> float:
    """Milliseconds of CPU per request, the best of ``rounds`` rounds of ``n`` requests."""
    for _ in range(5):
        app.get(path, expect_errors=True)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(n):
            app.get(path, expect_errors=True)
        best = min(best, (time.process_time() - started) / n * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--signed-in", action="store_true")
    parser.add_argument("--user", default="bench_member")
    parser.add_argument("--password", default="bench-password-1")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--time", action="store_true",
                        help="time the requests against the template page; no profile")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--callers", metavar="PATTERN",
                        help="also print who calls the functions matching PATTERN")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    app = TestApp(get_app(args.config, "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    who = "signed in" if args.signed_in else "anonymous"
    if args.signed_in:
        page = app.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        app.post("/login", {"csrf_token": token, "next": "/", "login": args.user,
                            "password": args.password}, status=303)
    if args.time:
        template = best_time(TestApp(apps.make_app("template")), "/", args.n * 4, args.rounds)
        print(f"template page: {template:.3f} ms per request (CPU, in-process)")
        for path in args.paths:
            took = best_time(app, path, args.n, args.rounds)
            print(f"{path} ({who}): {took:.3f} ms, {template / took:.1%} of the template "
                  f"page's requests per second")
        return
    for path in args.paths:
        for _ in range(3):
            app.get(path, expect_errors=True)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.n):
            app.get(path, expect_errors=True)
        profiler.disable()
        elapsed = (time.perf_counter() - started) / args.n * 1000
        print(f"== {path}: {elapsed:.1f} ms per request under the profiler ({who}, "
              f"{args.n} requests)")
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
