"""Test plugin 'badconfig': its Pyramid configuration clashes with the core's login route."""

from forum_core.api import Plugin

plugin = Plugin(id="badconfig", description="Configures itself wrongly.", api_version=2)


def includeme(config):
    config.add_view(lambda request: {}, route_name="no.such.route", renderer="json")
