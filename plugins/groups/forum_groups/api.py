"""The groups' JSON API endpoints (under /api/v1/groups, in the OpenAPI document): the same
actions as the pages, through the same services and rules."""

from __future__ import annotations

from forum_core.api import ApiEndpoint, ApiProblem, IUserService, ValidationError, _

from .messages import invite_by_mail, mail_announcement
from .models import KINDS
from .views import _is_admin, _service, _visible_group, my_groups

STRING = {"type": "string"}
GROUP = {"type": "object", "required": ["slug", "name", "description", "kind", "is_member", "url"],
         "properties": {"slug": STRING, "name": STRING, "description": STRING,
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "is_member": {"type": "boolean"}, "url": STRING}}
LINKS = {"$ref": "#/components/schemas/Links"}


def page_of(item):
    return {"type": "object", "required": ["items", "links"],
            "properties": {"items": {"type": "array", "items": item}, "links": LINKS}}


def body(required, **properties):
    return {"type": "object", "required": list(required), "properties": properties,
            "additionalProperties": False}


MEMBERSHIP = {"type": "object", "required": ["state"],
              "properties": {"state": {"type": "string", "enum": ["joined", "requested"]},
                             "email_announcements": {"type": "boolean"}}}
MEMBER = {"type": "object", "required": ["username", "name", "role"],
          "properties": {"username": STRING, "name": STRING,
                         "role": {"type": "string", "enum": ["owner", "member"]}}}
JOIN_REQUEST = {"type": "object", "required": ["id", "username", "message"],
                "properties": {"id": {"type": "integer"}, "username": STRING,
                               "message": STRING}}
SENT = {"type": "object", "required": ["detail"], "properties": {"detail": STRING}}
LINK = {"type": "object", "required": ["url"], "properties": {"url": STRING}}
SPACE = {"type": "object", "required": ["slug", "name"],
         "properties": {"slug": STRING, "name": STRING}}
ANNOUNCED = {"type": "object", "required": ["items", "emailed"],
             "properties": {"items": {"type": "array", "items": {
                 "type": "object", "required": ["group", "topic_id", "url"],
                 "properties": {"group": STRING, "topic_id": {"type": "integer"},
                                "url": STRING}}},
                 "emailed": {"type": "integer"}}}
NAME = {"type": "string", "minLength": 1, "maxLength": 200}


def _json(request, group, mine):
    return {"slug": group.slug, "name": group.name, "description": group.description,
            "kind": group.kind, "is_member": group.id in mine,
            "url": request.route_url("groups.group", slug=group.slug)}


def refused(exc: ValidationError) -> ApiProblem:
    return ApiProblem(422, _("Invalid request"), exc.message)


def _managed(request):
    """The URL's group, which the caller must be allowed to manage (403 otherwise)."""
    service = _service(request)
    group = _visible_group(request, service)
    if not service.can_manage(group, request.user, request.principals):
        raise ApiProblem(403, _("Not allowed"),
                         _("Only the group's owners and the forum's staff manage it."))
    return service, group


def _member(request, service, group):
    user = request.find_service(IUserService).get_by_username(
        request.matchdict["username"][:30])
    if user is None or service.membership(group, user) is None:
        raise ApiProblem(404, _("Not found"), _("That member is not in the group."))
    return user


def list_groups(context, request):
    mine = my_groups(request)
    return {"items": [_json(request, g, mine)
                      for g in _service(request).listed(list(mine), _is_admin(request))],
            "links": {"next": None}}


def create_group(context, request):
    data = request.api_data
    try:
        group = _service(request).create_group(request.user, data["name"],
                                               data.get("description", ""), data["kind"])
    except ValidationError as exc:
        raise refused(exc) from None
    return _json(request, group, {group.id})


def read_group(context, request):
    return _json(request, _visible_group(request, _service(request)), my_groups(request))


