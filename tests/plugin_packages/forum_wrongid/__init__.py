from forum_core.api import Plugin

plugin = Plugin(id="somethingelse", description="Declares another id.", api_version=2)
