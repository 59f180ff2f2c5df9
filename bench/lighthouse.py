"""Lighthouse scores of the demo forum's home, category, topic, profile and ideas board pages.

    .venv/bin/python bench/lighthouse.py [--json]

Sets up a demo forum in a temporary folder (``forum init --demo``), serves it with ``forum
serve`` on a free port, installs the npm ``lighthouse`` package into ``bench/.cache/`` on first
use, and audits each page in Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``). Prints the
four scores per page; exits with 1 when accessibility, best practices or SEO is below 100.
Needs Node.js with npm, and Chromium.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "lighthouse"
LIGHTHOUSE = CACHE / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking " \
        "--disable-component-update"
PAGES = {"home": "/", "category": "/c/general",
         "topic": "/t/1/welcome-to-the-community-forum", "profile": "/u/alice",
         "ideas": "/ideas/ideas"}
MUST_BE_100 = ("accessibility", "best-practices", "seo")


def ensure_lighthouse() -> Path:
    if not LIGHTHOUSE.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                        "--loglevel=error", "lighthouse@12"], check=True,
                       stdout=sys.stderr)  # stdout carries only the scores
    return LIGHTHOUSE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_demo(folder: Path) -> tuple[subprocess.Popen, str]:
    forum = Path(sys.executable).with_name("forum")
    env = {**os.environ, "FORUM_ADMIN_PASSWORD": "lighthouse-admin"}
    subprocess.run([str(forum), "init", "--demo", "--no-input", "--config", "forum.ini"],
                   cwd=folder, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(forum), "serve", "--config", "forum.ini", "--host",
                               "127.0.0.1", "--port", str(port)], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # up to half a minute on a loaded machine
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the demo forum did not start")


def audit(lighthouse: Path, url: str, report: Path, attempts: int = 3) -> dict[str, int]:
    """Audit one page. Lighthouse now and then loses its Chromium on a loaded machine (a
    launch or protocol timeout, a page without a first paint): such a run is tried again, and
    the last failure's own message is what the caller sees."""
    for attempt in range(1, attempts + 1):
        report.unlink(missing_ok=True)
        done = subprocess.run([str(lighthouse), url, "--quiet", f"--chrome-flags={FLAGS}",
                               "--output=json", f"--output-path={report}"],
                              env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True,
                              text=True, timeout=300)
        failure = _failure(done, report)
        if failure is None:
            categories = json.loads(report.read_text())["categories"]
            return {name: round(category["score"] * 100)
                    for name, category in categories.items()}
        print(f"lighthouse {url}, attempt {attempt}: {failure}", file=sys.stderr)
    raise SystemExit(f"lighthouse failed {attempts} times on {url}: {failure}")


def _failure(done: subprocess.CompletedProcess, report: Path) -> str | None:
    """Why a Lighthouse run gave no usable scores, or None when it did."""
    if done.returncode != 0 or not report.exists():
        return f"exit code {done.returncode}: {done.stderr.strip()[-2000:]}"
    found = json.loads(report.read_text())
    if found.get("runtimeError"):
        return f"runtime error: {found['runtimeError']}"
    if any(category["score"] is None for category in found["categories"].values()):
        return "a category has no score"
    return None


def main() -> int:
    lighthouse = ensure_lighthouse()
    with tempfile.TemporaryDirectory() as tmp:
        server, url = serve_demo(Path(tmp))
        try:
            scores = {name: audit(lighthouse, url + path, Path(tmp) / f"{name}.json")
                      for name, path in PAGES.items()}
        finally:
            server.terminate()
            server.wait(timeout=10)
    if "--json" in sys.argv:
        print(json.dumps(scores))
    else:
        print(f"{'page':<10} {'performance':>12} {'accessibility':>14} {'best-practices':>15} "
              f"{'seo':>5}")
        for name, found in scores.items():
            print(f"{name:<10} {found['performance']:>12} {found['accessibility']:>14} "
                  f"{found['best-practices']:>15} {found['seo']:>5}")
    low = [(name, category) for name, found in scores.items() for category in MUST_BE_100
           if found[category] < 100]
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
