"""Where one page's time goes: cProfile of N requests to the forum app, in-process.

    .venv/bin/python bench/profile_request.py --config bench/data/run-.../forum.ini \
        [--signed-in] [--n 50] [--top 30] PATH [PATH ...]

Loads the app from the config (as ``forum serve`` does, without waitress), optionally signs in
``bench_member`` through the real login form, warms up, then profiles ``--n`` requests to each
PATH and prints the functions with the most cumulative time. Uses WebTest (a test extra).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import time

from pyramid.paster import get_app
from webtest import TestApp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--signed-in", action="store_true")
    parser.add_argument("--user", default="bench_member")
    parser.add_argument("--password", default="bench-password-1")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    app = TestApp(get_app(args.config, "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    if args.signed_in:
        page = app.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        app.post("/login", {"csrf_token": token, "next": "/", "login": args.user,
                            "password": args.password}, status=303)
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
        print(f"== {path}: {elapsed:.1f} ms per request under the profiler "
              f"({'signed in' if args.signed_in else 'anonymous'}, {args.n} requests)")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
