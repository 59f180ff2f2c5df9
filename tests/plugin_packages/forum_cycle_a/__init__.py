from forum_core.api import Plugin

plugin = Plugin(id="cycle_a", description="Needs b.", api_version=2, requires=("cycle_b",))
