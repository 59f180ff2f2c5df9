"""The JSON API's building blocks: endpoint declarations, problem responses, request checks.

The core's endpoints and every plugin's are :class:`ApiEndpoint` declarations; one wrapper
(:func:`serve`) gives them all the same behaviour: authentication, the JSON body checked
against the declared schema, errors as RFC 9457 ``application/problem+json``, and the declared
success status. The OpenAPI document is generated from the same declarations, so it cannot
describe something other than what is served.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ..accounts.security import API_PREFIX, is_api_path

__all__ = ["API_PREFIX", "ApiEndpoint", "ApiProblem", "SchemaChecker", "is_api_request",
           "json_response", "problem_response", "read_json_body", "refusal"]
from ..errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from ..i18n import _

PROBLEM_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ApiEndpoint:
    """One operation of the JSON API.

    :param name: unique id, ``<plugin id>.<what>`` for a plugin (the OpenAPI operationId).
    :param method: ``GET``, ``POST``, ``PATCH``, ``PUT`` or ``DELETE``.
    :param path: under ``/api/v1``, with ``{placeholders}`` (e.g. ``/ideas/{idea_id}``).
    :param view: ``view(context, request)`` returning the response body (JSON-serialisable);
        ``request.api_data`` holds the body, already checked against ``request_schema``. A
        ``ValidationError`` it lets through answers by its kind (:func:`refusal`).
    :param summary: one line for the OpenAPI document.
    :param factory: a route factory giving the context (and its ACL), e.g. to 404 hidden
        content; endpoints sharing a path must share it.
    :param permission: checked against the context's ACL like any Pyramid view.
    :param parameters: OpenAPI parameter objects for query parameters.
    :param request_schema: JSON Schema of the body, or None for no body.
    :param response_schema: JSON Schema of a successful response (None for 204).
    :param status: the success status (200, 201 or 204).
    :param signed_in: whether a member must be signed in (401 otherwise).
    :param tag: the OpenAPI tag grouping the operation.
    """

    name: str
    method: str
    path: str
    view: Callable[[Any, Request], Any]
    summary: str
    factory: Callable[[Request], Any] | None = None
    permission: str = "view"
    parameters: tuple[Mapping[str, Any], ...] = ()
    request_schema: Mapping[str, Any] | None = None
    response_schema: Mapping[str, Any] | None = None
    status: int = 200
    signed_in: bool = False
    tag: str = "forum"
    description: str = ""

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


class ApiProblem(Exception):
    """An error answered as problem+json: raise it from an endpoint's view.

    :param status: the HTTP status.
    :param title: a short, general summary (a translation string).
    :param detail: what went wrong in this request and what to do (a translation string).
    :param errors: for invalid bodies, ``{"field": ..., "message": ...}`` items.
    """

    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = dict(headers or {})


def refusal(exc: ValidationError) -> ApiProblem:
    """How the API answers a service's refusal, by its kind: 404 for something named that
    does not exist, 403 for what the caller may not do, 409 for what the present state
    refuses, and 422 for content the forum does not accept."""
    if isinstance(exc, NotFoundError):
        return ApiProblem(404, _("Not found"), exc.message)
    if isinstance(exc, NotAllowedError):
        return ApiProblem(403, _("Not allowed"), exc.message)
    if isinstance(exc, ConflictError):
        return ApiProblem(409, _("Conflict"), exc.message)
    return ApiProblem(422, _("Invalid request"), exc.message)


def problem_response(request: Request, status: int, title: str, detail: str,
                     errors: list[dict[str, str]] | None = None,
                     headers: Mapping[str, str] | None = None) -> Response:
    """An RFC 9457 problem document (``title`` and ``detail`` translated)."""
    body: dict[str, Any] = {"type": "about:blank", "title": request.translate(title),
                            "status": status, "detail": request.translate(detail),
                            "instance": request.path}
    if errors:
        body["errors"] = [{"field": e["field"], "message": request.translate(e["message"])}
                          for e in errors]
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type=PROBLEM_TYPE, charset="utf-8")
    response.headers.update(headers or {})
    return response


def is_api_request(request: Request) -> bool:
    return is_api_path(request.path)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None,
                  ) -> Response:
    if status == 204:
        return Response(status=204, headers=dict(headers or {}))
    text = json.dumps(body, default=json_default, ensure_ascii=False)
    response = Response(text, status=status, content_type="application/json",
                        charset="utf-8")
    response.headers.update(headers or {})
    return response


# -- request bodies ---------------------------------------------------------------------------

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@dataclass
class SchemaChecker:
    """Checks a JSON value against the JSON Schema subset the API's request bodies use
    (type, properties, required, additionalProperties (false or a schema), minLength,
    maxLength, enum, minimum, maximum, items, minItems, maxItems, $ref to components), with
    translatable messages.

    A ``pattern`` is not checked here: each one states a rule of a service (no control
    characters in a title, a name that is not blank), which refuses the value with a message
    saying what to change; the schemathesis test holds the two to each other."""

    components: Mapping[str, Any] = field(default_factory=dict)

    def errors(self, value: Any, schema: Mapping[str, Any], where: str = "") -> list[dict]:
        if "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        name = where or "body"
        types = schema.get("type")
        if types is not None:
            allowed = [types] if isinstance(types, str) else list(types)
            if not any(_TYPES[t](value) for t in allowed):
                return [{"field": name, "message": _(
                    "must be of type ${type}", mapping={"type": " or ".join(allowed)})}]
        if "enum" in schema and value not in schema["enum"]:
            return [{"field": name, "message": _("must be one of ${choices}", mapping={
                "choices": ", ".join(str(c) for c in schema["enum"])})}]
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                return [{"field": name, "message": _("must have at least ${minimum} characters",
                                                     mapping={"minimum": schema["minLength"]})}]
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                return [{"field": name, "message": _("must have at most ${maximum} characters",
                                                     mapping={"maximum": schema["maxLength"]})}]
        if _TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                return [{"field": name, "message": _("must be at least ${minimum}",
                                                     mapping={"minimum": schema["minimum"]})}]
            if "maximum" in schema and value > schema["maximum"]:
                return [{"field": name, "message": _("must be at most ${maximum}",
                                                     mapping={"maximum": schema["maximum"]})}]
        found: list[dict] = []
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for required in schema.get("required", ()):
                if required not in value:
                    found.append({"field": f"{where}.{required}".lstrip("."),
                                  "message": _("is required")})
            for key, item in value.items():
                if key in properties:
                    found += self.errors(item, properties[key], f"{where}.{key}".lstrip("."))
                elif schema.get("additionalProperties") is False:
                    found.append({"field": f"{where}.{key}".lstrip("."),
                                  "message": _("is not a known field")})
                elif isinstance(schema.get("additionalProperties"), Mapping):
                    found += self.errors(item, schema["additionalProperties"],
                                         f"{where}.{key}".lstrip("."))
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                return [{"field": name, "message": _("must have at least ${minimum} items",
                                                     mapping={"minimum": schema["minItems"]})}]
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                return [{"field": name, "message": _("must have at most ${maximum} items",
                                                     mapping={"maximum": schema["maxItems"]})}]
        if isinstance(value, list) and "items" in schema:
            for number, item in enumerate(value):
                found += self.errors(item, schema["items"], f"{where}[{number}]")
        return found


def read_json_body(request: Request) -> Any:
    """The request's JSON body, or an :class:`ApiProblem` saying why it cannot be read."""
    if request.content_type != "application/json":
        raise ApiProblem(415, _("Unsupported media type"), _(
            "Send the request body as JSON with the header Content-Type: application/json."))
    try:
        data = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant,
                          parse_float=_number)
        # "\ud800" escapes decode to lone surrogates, which no database can store
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        raise ApiProblem(400, _("Invalid JSON"), _(
            "The request body is not valid JSON in UTF-8.")) from None
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: JSON Schema counts 7.0 as the integer 7,
    so it becomes one; a number too large for a float is refused like NaN."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return int(value) if value.is_integer() else value
