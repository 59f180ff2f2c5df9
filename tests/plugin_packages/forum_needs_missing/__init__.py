from forum_core.api import Plugin

plugin = Plugin(id="needs_missing", description="Needs a plugin nobody installed.",
                api_version=2, requires=("ghost",))
