"""Bundled plugins use the core only through its public surfaces: their packages import only
``forum_core.api`` (import-linter checks that too, in `make lint`), and their tests only
``forum_core.api`` and ``forum_core.testing``, never the core's tests or internals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from forum_core.environment import CHECKOUT_DIR

PLUGIN_FILES = sorted(CHECKOUT_DIR.glob("plugins/*/forum_*/**/*.py"))
PLUGIN_TEST_FILES = sorted(CHECKOUT_DIR.glob("plugins/*/tests/**/*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_there_are_files_to_check():
    assert PLUGIN_FILES and PLUGIN_TEST_FILES


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(CHECKOUT_DIR)))
def test_plugin_packages_import_only_the_public_api(path):
    core = {m for m in imported_modules(path) if m.split(".")[0] in ("forum_core", "tests")}
    assert core <= {"forum_core.api"}, core


@pytest.mark.parametrize("path", PLUGIN_TEST_FILES,
                         ids=lambda p: str(p.relative_to(CHECKOUT_DIR)))
def test_plugin_tests_import_only_the_api_and_the_testing_fixtures(path):
    modules = imported_modules(path)
    core = {m for m in modules if m.split(".")[0] in ("forum_core", "tests", "plugins")}
    assert core <= {"forum_core.api", "forum_core.testing"}, core
