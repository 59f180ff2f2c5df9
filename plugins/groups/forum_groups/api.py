"""The groups' JSON API endpoints (under /api/v1/groups, in the OpenAPI document): the same
actions as the pages, through the same services and rules. A service's refusal answers by its
kind (404, 403, 409 or 422: see forum_core.api)."""

from __future__ import annotations

from forum_core.api import (
    BODY,
    SLUG,
    TITLE,
    ApiEndpoint,
    ApiProblem,
    IUserService,
    NotAllowedError,
    NotFoundError,
    _,
    limits,
    line_schema,
    parse_id,
    text_schema,
)

from .messages import invite_by_mail, mail_announcement
from .models import KINDS
from .services import GROUP_NAME_MAX, GROUP_NAME_MIN, INVITE_DAYS, INVITE_DAYS_MAX
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
NAME = line_schema(GROUP_NAME_MIN, GROUP_NAME_MAX)
DESCRIPTION = text_schema(limits.DESCRIPTION_MAX, required=False)
SPACE_NAME = line_schema(1, limits.CATEGORY_NAME_MAX)


def _json(request, group, mine):
    return {"slug": group.slug, "name": group.name, "description": group.description,
            "kind": group.kind, "is_member": group.id in mine,
            "url": request.route_url("groups.group", slug=group.slug)}


def _managed(request):
    """The URL's group, which the caller must be allowed to manage (403 otherwise)."""
    service = _service(request)
    group = _visible_group(request, service)
    if not service.can_manage(group, request.user, request.principals):
        raise ApiProblem(403, _("Not allowed"),
                         _("Only the group's owners and the forum's staff manage it."))
    return service, group


def _member(request, service, group):
    user = request.find_service(IUserService).get_by_username(request.matchdict["username"])
    if user is None or service.membership(group, user) is None:
        raise NotFoundError(_("That member is not in the group."))
    return user


def list_groups(context, request):
    mine = my_groups(request)
    return {"items": [_json(request, g, mine)
                      for g in _service(request).listed(list(mine), _is_admin(request))],
            "links": {"next": None}}


def create_group(context, request):
    data = request.api_data
    group = _service(request).create_group(request.user, data["name"],
                                           data.get("description", ""), data["kind"])
    return _json(request, group, {group.id})


def read_group(context, request):
    return _json(request, _visible_group(request, _service(request)), my_groups(request))


def join(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    return {"state": service.join(group, request.user)}


def update_membership(context, request):
    service = _service(request)
    group = _visible_group(request, service)
    service.set_email_announcements(group, request.user, request.api_data["email_announcements"])
    return {"state": "joined", "email_announcements": request.api_data["email_announcements"]}


def leave(context, request):
    service = _service(request)
    service.leave(_visible_group(request, service), request.user)


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
    service.set_role(group, user, request.api_data["role"])
    return {"username": user.username, "name": user.name, "role": request.api_data["role"]}


def remove_member(context, request):
    service, group = _managed(request)
    service.remove(group, _member(request, service, group))


def invite(context, request):
    service, group = _managed(request)
    notice = invite_by_mail(request, service, group, request.api_data["to"])
    return {"detail": request.translate(notice)}


def invitation_link(context, request):
    service, group = _managed(request)
    token = service.invitation_link(group, request.user,
                                    request.api_data.get("days", INVITE_DAYS))
    return {"url": request.route_url("groups.invite", token=token)}


def join_requests(context, request):
    service, group = _managed(request)
    return {"items": [{"id": r.id, "username": r.user.username, "message": r.message}
                      for r in service.requests(group)], "links": {"next": None}}


def decide(context, request):
    service, group = _managed(request)
    request_id = parse_id(request.matchdict["request_id"])
    if request_id is None:
        raise NotFoundError(_("That request does not exist (any more)."))
    service.decide(group, request_id, request.api_data["decision"] == "approve")


def add_space(context, request):
    service, group = _managed(request)
    category = service.add_space(group, request.api_data["name"],
                                 request.api_data.get("description", ""))
    return {"slug": category.slug, "name": category.name}


def announce(context, request):
    service = _service(request)
    allowed = {g.slug: g for g in service.announceable(request.user, request.principals)}
    wanted = list(dict.fromkeys(request.api_data["groups"]))
    unknown = [slug for slug in wanted if slug not in allowed]
    if unknown:
        # quoted: an address sent blank or as white space still shows where it is
        raise NotAllowedError(_(
            "You cannot send announcements to ${groups}.",
            mapping={"groups": ", ".join(f'"{slug}"' for slug in unknown)}))
    targets = [allowed[slug] for slug in wanted]
    posted = service.announce(request.user, targets, request.api_data["title"],
                              request.api_data["body"])
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
                request_schema=body(["name", "kind"], name=NAME, description=DESCRIPTION,
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
                request_schema=body(["to"], to=line_schema(1, limits.EMAIL_MAX)),
                response_schema=SENT, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.invitation_link", "POST", GROUP_PATH + "/invitation-links",
                invitation_link, "Make an invitation link that expires",
                request_schema=body([], days={"type": "integer", "minimum": 1,
                                              "maximum": INVITE_DAYS_MAX}),
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
                request_schema=body(["name"], name=SPACE_NAME, description=DESCRIPTION),
                response_schema=SPACE, status=201, signed_in=True, tag="groups"),
    ApiEndpoint("groups.announce", "POST", "/announcements", announce,
                "Announce to one or more groups: a pinned topic in each, a notification to "
                "every member, an e-mail to those who asked for one",
                request_schema=body(["groups", "title", "body"],
                                    groups={"type": "array", "minItems": 1, "maxItems": 50,
                                            "items": SLUG},
                                    title=TITLE, body=BODY),
                response_schema=ANNOUNCED, status=201, signed_in=True, tag="groups"),
]
