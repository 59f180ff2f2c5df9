"""The OpenAPI 3.1 document, generated from the endpoint declarations the API serves."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..drafts.services import KEY_PATTERN
from ..limits import NO_NUL_PATTERN
from .endpoints import API_PREFIX, PROBLEM_TYPE, ApiEndpoint
from .schemas import ID, SLUG, USERNAME, ref

_PLACEHOLDER = re.compile(r"{(\w+)}")

#: what each error status means, for the document
ERRORS = {
    400: "The request cannot be used (a parameter, cursor or JSON body is invalid).",
    401: "Sign-in required, or the API token is unknown or revoked.",
    403: "The caller may not do this.",
    404: "Not found, or not visible to the caller (also what the request names, such as "
         "a member to invite).",
    405: "The address does not answer this method.",
    409: "The request conflicts with the present state (an address taken, the last owner "
         "leaving, a vote budget spent).",
    413: "The request body is too large.",
    415: "The body must be JSON (Content-Type: application/json).",
    422: "The body does not match the schema, or the forum refuses its content.",
    429: "Too many requests; wait for the seconds in Retry-After.",
}
#: headers some error answers always carry
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"description": "How to authenticate: a Bearer token.",
                               "required": True, "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait before trying again.",
                          "required": True, "schema": {"type": "integer", "minimum": 1}}},
}
#: schemas of the path parameters, by name (``*_id`` are ids)
PATH_PARAMETERS = {"slug": SLUG, "username": USERNAME,
                   "key": {"type": "string", "pattern": KEY_PATTERN}}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "A personal API token, created on the account page."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "forum_session",
                      "description": "A signed-in browser; state-changing requests also need "
                                     "the X-CSRF-Token header."},
}


def _error_codes(endpoint: ApiEndpoint) -> list[int]:
    codes = [400, 401, 403, 404]
    if endpoint.request_schema is not None:
        codes += [413, 415, 422]
    elif endpoint.writes:
        codes += [413, 422]
    if endpoint.writes:
        codes += [409, 429]
    return sorted(codes)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True,
             "schema": ID if name.endswith("_id") else PATH_PARAMETERS.get(name, SLUG)}
            for name in _PLACEHOLDER.findall(path)]


def _without_nul(parameter: Mapping[str, Any]) -> dict[str, Any]:
    """The parameter as the server takes it: the input guard (forum_core/web/guard.py)
    refuses a NUL in any path or query value, so a text without a pattern of its own gets
    one that says so."""
    schema = dict(parameter.get("schema", {}))
    text = schema
    if schema.get("type") == "array":
        text = schema["items"] = dict(schema.get("items", {}))
    if text.get("type") == "string" and not {"pattern", "enum", "format"} & text.keys():
        text["pattern"] = NO_NUL_PATTERN
    return {**parameter, "schema": schema}


def operation(endpoint: ApiEndpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if endpoint.status == 204:
        responses["204"] = {"description": "Done."}
    else:
        responses[str(endpoint.status)] = {
            "description": "Created." if endpoint.status == 201 else "OK.",
            "content": {"application/json": {"schema": endpoint.response_schema or {}}}}
    for code in _error_codes(endpoint):
        responses[str(code)] = {"description": ERRORS[code],
                                "content": {PROBLEM_TYPE: {"schema": ref("Problem")}}}
        if code in ERROR_HEADERS:
            responses[str(code)]["headers"] = ERROR_HEADERS[code]
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"sessionCookie": []}]
    op: dict[str, Any] = {
        "operationId": endpoint.name, "summary": endpoint.summary, "tags": [endpoint.tag],
        "parameters": [_without_nul(p) for p in
                       _path_parameters(endpoint.path) + list(endpoint.parameters)],
        "responses": responses,
        "security": security if endpoint.signed_in else [{}, *security]}
    if endpoint.description:
        op["description"] = endpoint.description
    if endpoint.request_schema is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": endpoint.request_schema}}}
    return op


def openapi_document(request: Any, endpoints: Iterable[ApiEndpoint],
                     components: Mapping[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(API_PREFIX + endpoint.path, {})[endpoint.method.lower()] = \
            operation(endpoint)
    site = request.registry.settings["forum.site_name"]
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{site} API", "version": "1",
                 "description": "The forum's JSON API. Errors are RFC 9457 problem documents; "
                                "lists are paginated with the `links.next` URL."},
        "servers": [{"url": request.application_url}],
        "paths": paths,
        "components": {"schemas": dict(components), "securitySchemes": SECURITY_SCHEMES},
    }
