"""Test plugin 'beta': extends alpha, so it must load after it."""

from forum_core.api import Markup, Plugin, hookimpl

plugin = Plugin(id="beta", description="Beta test plugin.", api_version=2, requires=("alpha",))


@hookimpl
def forum_tpl_footer(request):
    return Markup('<p id="beta-footer">beta footer</p>')
