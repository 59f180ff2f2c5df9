"""The hook reference is generated from the hookspecs and every hook is fully documented."""

from __future__ import annotations

import inspect

import pytest

from forum_core import hookspecs
from forum_core.environment import CHECKOUT_DIR
from forum_core.hookdoc import hook_docs, render_markdown

HOOKS = list(hook_docs())


def test_hooks_are_found():
    names = [h.name for h in HOOKS]
    assert "forum_tpl_nav" in names and "forum_on_event" in names
    assert all(name.startswith("forum_") for name in names)


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.name)
def test_every_hook_documents_exactly_its_arguments(hook):
    assert hook.doc, f"{hook.name} has no docstring"
    assert hook.doc.splitlines()[0].endswith("."), "one summary line first"
    assert hook.documented_args == hook.argnames, (
        f"{hook.name}: documented {hook.documented_args}, takes {hook.argnames}")
    assert ":return:" in hook.doc
    assert "Called from:" in hook.doc


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.name)
def test_every_hook_says_what_its_failure_does(hook):
    assert hook.kind in (hookspecs.ADDS, hookspecs.NARROWS, hookspecs.WRITES,
                         hookspecs.STARTUP), f"{hook.name}: mark it @adds, @narrows, ..."
    assert hook.failure in render_markdown().split(f"## `{hook.name}`")[1]


def test_the_hooks_that_narrow_access_fail_closed():
    narrowing = {hook.name for hook in HOOKS if hook.kind == hookspecs.NARROWS}
    assert narrowing == {"forum_extra_principals", "forum_extra_acl",
                         "forum_visibility_filter"}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.name)
def test_firstresult_hooks_say_so(hook):
    if hook.firstresult:
        assert "Stops at the first non-None result" in hook.doc


def test_template_slots_have_hooks():
    for slot in hookspecs.TEMPLATE_SLOTS:
        assert callable(getattr(hookspecs, f"forum_tpl_{slot}"))


def test_docs_page_is_generated_from_the_code():
    page = (CHECKOUT_DIR / "docs" / "plugin_hooks.md").read_text("utf-8")
    assert page == render_markdown(), (
        "regenerate with: forum hooks --format markdown > docs/plugin_hooks.md")


def test_the_public_api_exports_what_plugins_need():
    from forum_core import api

    for name in api.__all__:
        assert hasattr(api, name), name
    assert api.hookimpl.project_name == hookspecs.PROJECT
    assert inspect.isclass(api.Plugin)


def test_every_name_of_the_api_is_documented():
    from forum_core import api

    for name in api.__all__:
        obj = getattr(api, name)
        if callable(obj) and (getattr(obj, "__module__", "") or "").startswith("forum_core"):
            assert (obj.__doc__ or "").strip(), f"forum_core.api.{name} needs a docstring"


def test_the_api_reference_is_generated_from_the_code():
    from forum_core.cli.apidoc import render_markdown

    page = (CHECKOUT_DIR / "docs" / "plugin_api.md").read_text("utf-8")
    assert page == render_markdown(), (
        "regenerate with: forum api --format markdown > docs/plugin_api.md")
    for name in __import__("forum_core.api").api.__all__:
        assert f"### `{name}`" in page, name
