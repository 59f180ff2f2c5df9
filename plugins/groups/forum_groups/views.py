"""The groups pages; they work without JavaScript."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import IContentService, IUserService, ValidationError, _, limits, parse_id

from . import group_ids
from .messages import invite_by_mail, mail_announcement
from .models import Group
from .services import GROUP_NAME_MAX, GROUP_NAME_MIN, JOIN_MESSAGE_MAX, GroupService

#: the form's limits, as the service checks them
NAME_LIMITS = {"name_min": GROUP_NAME_MIN, "name_max": GROUP_NAME_MAX}


def _service(request) -> GroupService:
    return GroupService(request.db, request.find_service(IContentService))


def my_groups(request) -> set[int]:
    """The ids of the caller's groups, from the principals the request already has."""
    return set(group_ids(request.principals))


def _is_admin(request) -> bool:
    return "role:admin" in request.principals


def _visible_group(request, service: GroupService) -> Group:
    """The group of the URL; a hidden group is a 404 for anyone who is not in it."""
    group = request.db.scalar(select(Group).where(Group.slug == request.matchdict["slug"]))
    if group is None:
        raise HTTPNotFound()
    if group.kind == "hidden" and not _is_admin(request) \
            and service.membership(group, request.user) is None \
            and service.pending_invitation(group, request.user) is None:
        raise HTTPNotFound()  # only its members, and those invited, know it exists
    return group


def _kind_labels(request):
    labels = {"open": _("Open: anyone may join"),
              "request": _("On request: owners approve who joins"),
              "invite": _("By invitation only"),
              "hidden": _("Hidden: by invitation, and not listed")}
    return {kind: request.translate(label) for kind, label in labels.items()}


@view_config(route_name="groups.index", renderer="groups/index.html")
def index(request):
    service = _service(request)
    mine = my_groups(request)
    can_create = "role:admin" in request.principals or "role:moderator" in request.principals
    return {"groups": service.listed(list(mine), _is_admin(request)), "mine": mine,
            "kinds": _kind_labels(request), "can_create": can_create,
            "can_announce": bool(service.announceable(request.user, request.principals))}


@view_config(route_name="groups.new", permission="moderate", renderer="groups/new.html")
def new_group(request):
    values = {"name": "", "description": "", "kind": "open"}
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:limits.FORM_FIELD_MAX] for key in values}
        try:
            group = _service(request).create_group(request.user, values["name"],
                                                   values["description"], values["kind"])
        except ValidationError as exc:
            request.response.status = 400
            return {"error": request.translate(exc.message), "kinds": _kind_labels(request),
                    **NAME_LIMITS, **values}
        return HTTPSeeOther(request.route_path("groups.manage", slug=group.slug))
    return {"error": None, "kinds": _kind_labels(request), **NAME_LIMITS, **values}


@view_config(route_name="groups.group", renderer="groups/group.html")
def group_page(request):
    service = _service(request)
    group = _visible_group(request, service)
    membership = service.membership(group, request.user)
    error = notice = None
    if request.method == "POST":
        if request.user is None:
            raise HTTPForbidden()
        action = request.POST.get("action", "")
        try:
            if action == "join":
                outcome = service.join(group, request.user, request.POST.get("message", ""))
                notice = _("You joined the group.") if outcome == "joined" else _(
                    "Your request was sent to the group's owners.")
            elif action == "leave":
                service.leave(group, request.user)
                notice = _("You left the group.")
            elif action in ("email_on", "email_off"):
                service.set_email_announcements(group, request.user, action == "email_on")
                notice = _("You will get this group's announcements by e-mail.") \
                    if action == "email_on" else _("You will no longer get this group's "
                                                   "announcements by e-mail.")
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
        membership = service.membership(group, request.user)
    insider = membership is not None or _is_admin(request)
    members = service.members(group)
    return {"group": group, "membership": membership, "kinds": _kind_labels(request),
            "message_max": JOIN_MESSAGE_MAX,
            "members": members if insider else [], "member_count": len(members),
            "spaces": service.spaces(group) if insider else [],
            "invited": service.pending_invitation(group, request.user) is not None,
            "requested": request.user is not None and any(
                r.user_id == request.user.id for r in service.requests(group)),
            "can_manage": service.can_manage(group, request.user, request.principals),
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None}


