"""``request.route_path`` without the detours a page pays for on every link.

A topic page makes some seventy links. Pyramid's ``route_path`` looks the routes mapper up
in the registry and goes through ``route_url`` for each; here the mapper is found once per
process and the route's own generator makes the path. The answer is the same string: the
same generator, the same query and anchor encoding (Pyramid's ``parse_url_overrides``), and
anything unusual (path elements after the route, a route with a pregenerator, an unknown
route) is handed to Pyramid's own method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.url import parse_url_overrides

if TYPE_CHECKING:
    from pyramid.config import Configurator

_pyramid_route_path = Request.route_path
_MAPPER = "forum.routes_mapper"
#: request.__dict__: the request's script name (WebOb decodes it from the environ each time)
_PREFIX = "_forum_script_name"


def route_path(request: Request, route_name: str, *elements: Any, **kw: Any) -> str:
    """What ``Request.route_path`` answers (see its documentation)."""
    registry = request.registry
    mapper = registry.get(_MAPPER)
    if mapper is None:  # the first link of the process
        mapper = registry[_MAPPER] = registry.queryUtility(IRoutesMapper)
    route = None if mapper is None or elements else mapper.get_route(route_name)
    if route is None or route.pregenerator is not None:
        return _pyramid_route_path(request, route_name, *elements, **kw)
    prefix = request.__dict__.get(_PREFIX)
    if prefix is None:
        prefix = request.__dict__[_PREFIX] = request.script_name
    kw["_app_url"] = prefix
    app_url, query, anchor = parse_url_overrides(request, kw)
    return app_url + route.generate(kw) + query + anchor


def includeme(config: Configurator) -> None:
    config.add_request_method(route_path, "route_path")
