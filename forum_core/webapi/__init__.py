"""The JSON API under ``/api/v1``: the core's endpoints and those plugins add through
``forum_register_api_endpoints``, all served by one wrapper and described by one generated
OpenAPI 3.1 document at ``/api/v1/openapi.json``.

Callers authenticate with the browser session (state-changing requests then need the CSRF
token in the ``X-CSRF-Token`` header) or with a personal API token sent as
``Authorization: Bearer <token>`` (no CSRF token needed: a browser never sends it by itself).
A request that must be signed in and is not is refused with 401 before anything is looked
up, so the answer says the same whether or not the object exists.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyramid.interfaces import IRootFactory
from pyramid.security import NO_PERMISSION_REQUIRED

from ..accounts.security import bearer_token
from ..errors import StartupError, ValidationError
from ..i18n import _
from ..web.httpcache import same_for_every_visitor
from .endpoints import (
    API_PREFIX,
    ApiEndpoint,
    ApiProblem,
    SchemaChecker,
    json_response,
    problem_response,
    read_json_body,
    refusal,
)
from .follows import FOLLOW_ENDPOINTS
from .likes import LIKE_ENDPOINTS
from .openapi import openapi_document
from .reading import READING_ENDPOINTS
from .schemas import components_for
from .tags import TAG_ENDPOINTS
from .views import CORE_ENDPOINTS

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

ENDPOINTS_KEY = "forum.api_endpoints"
#: the schemas with this forum's settings (:func:`.schemas.components_for`)
COMPONENTS_KEY = "forum.api_components"
_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def unauthenticated(request: Request) -> ApiProblem:
    """Why an API request without a member is refused: a bad token, or no credentials."""
    if bearer_token(request) is not None:
        return ApiProblem(401, _("Invalid token"), _(
            "The API token is unknown or has been revoked; create a new one on your "
            "account page."), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return ApiProblem(401, _("Sign-in required"), _(
        "Send a personal API token as 'Authorization: Bearer <token>' (create one on your "
        "account page), or use a signed-in browser session."),
        headers={"WWW-Authenticate": 'Bearer realm="forum"'})


def authenticating_factory(endpoints: list[ApiEndpoint]) -> Callable[[Request], Any]:
    """The route factory of the endpoints sharing one path: first the caller, then the object.

    A request to an endpoint that needs a member, or with a token that is not valid, is a 401
    before the factory looks anything up: otherwise a missing or hidden object (404) would
    answer first, and an anonymous caller could tell which ids exist.
    """
    factory = endpoints[0].factory
    signed_in = {e.method for e in endpoints if e.signed_in}
    if "GET" in signed_in:
        signed_in.add("HEAD")

    def find(request: Request) -> Any:
        if request.user is None and (request.method in signed_in
                                     or bearer_token(request) is not None):
            raise unauthenticated(request)
        if factory is None:
            return request.registry.getUtility(IRootFactory)(request)
        return factory(request)
    return find


def make_view(endpoint: ApiEndpoint, checker: SchemaChecker) -> Callable[[Any, Request], Any]:
    def api_view(context: Any, request: Request) -> Response:
        if endpoint.signed_in and request.user is None:  # the factory refused already
            raise unauthenticated(request)
        if endpoint.request_schema is not None:
            data = read_json_body(request)
            errors = checker.errors(data, endpoint.request_schema)
            if errors:
                raise ApiProblem(422, _("Invalid request"), _(
                    "The request body does not match the schema; see errors."), errors)
            request.api_data = data
        try:
            body = endpoint.view(context, request)
        except ValidationError as exc:
            raise refusal(exc) from None
        return json_response(body, endpoint.status)
    api_view.__name__ = f"api_{endpoint.name.replace('.', '_')}"
    return api_view


def method_not_allowed(allowed: list[str]) -> Callable[[Any, Request], Response]:
    def not_allowed(context: Any, request: Request) -> Response:
        return problem_response(request, 405, _("Method not allowed"), _(
            "This address answers ${methods}.", mapping={"methods": ", ".join(allowed)}),
            headers={"Allow": ", ".join(allowed)})
    return not_allowed


def collect_endpoints(hooks: Any) -> list[ApiEndpoint]:
    """The core's endpoints and the enabled plugins', checked for clashes.

    :raises StartupError: for a malformed or duplicate endpoint, naming it.
    """
    endpoints = [*CORE_ENDPOINTS, *LIKE_ENDPOINTS, *READING_ENDPOINTS, *FOLLOW_ENDPOINTS,
                 *TAG_ENDPOINTS]
    for found in hooks.collect("forum_register_api_endpoints"):
        endpoints.extend(found)
    seen: set[str] = set()
    routes: set[tuple[str, str]] = set()
    for endpoint in endpoints:
        problem = None
        if not _NAME.match(endpoint.name) or endpoint.name in seen:
            problem = _("its name is not unique or not of the form plugin.what")
        elif endpoint.method not in _METHODS or not endpoint.path.startswith("/"):
            problem = _("its method or path is invalid")
        elif (endpoint.method, endpoint.path) in routes:
            problem = _("another endpoint answers the same method and path")
        if problem is not None:
            raise StartupError(_("API endpoint ${name} cannot be added: ${problem}.",
                                 mapping={"name": endpoint.name, "problem": problem}))
        seen.add(endpoint.name)
        routes.add((endpoint.method, endpoint.path))
    return endpoints


def _problem_view(exc: ApiProblem, request: Request) -> Response:
    return problem_response(request, exc.status, exc.title, exc.detail, exc.errors, exc.headers)


def includeme(config: Configurator) -> None:
    registry = config.registry
    endpoints = collect_endpoints(registry.forum.hooks)
    registry[ENDPOINTS_KEY] = endpoints
    components = registry[COMPONENTS_KEY] = components_for(registry.settings)
    checker = SchemaChecker(components)
    by_path: dict[str, list[ApiEndpoint]] = defaultdict(list)
    for endpoint in endpoints:
        by_path[endpoint.path].append(endpoint)
    for number, (path, group) in enumerate(by_path.items()):
        route = f"api.{number}.{group[0].name}"
        config.add_route(route, API_PREFIX + path, factory=authenticating_factory(group))
        for endpoint in group:
            config.add_view(make_view(endpoint, checker), route_name=route,
                            request_method=endpoint.method, permission=endpoint.permission)
        config.add_view(method_not_allowed(sorted({e.method for e in group})), route_name=route,
                        permission=NO_PERMISSION_REQUIRED)
    config.add_route("api.openapi", API_PREFIX + "/openapi.json")
    config.add_view(openapi_view, route_name="api.openapi", permission=NO_PERMISSION_REQUIRED)
    config.add_view(_problem_view, context=ApiProblem, permission=NO_PERMISSION_REQUIRED)


def openapi_view(request: Request) -> Response:
    same_for_every_visitor(request)
    return json_response(openapi_document(request, request.registry[ENDPOINTS_KEY],
                                          request.registry[COMPONENTS_KEY]))


__all__ = ["ApiEndpoint", "ApiProblem", "unauthenticated"]
