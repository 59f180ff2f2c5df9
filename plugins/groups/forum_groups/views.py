"""The groups pages; they work without JavaScript."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from forum_core.api import IContentService, IUserService, User, ValidationError, _

from . import group_ids
from .models import Group
from .services import GroupService

MAX_FIELD = 2000


def _service(request) -> GroupService:
    return GroupService(request.db, request.find_service(IContentService))


def my_groups(request) -> set[int]:
    """The ids of the caller's groups, from the principals the request already has."""
    return set(group_ids(request.principals))


def _is_admin(request) -> bool:
    return "role:admin" in request.principals


def _visible_group(request, service: GroupService) -> Group:
    """The group of the URL; a hidden group is a 404 for anyone who is not in it."""
    group = request.db.scalar(select(Group).where(Group.slug == request.matchdict["slug"][:80]))
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
            "kinds": _kind_labels(request), "can_create": can_create}


@view_config(route_name="groups.new", permission="moderate", renderer="groups/new.html")
def new_group(request):
    values = {"name": "", "description": "", "kind": "open"}
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:MAX_FIELD] for key in values}
        try:
            group = _service(request).create_group(request.user, values["name"],
                                                   values["description"], values["kind"])
        except ValidationError as exc:
            request.response.status = 400
            return {"error": request.translate(exc.message), "kinds": _kind_labels(request),
                    **values}
        return HTTPSeeOther(request.route_path("groups.manage", slug=group.slug))
    return {"error": None, "kinds": _kind_labels(request), **values}


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
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
        membership = service.membership(group, request.user)
    insider = membership is not None or _is_admin(request)
    members = service.members(group)
    return {"group": group, "membership": membership, "kinds": _kind_labels(request),
            "members": members if insider else [], "member_count": len(members),
            "spaces": service.spaces(group) if insider else [],
            "invited": service.pending_invitation(group, request.user) is not None,
            "requested": request.user is not None and any(
                r.user_id == request.user.id for r in service.requests(group)),
            "can_manage": service.can_manage(group, request.user, request.principals),
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None}


@view_config(route_name="groups.manage", renderer="groups/manage.html")
def manage(request):
    service = _service(request)
    group = _visible_group(request, service)
    if not service.can_manage(group, request.user, request.principals):
        raise HTTPForbidden()
    error = notice = link = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        users = request.find_service(IUserService)
        try:
            target = None
            if request.POST.get("username"):
                name = request.POST["username"].strip()[:200]
                target = users.get_by_username(name) or request.db.scalar(
                    select(User).where(func.lower(User.email) == name.lower()))
                if target is None:
                    raise ValidationError(_("There is no member ${author}.",
                                            mapping={"author": name}))
            if action == "invite" and target is not None:
                service.invite(group, request.user, target)
                notice = _("${name} is invited; they accept on the group's page.",
                           mapping={"name": target.name})
            elif action == "link":
                token = service.invitation_link(group, request.user)
                link = request.route_url("groups.invite", token=token)
                notice = _("Share this link; it works for 7 days.")
            elif action in ("approve", "decline"):
                raw = request.POST.get("request_id", "")
                service.decide(group, int(raw) if raw.isdigit() else 0, action == "approve")
                notice = _("Done.")
            elif action in ("owner", "member") and target is not None:
                service.set_role(group, target, action)
                notice = _("Done.")
            elif action == "remove" and target is not None:
                service.remove(group, target)
                notice = _("${name} was removed from the group.", mapping={"name": target.name})
            elif action == "space":
                category = service.add_space(group, request.POST.get("name", "")[:MAX_FIELD],
                                             request.POST.get("description", "")[:MAX_FIELD])
                notice = _("The space ${name} was created.", mapping={"name": category.name})
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
    return {"group": group, "members": service.members(group), "requests": service.requests(group),
            "spaces": service.spaces(group), "kinds": _kind_labels(request), "link": link,
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None}


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