def _manage_action(request, service: GroupService, group: Group, action: str):
    """Carry out one action of the manage page; returns (notice, invitation link or None)."""
    name = request.POST.get("username", "").strip()[:limits.FORM_FIELD_MAX]
    if action == "invite":
        if not name:
            raise ValidationError(_("Enter a username or an e-mail address."))
        return invite_by_mail(request, service, group, name), None
    if action == "link":
        token = service.invitation_link(group, request.user)
        return _("Share this link; it works for 7 days."), request.route_url("groups.invite",
                                                                             token=token)
    if action == "space":
        category = service.add_space(group, request.POST.get("name", "")[:limits.FORM_FIELD_MAX],
                                     request.POST.get("description", "")[:limits.FORM_FIELD_MAX])
        return _("The space ${name} was created.", mapping={"name": category.name}), None
    raw = request.POST.get("request_id", "") or request.POST.get("invitation_id", "")
    number = parse_id(raw) or 0  # no request or invitation has the id 0
    if action in ("approve", "decline"):
        service.decide(group, number, action == "approve")
        return _("Done."), None
    if action == "revoke":
        service.revoke(group, number)
        return _("The invitation was withdrawn."), None
    if action not in ("owner", "member", "remove"):
        raise ValidationError(_("Unknown action."))
    if not name:
        raise ValidationError(_("Enter a username or an e-mail address."))
    target = request.find_service(IUserService).get_by_username(name)
    if target is None:
        raise ValidationError(_("There is no member ${author}.", mapping={"author": name}))
    if action == "remove":
        service.remove(group, target)
        return _("${name} was removed from the group.", mapping={"name": target.name}), None
    service.set_role(group, target, action)
    return _("Done."), None


@view_config(route_name="groups.manage", renderer="groups/manage.html")
def manage(request):
    service = _service(request)
    group = _visible_group(request, service)
    if not service.can_manage(group, request.user, request.principals):
        raise HTTPForbidden()
    error = notice = link = None
    if request.method == "POST":
        try:
            notice, link = _manage_action(request, service, group, request.POST.get("action", ""))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
    return {"group": group, "members": service.members(group), "requests": service.requests(group),
            "spaces": service.spaces(group), "kinds": _kind_labels(request), "link": link,
            "invitations": service.invitations(group),
            "can_announce": bool(service.announceable(request.user, request.principals)),
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None}


@view_config(route_name="groups.announce", renderer="groups/announce.html")
def announce(request):
    """Send one announcement to one or more groups: a pinned topic in each group's first
    space, a notification to every member, an e-mail to those who asked for one."""
    service = _service(request)
    groups = service.announceable(request.user, request.principals)
    if not groups:
        raise HTTPForbidden()
    values: dict[str, Any] = {"title": "", "body": "", "chosen": set()}
    if request.method == "POST":
        chosen = set(request.POST.getall("group"))
        title = request.POST.get("title", "")[:limits.FORM_FIELD_MAX]
        body = request.POST.get("body", "")[:limits.FORM_FIELD_MAX]
        values = {"title": title, "body": body, "chosen": chosen}
        targets = [group for group in groups if group.slug in chosen]
        try:
            posted = service.announce(request.user, targets, title, body)
        except ValidationError as exc:
            request.response.status = 400
            return {"groups": groups, "error": request.translate(exc.message), "posted": [],
                    **values}
        mailed = mail_announcement(request, service, targets, posted)
        return {"groups": groups, "error": None, "posted": posted, "mailed": mailed, **values}
    return {"groups": groups, "error": None, "posted": [], **values}


@view_config(route_name="groups.invite", renderer="groups/invite.html")
def invitation(request):
    service = _service(request)
    found = service.for_token(request.matchdict["token"])
    if found is None:
        return {"group": None}
    if request.method == "POST":
        if request.user is None:
            raise HTTPForbidden()
        service.add_member(found.group, request.user)
        return HTTPSeeOther(request.route_path("groups.group", slug=found.group.slug))
    return {"group": found.group}
