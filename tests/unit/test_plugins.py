"""Plugin discovery, enabling, ordering and every start-up error."""

from __future__ import annotations

import sys
import textwrap

import pytest

from forum_core.environment import load_environment
from forum_core.errors import StartupError
from forum_core.plugins import ENTRY_POINT_GROUP, installed_plugins
from tests.conftest import plugin_entry_points


def load(plugins: str, environ: dict | None = None, **settings):
    raw = {"forum.plugins": plugins, **settings}
    return load_environment(raw, environ=environ or {}, entry_points=plugin_entry_points())


def startup_error(plugins: str, **settings) -> str:
    with pytest.raises(StartupError) as info:
        load(plugins, **settings)
    message = str(info.value)
    assert "\n" not in message, "start-up errors are one line"
    return message


def test_entry_point_group_name_is_the_documented_one():
    assert ENTRY_POINT_GROUP == "forum.plugins"


def test_discovers_installed_distributions_through_entry_points(tmp_path, monkeypatch):
    # a real installed distribution: dist-info metadata on sys.path, as pip writes it
    dist = tmp_path / "forum_gamma-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(textwrap.dedent("""\
        Metadata-Version: 2.1
        Name: forum-gamma
        Version: 1.2.3
        Summary: Gamma test plugin.
        """))
    (dist / "entry_points.txt").write_text("[forum.plugins]\ngamma = forum_gamma\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = installed_plugins()
    assert "gamma" in found
    assert found["gamma"].dist.version == "1.2.3"


def test_installed_but_not_enabled_is_never_imported():
    sys.modules.pop("forum_beta", None)
    env = load("")
    assert env.plugins == []
    assert "forum_beta" not in sys.modules
    assert "beta" in env.installed


def test_enabled_plugins_load_in_dependency_order():
    env = load("beta alpha")
    assert [p.id for p in env.plugins] == ["alpha", "beta"]
    assert env.settings["forum.plugins"] == ["alpha", "beta"]


def test_plugins_setting_accepts_commas_and_environment_wins():
    env = load("beta", environ={"FORUM_PLUGINS": "alpha,beta"})
    assert [p.id for p in env.plugins] == ["alpha", "beta"]


def test_plugin_metadata_is_available():
    alpha = load("alpha").plugin("alpha")
    assert alpha.info.description == "Alpha test plugin."
    assert alpha.info.api_version == 2
    assert [s.name for s in alpha.info.settings] == ["page_size", "shout"]
    assert alpha.folder("templates") is not None
    assert alpha.folder("nothing-here") is None


def test_unknown_plugin_names_the_installed_ones():
    message = startup_error("alpha nosuch")
    assert "'nosuch'" in message
    assert ("alpha, badconfig, badhook, badimport, beta, brokenguard, chores, clash, "
            "consumer") in message
    assert "forum.plugins" in message


def test_import_error_names_the_plugin_and_the_cause():
    message = startup_error("badimport")
    assert "'badimport' failed to import" in message
    assert "forum_this_module_does_not_exist" in message


def test_required_plugin_not_enabled():
    message = startup_error("beta")
    assert "'beta' requires plugin 'alpha'" in message
    assert "add 'alpha' to forum.plugins" in message


def test_required_plugin_not_installed():
    message = startup_error("needs_missing")
    assert "requires plugin 'ghost', which is not installed" in message
    assert "Installed plugins: alpha" in message


def test_api_version_mismatch():
    message = startup_error("oldapi")
    assert "targets plugin API 99" in message
    assert "provides API 2" in message


def test_missing_declaration():
    assert "does not declare itself" in startup_error("nodecl")


def test_declared_id_must_match_entry_point():
    assert "declares the id 'somethingelse'" in startup_error("wrongid")


def test_dependency_cycle():
    message = startup_error("cycle_a cycle_b")
    assert "cycle_a -> cycle_b -> cycle_a" in message


def test_misspelt_hook_is_refused_at_startup():
    message = startup_error("badhook")
    assert "'badhook'" in message
    assert "forum_tpl_navigation" in message


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("forum.alpha.page_size", "lots", "expected a whole number"),
    ("forum.alpha.page_size", "0", "expected at least 1"),
    ("forum.alpha.shout", "maybe", "expected one of true, false"),
    ("forum.default_locale", "de", "expected one of en, nl, ru"),
    ("forum.session_days", "-3", "expected at least 1"),
])
def test_bad_setting_value_names_the_setting(key, value, expected):
    message = startup_error("alpha", **{key: value})
    assert key in message
    assert repr(value) in message
    assert expected in message


def test_bad_setting_from_environment_names_the_variable():
    with pytest.raises(StartupError) as info:
        load("alpha", environ={"FORUM_ALPHA_PAGE_SIZE": "x"})
    assert "FORUM_ALPHA_PAGE_SIZE" in str(info.value)


def test_plugin_settings_are_typed_with_defaults():
    env = load("alpha", **{"forum.alpha.shout": "yes"})
    assert env.settings["forum.alpha.page_size"] == 20
    assert env.settings["forum.alpha.shout"] is True


def test_unknown_setting_is_refused():
    assert "Unknown setting forum.sitename" in startup_error("", **{"forum.sitename": "x"})
    assert "forum.alpha.nope" in startup_error("alpha", **{"forum.alpha.nope": "1"})


def test_settings_of_disabled_plugins_are_left_alone():
    env = load("", **{"forum.alpha.page_size": "not even checked"})
    assert env.settings["forum.alpha.page_size"] == "not even checked"


def test_a_retired_setting_starts_with_a_notice_saying_what_to_do():
    from forum_core.i18n import render

    env = load("", **{"forum.page_cache_entries": "1000", "forum.page_cache_members": "true"})
    notices = [render(notice) for notice in env.notices]
    assert len(notices) == 2 and all("no longer used" in n and "remove the line" in n
                                     for n in notices)
    assert load("").notices == []
