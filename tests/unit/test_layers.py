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


def test_the_plugins_contract_forbids_every_module_of_the_core_but_the_api():
    """A new module of the core is forbidden to plugins as soon as it exists: the list in
    pyproject.toml cannot fall behind."""
    import tomllib

    config = tomllib.loads((CHECKOUT_DIR / "pyproject.toml").read_text("utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "forbidden")
    core = CHECKOUT_DIR / "forum_core"
    modules = {f"forum_core.{p.stem}" for p in core.glob("*.py") if p.stem != "__init__"}
    modules |= {f"forum_core.{p.parent.name}" for p in core.glob("*/__init__.py")}
    assert set(contract["forbidden_modules"]) == modules - {"forum_core.api"}


def test_every_module_of_the_core_is_in_a_layer():
    """A module in no layer could import anything: each must be placed in the contract."""
    import re
    import tomllib

    config = tomllib.loads((CHECKOUT_DIR / "pyproject.toml").read_text("utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "layers")
    placed = {name for layer in contract["layers"] for name in re.split(r"[|:]", layer)}
    placed = {name.strip() for name in placed}
    core = CHECKOUT_DIR / "forum_core"
    modules = {f"forum_core.{p.stem}" for p in core.glob("*.py") if p.stem != "__init__"}
    modules |= {f"forum_core.{p.parent.name}" for p in core.glob("*/__init__.py")}
    assert modules <= placed, modules - placed
