"""Benchmark: what one bundled plugin costs the pages it adds to (the badges plugin's ranks
on every post of a topic page, for instance): the main data set served twice from copies of
one database, with every bundled plugin and with every one but the plugin measured, loads
taken in turn (ABABAB) and compared by their medians, signed in and anonymous. Every row is
a render (the forum keeps no pages).

    .venv/bin/python bench/plugin_cost.py badges [--quick] [--duration 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugin")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--data", type=Path,
                        help="a generated forum to use instead of the cached main data set "
                             "(a folder with forum.ini and facts.json, such as the one "
                             "bench/badges_backfill.py builds)")
    args = parser.parse_args()
    if args.quick:
        args.topics, args.posts, args.duration = 500, 10_000, 3
    plugins = run.bundled_plugins()
    if args.plugin not in plugins:
        print(f"{args.plugin} is not a bundled plugin ({' '.join(plugins)})", file=sys.stderr)
        return 2
    logs = run.DATA / "logs" / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    logs.mkdir(parents=True, exist_ok=True)
    if args.data:
        import json

        work = run.DATA / f"run-{args.data.name}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(args.data, work)
        config = work / "forum.ini"
        config.write_text(config.read_text().replace(str(args.data.resolve()), str(work)))
        facts = json.loads((work / "facts.json").read_text())
    else:
        config, facts = run.cached_sqlite(args, args.topics, args.posts, plugins, "reindex",
                                          logs)
    # the same database and index without the plugin: disabled, it is not even imported
    without = config.parent.parent / (config.parent.name + f"-without-{args.plugin}")
    shutil.rmtree(without, ignore_errors=True)
    shutil.copytree(config.parent, without)
    text = (without / "forum.ini").read_text().replace(str(config.parent), str(without))
    others = " ".join(p for p in plugins if p != args.plugin)
    lines = [f"forum.plugins = {others}" if line.startswith("forum.plugins =") else line
             for line in text.splitlines()]
    (without / "forum.ini").write_text("\n".join(lines) + "\n")
    on = run.forum_server(f"with-{args.plugin}", config, logs)
    off = run.forum_server(f"without-{args.plugin}", without / "forum.ini", logs)
    try:
        found = run.plugins_cost(on, off, facts, args)
    finally:
        on.stop()
        off.stop()
    print(f"| page (render), all bundled plugins with and without {args.plugin} "
          "| with req/s | without req/s | cost |")
    print("|---|---:|---:|---:|")
    for name, row in found.items():
        print(f"| {name} | {row['plugins']:.0f} | {row['core']:.0f} | {row['cost']:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
