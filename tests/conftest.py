"""Shared fixtures of the core's tests (the forum fixtures come from forum_core.testing)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PLUGIN_PACKAGES = HERE / "plugin_packages"
sys.path.insert(0, str(PLUGIN_PACKAGES))

#: Test plugins, found through real entry points that point at tests/plugin_packages/.
TEST_PLUGIN_IDS = ("alpha", "beta", "failing", "badimport", "oldapi", "nodecl", "wrongid",
                   "cycle_a", "cycle_b", "badhook", "needs_missing", "badconfig",
                   "gatekeeper", "finder", "brokenguard", "consumer", "rival", "chores",
                   "clash")


def plugin_entry_points() -> list[EntryPoint]:
    return [EntryPoint(name=pid, value=f"forum_{pid}", group="forum.plugins")
            for pid in TEST_PLUGIN_IDS]


@pytest.fixture
def plugin_forum(make_forum: Callable) -> Callable:
    """``make_forum`` with the test plugins installed."""
    return functools.partial(make_forum, entry_points=plugin_entry_points())


@pytest.fixture
def run_forum(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run the real ``forum`` command in a subprocess, in ``tmp_path`` by default."""
    forum_bin = Path(sys.executable).with_name("forum")

    def run(*args: str, cwd: Path | None = None, env: dict | None = None,
            input: str | None = None) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
        full_env.update({"LANG": "C.UTF-8", "LANGUAGE": ""})
        full_env.update(env or {})
        return subprocess.run([str(forum_bin), *args], cwd=cwd or tmp_path, env=full_env,
                              input=input, capture_output=True, text=True, timeout=120)

    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (servers, browsers) first: `make test` hands tests out to its
    processes in this order, so the long ones start at once and the short ones fill in
    around them, instead of one long test running alone at the end."""
    def weight(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("slow") else \
            1 if item.get_closest_marker("browser") else 2
    items.sort(key=weight)  # (stable: the order within each kind is kept)
