"""The groups' JSON API endpoints (under /api/v1/groups, in the OpenAPI document)."""

from __future__ import annotations

from forum_core.api import ApiEndpoint, ApiProblem, ValidationError, _

from .views import _is_admin, _service, _visible_group, my_groups

GROUP = {"type": "object", "required": ["slug", "name", "description", "kind", "is_member", "url"],
         "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                        "description": {"type": "string"},
                        "kind": {"type": "string", "enum": ["open", "request", "invite",
                                                           "hidden"]},
                        "is_member": {"type": "boolean"}, "url": {"type": "string"}}}
GROUPS = {"type": "object", "required": ["items", "links"],
          "properties": {"items": {"type": "array", "items": GROUP},
                         "links": {"$ref": "#/components/schemas/Links"}}}
MEMBERSHIP = {"type": "object", "required": ["state"],
              "properties": {"state": {"type": "string", "enum": ["joined", "requested"]}}}


def _json(request, group, mine):
    return {"slug": group.slug, "name": group.name, "description": group.description,
            "kind": group.kind, "is_member": group.id in mine,
            "url": request.route_url("groups.group", slug=group.slug)}


def list_groups(context, request):
    mine = my_groups(request)
    return {"items": [_json(request, g, mine)
                      for g in _service(request).listed(list(mine), _is_admin(request))],
            "links": {"next": None}}


def read_group(context, request):
    return _json(request, _visible_group(request, _service(request)), my_groups(request))


def join(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    try:
        return {"state": service.join(group, request.user)}
    except ValidationError as exc:
        raise ApiProblem(422, _("Invalid request"), exc.message) from None


def leave(context, request):
    service = _service(request)
    try:
        service.leave(_visible_group(request, service), request.user)
    except ValidationError as exc:
        raise ApiProblem(422, _("Invalid request"), exc.message) from None


ENDPOINTS = [
    ApiEndpoint("groups.list", "GET", "/groups", list_groups,
                "Groups the caller may know about", response_schema=GROUPS, tag="groups"),
    ApiEndpoint("groups.read", "GET", "/groups/{slug}", read_group, "One group",
                response_schema=GROUP, tag="groups"),
    ApiEndpoint("groups.join", "POST", "/groups/{slug}/membership", join,
                "Join an open group, accept an invitation, or ask to join",
                response_schema=MEMBERSHIP, signed_in=True, tag="groups"),
    ApiEndpoint("groups.leave", "DELETE", "/groups/{slug}/membership", leave,
                "Leave a group", status=204, signed_in=True, tag="groups"),
]