def join(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    try:
        return {"state": service.join(group, request.user)}
    except ValidationError as exc:
        raise refused(exc) from None


def update_membership(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    try:
        service.set_email_announcements(group, request.user,
                                        request.api_data["email_announcements"])
    except ValidationError as exc:
        raise refused(exc) from None
    return {"state": "joined", "email_announcements": request.api_data["email_announcements"]}


def leave(context, request):
    service = _service(request)
    try:
        service.leave(_visible_group(request, service), request.user)
    except ValidationError as exc:
        raise refused(exc) from None


def members(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    if group.id not in my_groups(request) and not service.can_manage(
            group, request.user, request.principals):
        raise ApiProblem(403, _("Not allowed"), _("Only members see who is in the group."))
    return {"items": [{"username": m.user.username, "name": m.user.name, "role": m.role}
                      for m in service.members(group)], "links": {"next": None}}


def change_member(context, request):
    service, group = _managed(request)
    user = _member(request, service, group)
    try:
        service.set_role(group, user, request.api_data["role"])
    except ValidationError as exc:
        raise refused(exc) from None
    return {"username": user.username, "name": user.name, "role": request.api_data["role"]}


def remove_member(context, request):
    service, group = _managed(request)
    try:
        service.remove(group, _member(request, service, group))
    except ValidationError as exc:
        raise refused(exc) from None


def invite(context, request):
    service, group = _managed(request)
    try:
        notice = invite_by_mail(request, service, group, request.api_data["to"].strip())
    except ValidationError as exc:
        raise refused(exc) from None
    return {"detail": request.translate(notice)}


def invitation_link(context, request):
    service, group = _managed(request)
    try:
        token = service.invitation_link(group, request.user, request.api_data.get("days", 7))
    except ValidationError as exc:
        raise refused(exc) from None
    return {"url": request.route_url("groups.invite", token=token)}


def join_requests(context, request):
    service, group = _managed(request)
    return {"items": [{"id": r.id, "username": r.user.username, "message": r.message}
                      for r in service.requests(group)], "links": {"next": None}}


def decide(context, request):
    service, group = _managed(request)
    raw = request.matchdict["request_id"]
    try:
        service.decide(group, int(raw) if raw.isdigit() and len(raw) < 18 else 0,
                       request.api_data["decision"] == "approve")
    except ValidationError as exc:
        raise ApiProblem(404, _("Not found"), exc.message) from None


def add_space(context, request):
    service, group = _managed(request)
    try:
        category = service.add_space(group, request.api_data["name"],
                                     request.api_data.get("description", ""))
    except ValidationError as exc:
        raise refused(exc) from None
    return {"slug": category.slug, "name": category.name}


def announce(context, request):
    service = _service(request)
    allowed = {g.slug: g for g in service.announceable(request.user, request.principals)}
    wanted = list(dict.fromkeys(request.api_data["groups"]))
    unknown = [slug for slug in wanted if slug not in allowed]
    if unknown:
        raise ApiProblem(422, _("Invalid request"), _(
            "You cannot send announcements to ${groups}.", mapping={"groups": ", ".join(
                unknown)}))
    targets = [allowed[slug] for slug in wanted]
    try:
        posted = service.announce(request.user, targets, request.api_data["title"],
                                  request.api_data["body"])
    except ValidationError as exc:
        raise refused(exc) from None
    emailed = mail_announcement(request, service, targets, posted)
    return {"items": [{"group": g.slug, "topic_id": t.id,
                       "url": request.route_url("content.topic", topic_id=t.id, slug=t.slug)}
                      for g, t in posted], "emailed": emailed}


GROUP_PATH = "/groups/{slug}"
ENDPOINTS = [
    ApiEndpoint("groups.list", "GET", "/groups", list_groups,
                "Groups the caller may know about", response_schema=page_of(GROUP),
                tag="groups"),
    ApiEndpoint("groups.create", "POST", "/groups", create_group,
                "Create a group (moderators and administrators)", permission="moderate",
                request_schema=body(["name", "kind"], name=NAME,
                                    description={"type": "string", "maxLength": 2000},
                                    kind={"type": "string", "enum": list(KINDS)}),
                response_schema=GROUP, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.read", "GET", GROUP_PATH, read_group, "One group",
                response_schema=GROUP, tag="groups"),
    ApiEndpoint("groups.join", "POST", GROUP_PATH + "/membership", join,
                "Join an open group, accept an invitation, or ask to join",
                response_schema=MEMBERSHIP, signed_in=True, tag="groups"),
    ApiEndpoint("groups.membership", "PATCH", GROUP_PATH + "/membership", update_membership,
                "Get the group's announcements by e-mail, or stop them",
                request_schema=body(["email_announcements"],
                                    email_announcements={"type": "boolean"}),
                response_schema=MEMBERSHIP, signed_in=True, tag="groups"),
    ApiEndpoint("groups.leave", "DELETE", GROUP_PATH + "/membership", leave,
                "Leave a group", status=204, signed_in=True, tag="groups"),
    ApiEndpoint("groups.members", "GET", GROUP_PATH + "/members", members,
                "The group's members (for its members and managers)",
                response_schema=page_of(MEMBER), signed_in=True, tag="groups"),
    ApiEndpoint("groups.change_member", "PATCH", GROUP_PATH + "/members/{username}",
                change_member, "Make a member an owner, or an owner a member",
                request_schema=body(["role"], role={"type": "string",
                                                    "enum": ["owner", "member"]}),
                response_schema=MEMBER, signed_in=True, tag="groups"),
    ApiEndpoint("groups.remove_member", "DELETE", GROUP_PATH + "/members/{username}",
                remove_member, "Remove someone from the group", status=204, signed_in=True,
                tag="groups"),
    ApiEndpoint("groups.invite", "POST", GROUP_PATH + "/invitations", invite,
                "Invite a member (username or e-mail) or someone without an account "
                "(e-mail); they are told by e-mail",
                request_schema=body(["to"], to={"type": "string", "minLength": 1,
                                                "maxLength": 254}),
                response_schema=SENT, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.invitation_link", "POST", GROUP_PATH + "/invitation-links",
                invitation_link, "Make an invitation link that expires",
                request_schema=body([], days={"type": "integer", "minimum": 1,
                                              "maximum": 90}),
                response_schema=LINK, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.requests", "GET", GROUP_PATH + "/requests", join_requests,
                "Requests to join, waiting for a decision", response_schema=page_of(
                    JOIN_REQUEST), signed_in=True, tag="groups"),
    ApiEndpoint("groups.decide", "POST", GROUP_PATH + "/requests/{request_id}", decide,
                "Approve or decline a request to join",
                request_schema=body(["decision"], decision={"type": "string",
                                                            "enum": ["approve", "decline"]}),
                status=204, signed_in=True, tag="groups"),
    ApiEndpoint("groups.add_space", "POST", GROUP_PATH + "/spaces", add_space,
                "Create a members-only category for the group",
                request_schema=body(["name"], name=NAME,
                                    description={"type": "string", "maxLength": 2000}),
                response_schema=SPACE, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.announce", "POST", "/announcements", announce,
                "Announce to one or more groups: a pinned topic in each, a notification to "
                "every member, an e-mail to those who asked for one",
                request_schema=body(["groups", "title", "body"],
                                    groups={"type": "array", "minItems": 1, "maxItems": 50,
                                            "items": {"type": "string", "maxLength": 80}},
                                    title={"type": "string", "minLength": 1,
                                           "maxLength": 1000},
                                    body={"type": "string", "minLength": 1,
                                          "maxLength": 100_000}),
                response_schema=ANNOUNCED, status=201, signed_in=True, tag="groups"),
]
