"""Test plugin 'alpha': settings, a route, a template, a static file, two migrations, a hook,
a translated string, and a recorder for content events."""

from forum_core.api import Markup, Plugin, Setting, _, hookimpl

from . import models  # noqa: F401

plugin = Plugin(
    id="alpha",
    description="Alpha test plugin.",
    api_version=2,
    settings=(
        Setting("page_size", "int", 20, "Items per page.", minimum=1),
        Setting("shout", "bool", False, "Greet loudly."),
    ),
)

#: content events received through forum_on_event, for the tests to inspect
RECEIVED = []


@hookimpl
def forum_tpl_nav(request):
    return Markup('<li><a href="/alpha/">{}</a></li>').format(
        request.localizer.translate(_("Alpha plugin page")))


@hookimpl
def forum_on_event(event):
    RECEIVED.append(event)


def includeme(config):
    config.add_route("alpha.index", "/")
    config.scan(".views")
