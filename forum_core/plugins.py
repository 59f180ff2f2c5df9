"""Finding, checking, ordering and calling plugins.

A plugin is an installed distribution with an entry point in the group ``forum.plugins``; the
entry point's name is the plugin id and its value names the plugin's package. The package holds
a :class:`Plugin` declaration named ``plugin``, its hook implementations, and optionally an
``includeme`` for Pyramid, plus ``templates/``, ``static/``, ``locale/`` and ``migrations/``
folders that the core wires in by convention.

Only plugins listed in ``forum.plugins`` are imported. Everything that can go wrong while
loading them is reported as a :class:`StartupError` of one line that names the plugin.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import StartupError
from .i18n import _
from .settings import Setting, SettingsGroup

log = logging.getLogger(__name__)

#: Entry-point group under which plugin distributions announce themselves.
ENTRY_POINT_GROUP = "forum.plugins"

#: Version of the plugin API (``forum_core.api`` and the hooks). A plugin declares the version
#: it was written for; a different major version refuses to load.
PLUGIN_API_VERSION = 2

#: Plugins register under their id; the core's own hook implementations under this name.
CORE_PLUGIN_NAME = "core"


@dataclass(frozen=True)
class Plugin:
    """What a plugin declares about itself, as ``plugin = Plugin(...)`` in its package.

    :param id: The plugin id; must equal the entry-point name. Used as URL prefix, route-name
        prefix, template folder, table prefix, settings prefix and migration branch.
    :param description: One sentence for ``forum plugins`` and the admin pages.
    :param api_version: The plugin API version the plugin was written for.
    :param requires: Ids of plugins this one extends; they load first and must be enabled.
    :param settings: The plugin's settings, read from ``forum.<id>.<name>``.
    """

    id: str
    description: str
    api_version: int
    requires: tuple[str, ...] = ()
    settings: tuple[Setting, ...] = ()


@dataclass
class LoadedPlugin:
    """An enabled plugin after import: its declaration, module, version and folders."""

    info: Plugin
    module: ModuleType
    version: str
    distribution: str

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def path(self) -> Path:
        return Path(self.module.__file__).resolve().parent  # type: ignore[arg-type]

    def folder(self, name: str) -> Path | None:
        """The plugin's ``templates``/``static``/``locale``/``migrations`` folder, if it has one."""
        candidate = self.path / name
        return candidate if candidate.is_dir() else None

    @property
    def settings_group(self) -> SettingsGroup:
        return SettingsGroup(self.id, list(self.info.settings))


@dataclass
class InstalledPlugin:
    """An installed plugin as its entry point tells it, before (or without) importing it."""

    id: str
    module_name: str
    distribution: str
    version: str


def installed_plugins(entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
                      ) -> dict[str, importlib.metadata.EntryPoint]:
    """Entry points of the installed plugins, by id, sorted by id."""
    if entry_points is None:
        entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in entry_points:
        found.setdefault(ep.name, ep)
    return dict(sorted(found.items()))


def describe_installed(ep: importlib.metadata.EntryPoint) -> InstalledPlugin:
    dist = ep.dist
    return InstalledPlugin(
        id=ep.name,
        module_name=ep.value.split(":")[0],
        distribution=dist.name if dist is not None else "",
        version=dist.version if dist is not None else "",
    )


def _installed_list(installed: Mapping[str, Any]) -> str:
    return ", ".join(installed) if installed else "(none)"


def load_plugins(enabled: Iterable[str],
                 installed: Mapping[str, importlib.metadata.EntryPoint]) -> list[LoadedPlugin]:
    """Import the enabled plugins and return them in dependency order.

    Raises StartupError for an unknown id, an import error, a bad declaration, an API version
    mismatch, a required plugin that is not enabled, or a dependency cycle.
    """
    wanted = list(dict.fromkeys(enabled))
    loaded: dict[str, LoadedPlugin] = {}
    for plugin_id in wanted:
        ep = installed.get(plugin_id)
        if ep is None:
            raise StartupError(_(
                "Unknown plugin '${plugin}' in forum.plugins. Installed plugins: ${installed}. "
                "Install it or remove it from forum.plugins.",
                mapping={"plugin": plugin_id, "installed": _installed_list(installed)}))
        loaded[plugin_id] = _import_plugin(ep)
    for plugin in loaded.values():
        for required in plugin.info.requires:
            if required in loaded:
                continue
            if required in installed:
                message = _(
                    "Plugin '${plugin}' requires plugin '${required}', which is installed but "
                    "not enabled: add '${required}' to forum.plugins.",
                    mapping={"plugin": plugin.id, "required": required})
            else:
                message = _(
                    "Plugin '${plugin}' requires plugin '${required}', which is not installed. "
                    "Installed plugins: ${installed}.",
                    mapping={"plugin": plugin.id, "required": required,
                             "installed": _installed_list(installed)})
            raise StartupError(message)
    return _dependency_order(loaded)


