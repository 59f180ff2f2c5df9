"""Test plugin 'failing': every request-time hook that adds something raises (hooks that
narrow access fail closed instead: see the test plugin 'brokenguard')."""

from forum_core.api import Plugin, hookimpl

plugin = Plugin(id="failing", description="Fails in every hook.", api_version=2)


class PluginBug(RuntimeError):
    pass


@hookimpl
def forum_tpl_nav(request):
    raise PluginBug("nav is broken")


@hookimpl
def forum_tpl_home(request):
    raise PluginBug("home is broken")


@hookimpl
def forum_on_event(event):
    raise PluginBug("events are broken")
