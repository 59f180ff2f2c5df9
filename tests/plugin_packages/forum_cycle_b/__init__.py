from forum_core.api import Plugin

plugin = Plugin(id="cycle_b", description="Needs a.", api_version=2, requires=("cycle_a",))
