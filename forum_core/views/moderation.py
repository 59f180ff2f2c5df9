"""Moderation pages and actions: topic and post states, flags, the queue, members, the log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import select

from ..accounts.models import User
from ..content.models import Category
from ..content.urls import topic_url
from ..errors import ValidationError
from ..limits import FORM_FIELD_MAX, parse_id
from ..moderation.models import Flag
from ..moderation.services import DatabaseModerationService
from ..visibility import category_clause
from ..visibility.queries import visible_post
from ..visibility.resources import PostResource, TopicResource
from .errors import error_page

if TYPE_CHECKING:
    from pyramid.config import Configurator




def includeme(config: Configurator) -> None:
    config.add_route("moderation.topic", "/t/{topic_id}/{slug}/moderate", factory=TopicResource)
    config.add_route("moderation.post", "/p/{post_id}/moderate", factory=PostResource)
    config.add_route("moderation.delete_own", "/p/{post_id}/delete", factory=PostResource)
    config.add_route("moderation.flag", "/p/{post_id}/flag", factory=PostResource)
    config.add_route("moderation.queue", "/mod/queue")
    config.add_route("moderation.resolve_flag", "/mod/flags/{flag_id}")
    config.add_route("moderation.log", "/mod/log")
    config.add_route("moderation.member", "/u/{username}/moderate")
    config.scan(__name__)


def _service(request: Request) -> DatabaseModerationService:
    return DatabaseModerationService(request.db)


def _refused(request: Request, exc: ValidationError) -> dict[str, Any]:
    return error_page(request, 400, exc.message, exc.message)


@view_config(route_name="moderation.topic", context=TopicResource, permission="moderate",
             request_method="POST", renderer="error.html")
def moderate_topic(context: TopicResource, request: Request) -> Any:
    action = request.POST.get("action", "")
    service = _service(request)
    try:
        if action == "move":
            category_id = parse_id(request.POST.get("category", ""))
            target = None if category_id is None else request.db.scalar(select(Category).where(
                Category.id == category_id, category_clause(request.viewer)))
            if target is None:
                raise HTTPNotFound()
            service.move_topic(request.user, context.topic, target)
        elif action == "delete":
            service.delete_topic(request.user, context.topic)
        elif action == "restore":
            service.restore_topic(request.user, context.topic)
        else:
            service.switch_topic(request.user, context.topic, action)
    except ValidationError as exc:
        return _refused(request, exc)
    return HTTPSeeOther(topic_url(request, context.topic))


@view_config(route_name="moderation.post", context=PostResource, permission="moderate",
             request_method="POST", renderer="error.html")
def moderate_post(context: PostResource, request: Request) -> Any:
    try:
        _service(request).set_post_state(request.user, context.post,
                                         request.POST.get("action", ""),
                                         request.POST.get("reason", "")[:FORM_FIELD_MAX])
    except ValidationError as exc:
        return _refused(request, exc)
    if request.POST.get("next") == "queue":
        return HTTPSeeOther(request.route_path("moderation.queue"))
    return HTTPSeeOther(topic_url(request, context.topic, context.post.number))


@view_config(route_name="moderation.delete_own", context=PostResource, permission="delete",
             request_method="POST", renderer="error.html")
def delete_own_post(context: PostResource, request: Request) -> Any:
    _service(request).set_post_state(request.user, context.post, "delete")
    return HTTPSeeOther(topic_url(request, context.topic))


@view_config(route_name="moderation.flag", context=PostResource, permission="flag",
             renderer="moderation/flag.html")
def flag_post(context: PostResource, request: Request) -> Any:
    result = {"post": context.post, "error": None, "reason": ""}
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:FORM_FIELD_MAX]
        try:
            _service(request).flag(request.user, context.post, reason)
        except ValidationError as exc:
            request.response.status = 400
            return {**result, "reason": reason, "error": request.translate(exc.message)}
        return HTTPSeeOther(topic_url(request, context.topic, context.post.number))
    return result


@view_config(route_name="moderation.queue", permission="moderate",
             renderer="moderation/queue.html")
def queue(request: Request) -> dict[str, Any]:
    service = _service(request)
    return {"flags": service.open_flags(request.viewer),
            "held": service.held_posts(request.viewer)}


@view_config(route_name="moderation.resolve_flag", permission="moderate", request_method="POST",
             renderer="error.html")
def resolve_flag(request: Request) -> Any:
    flag_id = parse_id(request.matchdict["flag_id"])
    flag = None if flag_id is None else request.db.get(Flag, flag_id)
    if flag is None or visible_post(request.db, request.viewer, flag.post_id) is None:
        raise HTTPNotFound()  # a flag on a post the moderator may not see is not theirs
    try:
        _service(request).resolve_flag(request.user, flag, request.POST.get("action", ""))
    except ValidationError as exc:
        return _refused(request, exc)
    return HTTPSeeOther(request.route_path("moderation.queue"))


@view_config(route_name="moderation.log", permission="moderate", renderer="moderation/log.html")
def audit_log(request: Request) -> dict[str, Any]:
    before = parse_id(request.GET.get("before", ""))
    entries = _service(request).audit_log(before)
    return {"entries": entries, "next": entries[-1].id if len(entries) == 50 else None}


@view_config(route_name="moderation.member", permission="moderate", request_method="POST",
             renderer="error.html")
def moderate_member(request: Request) -> Any:
    member = request.db.scalar(select(User).where(
        User.username == request.matchdict["username"]))
    if member is None:
        raise HTTPNotFound()
    days = parse_id(request.POST.get("days", ""))
    try:
        _service(request).restrict(request.user, member, request.POST.get("action", ""), days,
                                   request.POST.get("reason", "")[:FORM_FIELD_MAX])
    except ValidationError as exc:
        return _refused(request, exc)
    return HTTPSeeOther(request.route_path("accounts.profile", username=member.username))