def _import_plugin(ep: importlib.metadata.EntryPoint) -> LoadedPlugin:
    plugin_id = ep.name
    try:
        module = ep.load()
    except Exception as exc:  # any failure in a plugin's import is reported as one line
        raise StartupError(_(
            "Plugin '${plugin}' failed to import: ${error}. Reinstall it, or remove it from "
            "forum.plugins.",
            mapping={"plugin": plugin_id, "error": f"{type(exc).__name__}: {exc}"})) from None
    info = getattr(module, "plugin", None)
    if not isinstance(info, Plugin):
        raise StartupError(_(
            "Plugin '${plugin}' does not declare itself: its package needs "
            "'plugin = Plugin(...)' from forum_core.api.",
            mapping={"plugin": plugin_id}))
    if info.id != plugin_id:
        raise StartupError(_(
            "Plugin '${plugin}' declares the id '${declared}'; the entry-point name and the "
            "declared id must be the same.",
            mapping={"plugin": plugin_id, "declared": info.id}))
    if info.api_version != PLUGIN_API_VERSION:
        raise StartupError(_(
            "Plugin '${plugin}' targets plugin API ${wanted}, but this forum provides API "
            "${provided}. Install a version of the plugin made for API ${provided}, or remove "
            "it from forum.plugins.",
            mapping={"plugin": plugin_id, "wanted": info.api_version,
                     "provided": PLUGIN_API_VERSION}))
    meta = describe_installed(ep)
    return LoadedPlugin(info=info, module=module, version=meta.version,
                        distribution=meta.distribution)


def _dependency_order(loaded: dict[str, LoadedPlugin]) -> list[LoadedPlugin]:
    """Order plugins so each comes after what it requires, else keeping the configured order."""
    ordered: list[LoadedPlugin] = []
    state: dict[str, str] = {}

    def visit(plugin_id: str, chain: list[str]) -> None:
        if state.get(plugin_id) == "done":
            return
        if state.get(plugin_id) == "visiting":
            cycle = " -> ".join([*chain[chain.index(plugin_id):], plugin_id])
            raise StartupError(_(
                "Plugins require each other in a cycle: ${cycle}. Remove one of them from "
                "forum.plugins.", mapping={"cycle": cycle}))
        state[plugin_id] = "visiting"
        for required in loaded[plugin_id].info.requires:
            visit(required, [*chain, plugin_id])
        state[plugin_id] = "done"
        ordered.append(loaded[plugin_id])

    for plugin_id in loaded:
        visit(plugin_id, [])
    return ordered


# -------------------------------------------------------------------------------------------------
# The plugin manager and isolated hook calls
# -------------------------------------------------------------------------------------------------


