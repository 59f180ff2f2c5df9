from forum_core.api import Plugin, hookimpl

plugin = Plugin(id="badhook", description="Misspells a hook.", api_version=2)


@hookimpl
def forum_tpl_navigation(request):
    return "never called"
