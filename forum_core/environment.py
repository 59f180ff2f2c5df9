"""Everything known before the web application is built: typed settings and enabled plugins.

The command line uses this on its own (``forum migrate`` needs the enabled plugins but no web
application); :func:`forum_core.make_config` builds the Pyramid application on top of it.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pluggy

from . import demo, mail
from .drafts import subscribers as draft_subscribers
from .notifications import email_delivery
from .notifications import subscribers as notification_subscribers
from .notifications.kinds import CORE_KINDS
from .plugins import (
    Hooks,
    LoadedPlugin,
    installed_plugins,
    load_plugins,
    make_plugin_manager,
)
from .registries import Registries, build_registries
from .settings import (
    CORE_SETTINGS,
    SettingsGroup,
    check_unknown,
    check_unknown_environ,
    parse_settings,
)
from .visibility.types import CORE_TYPES

#: The core's own hook implementations, registered before any plugin's.
CORE_HOOK_MODULES = (demo, mail, notification_subscribers, draft_subscribers, email_delivery)

#: The checkout's top folder (themes/ and locale/ live there).
CHECKOUT_DIR = Path(__file__).resolve().parent.parent
#: The bundled themes: in the checkout, or in the package of an installed release (setup.py).
THEMES_DIR = next((path for path in (Path(__file__).resolve().parent / "_shipped" / "themes",)
                   if path.is_dir()), CHECKOUT_DIR / "themes")


@dataclass
class ForumEnvironment:
    """Typed settings, the enabled plugins in load order, and the plugin manager."""

    settings: dict[str, Any]
    plugins: list[LoadedPlugin]
    installed: dict[str, importlib.metadata.EntryPoint]
    pm: pluggy.PluginManager
    #: things the owner should know at start-up (retired settings), translation strings
    notices: list[str] = field(default_factory=list)

    @cached_property
    def registries(self) -> Registries:
        """Content types, notification kinds, capabilities and admin pages of the core and
        the enabled plugins (their registration hooks are called once, here)."""
        hooks = Hooks(self.pm, enabled=frozenset(p.id for p in self.plugins))
        return build_registries(hooks, CORE_TYPES, CORE_KINDS)

    @property
    def hooks(self) -> Hooks:
        return self.registries.hooks

    @property
    def settings_groups(self) -> list[SettingsGroup]:
        return [CORE_SETTINGS, *(p.settings_group for p in self.plugins)]

    def plugin(self, plugin_id: str) -> LoadedPlugin | None:
        return next((p for p in self.plugins if p.id == plugin_id), None)


def load_environment(
    raw: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
) -> ForumEnvironment:
    """Parse the core settings, load the enabled plugins, parse theirs, build the manager.

    :param raw: Settings from the ``.ini`` (or a dict in tests).
    :param environ: Environment overrides; ``os.environ`` by default.
    :param entry_points: Where to find plugins; the installed distributions by default.
    :raises StartupError: with one line saying what is wrong.
    """
    environ = os.environ if environ is None else environ
    settings = dict(raw)
    settings.update(parse_settings(raw, [CORE_SETTINGS], environ))
    installed = installed_plugins(entry_points)
    plugins = load_plugins(settings["forum.plugins"], installed)
    settings["forum.plugins"] = [p.id for p in plugins]
    groups = [p.settings_group for p in plugins]
    settings.update(parse_settings(raw, groups, environ))
    disabled = [pid for pid in installed if pid not in settings["forum.plugins"]]
    notices = check_unknown(raw, [CORE_SETTINGS, *groups], disabled)
    notices += check_unknown_environ(environ, [CORE_SETTINGS, *groups], disabled)
    if not settings["forum.themes_dir"]:
        settings["forum.themes_dir"] = str(THEMES_DIR)
    pm = make_plugin_manager(plugins, CORE_HOOK_MODULES)
    return ForumEnvironment(settings=settings, plugins=plugins, installed=installed, pm=pm,
                            notices=notices)


_announced: set[str] = set()


def announce_notices(env: ForumEnvironment) -> None:
    """Print each of ``env``'s notices once per process, one line each on stderr: the
    command line and the application factory both load the environment in ``forum
    serve``."""
    from .i18n import translate

    for notice in env.notices:
        text = "forum: " + translate(notice)
        if text not in _announced:
            _announced.add(text)
            print(text, file=sys.stderr)
