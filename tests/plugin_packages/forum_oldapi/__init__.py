from forum_core.api import Plugin

plugin = Plugin(id="oldapi", description="Written for another API.", api_version=99)