def make_plugin_manager(plugins: Iterable[LoadedPlugin],
                        core_modules: Iterable[ModuleType] = ()) -> pluggy.PluginManager:
    """A PluginManager with the core's and the plugins' implementations, checked."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for module in core_modules:
        pm.register(module, name=f"{CORE_PLUGIN_NAME}:{module.__name__}")
    for plugin in plugins:
        try:
            pm.register(plugin.module, name=plugin.id)
        except pluggy.PluginValidationError as exc:
            raise StartupError(_(
                "Plugin '${plugin}' has an invalid hook implementation: ${error}",
                mapping={"plugin": plugin.id, "error": str(exc)})) from None
    # like pm.check_pending(), but naming the plugin and the misspelt hook in one line
    for hook_name, caller in vars(pm.hook).items():
        if hook_name.startswith("_") or caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                raise StartupError(_(
                    "Plugin '${plugin}' implements ${hook}, which is not a forum hook. Check "
                    "the name against 'forum hooks'.",
                    mapping={"plugin": plugin_id_of(impl.plugin_name), "hook": hook_name}))
    return pm


def plugin_id_of(name: str) -> str:
    """The plugin id for a name registered in the plugin manager ('core' for core modules)."""
    return name.split(":", 1)[0]


class AccessHookFailed(Exception):
    """A hook that narrows access raised: what it governs stays hidden (the request answers
    the core's "not available" page, never cached)."""

    def __init__(self, plugin_id: str, hook: str) -> None:
        super().__init__(f"plugin {plugin_id} failed in {hook}")
        self.plugin_id, self.hook = plugin_id, hook


def hook_kind(pm: pluggy.PluginManager, name: str) -> str:
    """The kind of hook ``name`` (``hookspecs.ADDS``, ``NARROWS``, ``WRITES``, ``STARTUP``)."""
    spec = getattr(pm.hook, name).spec
    return getattr(spec.function, hookspecs.KIND_ATTRIBUTE, hookspecs.ADDS)


@dataclass
class Hooks:
    """Calls hooks, each implementation's failure handled as the hook's kind says.

    * adds: the exception is logged with the plugin's id and its contribution left out;
    * narrows access: logged, then :class:`AccessHookFailed` is raised (fail closed);
    * writes: logged, then raised as it is (the transaction rolls back);
    * start-up: raised as a :class:`StartupError` naming the plugin.
    """

    pm: pluggy.PluginManager
    #: Ids of the enabled plugins: what any other plugin governs stays hidden (the
    #: visibility choke point asks; fixed for the life of the process).
    enabled: frozenset[str] = frozenset()
    #: The latest (plugin id, hook name) failures, for the admin pages.
    failures: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=100))
    _kinds: dict[str, str] = field(default_factory=dict, repr=False)
    _impls: dict[str, list[tuple[str, Any]]] = field(default_factory=dict, repr=False)

    def collect(self, name: str, **kwargs: Any) -> list[Any]:
        """Call every implementation of hook ``name``; return the non-None results in order."""
        return list(self._results(name, kwargs))

    def collect_by_plugin(self, name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`collect`, each non-None result with the id of the plugin it came from."""
        found = []
        for plugin_name, impl in self.implementations(name):
            plugin_id = plugin_id_of(plugin_name)
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                self._failed(name, plugin_id, exc)
                continue
            if result is not None:
                found.append((plugin_id, result))
        return found

    def first(self, name: str, **kwargs: Any) -> Any:
        """The first non-None result of hook ``name`` (later implementations are not called)."""
        return next(self._results(name, kwargs), None)

    def kind(self, name: str) -> str:
        found = self._kinds.get(name)
        if found is None:
            found = self._kinds[name] = hook_kind(self.pm, name)
        return found

    def _results(self, name: str, kwargs: dict[str, Any]) -> Iterator[Any]:
        for plugin_name, impl in self.implementations(name):
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                self._failed(name, plugin_id_of(plugin_name), exc)
                continue
            if result is not None:
                yield result

    def _failed(self, name: str, plugin_id: str, exc: Exception) -> None:
        kind = self.kind(name)
        self.failures.append((plugin_id, name))
        if kind == hookspecs.STARTUP:
            raise StartupError(_(
                "Plugin '${plugin}' failed in ${hook}: ${error}",
                mapping={"plugin": plugin_id, "hook": name,
                         "error": " ".join(f"{type(exc).__name__}: {exc}".split())})) from exc
        if kind == hookspecs.NARROWS:
            log.error("plugin %s failed in hook %s, which narrows access: what it governs "
                      "stays hidden", plugin_id, name, exc_info=exc)
            raise AccessHookFailed(plugin_id, name) from exc
        if isinstance(exc, AccessHookFailed):
            # a hook that adds (a slot) asked something a failing hook governs: the failure
            # closes the whole answer, not only this plugin's part of it
            raise exc
        if kind == hookspecs.WRITES:
            log.error("plugin %s failed in hook %s; the change is not saved", plugin_id, name,
                      exc_info=exc)
            raise exc
        log.error("plugin %s failed in hook %s; its contribution is left out", plugin_id, name,
                  exc_info=exc)

    def implementations(self, name: str) -> list[tuple[str, Any]]:
        """``(registered name, HookImpl)`` pairs in pluggy's calling order (last registered
        first, tryfirst/trylast respected). Wrappers are not supported on isolated hooks.

        Kept per hook: a page calls per-post slots dozens of times, and the plugins do not
        change after start-up (call :meth:`refresh` after registering one in a test)."""
        found = self._impls.get(name)
        if found is None:
            caller = getattr(self.pm.hook, name)
            found = self._impls[name] = [
                (impl.plugin_name, impl) for impl in reversed(caller.get_hookimpls())
                if not (impl.hookwrapper or impl.wrapper)]
        return found

    def refresh(self) -> None:
        """Forget the implementations kept per hook (after registering a plugin object)."""
        self._impls.clear()


#: where the ``forum`` command keeps how to open the runtime of the forum it works on
RUNTIME_OPENER = "forum.open_runtime"


def command_runtime() -> AbstractContextManager[Any]:
    """For a plugin's command (``forum_register_commands``): the runtime of the forum the
    ``forum`` command works on (``$FORUM_CONFIG``, else ``./forum.ini``), closed after the
    block.
    Its ``session()`` opens a database session committed at the end of its own block, so
    long work commits batch by batch while the forum keeps answering::

        with command_runtime() as runtime:
            with runtime.session() as session:
                ...

    :raises RuntimeError: outside a command of the ``forum`` command line.
    """
    import click

    context = click.get_current_context(silent=True)
    opener = None if context is None else context.meta.get(RUNTIME_OPENER)
    if opener is None:
        raise RuntimeError("command_runtime() is for commands of the forum command line")
    return opener()
