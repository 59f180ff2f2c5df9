"""Test plugin 'rival': provides capabilities that clash or are incomplete, on demand."""

from forum_core.api import Plugin, hookimpl

plugin = Plugin(id="rival", description="Provides votes too.", api_version=2)

#: what forum_register_capabilities returns; tests set it
OFFERED: dict = {}


class CompleteVotes:
    def scores(self, session, type_name, keys):
        return {}

    def votes_of(self, session, user_id):
        return 0


class HalfVotes:
    def scores(self, session, type_name, keys):
        return {}


@hookimpl
def forum_register_capabilities():
    return dict(OFFERED)
