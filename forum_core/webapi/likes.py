"""API endpoints of likes on posts and of the member's notification settings: thin views over
``forum_core.content.likes`` and ``forum_core.notifications.preferences``.

Liking is idempotent: ``POST`` likes (again: nothing changes), ``DELETE`` takes the like back
(without one: nothing changes); both answer the post's state for the caller. A post the caller
may not see is a 404 like a missing one (``PostResource``), before anything else is said.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request

from ..content import likes
from ..errors import NotFoundError
from ..i18n import _
from ..notifications import email_choices, preferences
from ..pagination import BadCursor
from ..visibility.resources import PostResource
from ..web.httpcache import same_for_every_visitor
from .endpoints import ApiEndpoint
from .schemas import cursor_parameter, ref, user_ref
from .views import bad_cursor, page


def _visible(context: PostResource, request: Request) -> None:
    # "like" is granted to members; the post must also be one they may view (a plugin's ACL
    # may say no where the choke point said yes): otherwise it does not exist for them
    if not request.has_permission("view", context):
        raise HTTPNotFound()


def _state(context: PostResource, state: likes.LikeState) -> dict[str, Any]:
    return {"post_id": context.post.id, "liked": state.liked, "like_count": state.like_count}


def like_post(context: PostResource, request: Request) -> dict[str, Any]:
    _visible(context, request)
    return _state(context, likes.like(request.db, request.user, context.post))


def unlike_post(context: PostResource, request: Request) -> dict[str, Any]:
    _visible(context, request)
    return _state(context, likes.unlike(request.db, request.user, context.post))


def list_likers(context: PostResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    try:
        found = likes.likers_page(request.db, context.post, request.GET.get("cursor"))
    except BadCursor:
        raise bad_cursor() from None
    return page(request, [{"user": user_ref(request, liker.user), "liked_at": liker.liked_at}
                          for liker in found.items], found.next_cursor)


# -- the member's notification settings ----------------------------------------------------------

def _settings(request: Request) -> dict[str, Any]:
    registries = request.registry.forum.registries
    found = preferences.choices(request.db, registries, request.user.id)
    modes = {choice.kind.name: choice.mode for choice in
             email_choices.email_choices(request.db, registries, request.user.id)}
    return {"items": [{"kind": choice.kind.name, "label": request.translate(choice.kind.label),
                       "enabled": choice.web, "email": modes[choice.kind.name]}
                      for choice in found]}


def read_notification_settings(context: Any, request: Request) -> dict[str, Any]:
    return _settings(request)


def change_notification_settings(context: Any, request: Request) -> dict[str, Any]:
    kinds = request.api_data.get("kinds", {})
    modes = request.api_data.get("email", {})
    registries = request.registry.forum.registries
    unknown = sorted((set(kinds) | set(modes)) - set(registries.notification_kinds))
    if unknown:  # (a name, not a malformed body: like a missing member to invite, a 404)
        raise NotFoundError(_("There is no kind of notification called ${kind}.",
                              mapping={"kind": unknown[0][:60]}))
    preferences.save_choices(request.db, registries, request.user.id, kinds)
    email_choices.save_email_choices(request.db, registries, request.user.id, modes)
    return _settings(request)


LIKE_ENDPOINTS = [
    ApiEndpoint("posts.like", "POST", "/posts/{post_id}/like", like_post,
                "Like a post (liking it again changes nothing)", factory=PostResource,
                permission="like", response_schema=ref("Like"), signed_in=True,
                tag="discussions",
                description="Answers the post's like count with the caller's like. Your own "
                            "post, and a deleted, hidden or held one, cannot be liked (409)."),
    ApiEndpoint("posts.unlike", "DELETE", "/posts/{post_id}/like", unlike_post,
                "Take back a like of a post (without one, nothing changes)",
                factory=PostResource, permission="like", response_schema=ref("Like"),
                signed_in=True, tag="discussions"),
    ApiEndpoint("posts.likers", "GET", "/posts/{post_id}/likes", list_likers,
                "Members who like a post, newest like first", factory=PostResource,
                parameters=(cursor_parameter(likes.LIKERS_CURSOR_PATTERN),),
                response_schema=ref("LikerPage"), tag="discussions"),
    ApiEndpoint("users.me.notification_settings", "GET", "/me/notification-settings",
                read_notification_settings,
                "Which kinds of notifications the caller gets", permission="account",
                response_schema=ref("NotificationSettings"), signed_in=True, tag="members"),
    ApiEndpoint("users.me.notification_settings.change", "PUT", "/me/notification-settings",
                change_notification_settings,
                "Choose which kinds of notifications the caller gets", permission="account",
                request_schema=ref("NotificationSettingsChange"),
                response_schema=ref("NotificationSettings"), signed_in=True, tag="members",
                description="Kinds left out of `kinds` (in the forum) and `email` (how "
                            "often they are e-mailed) keep their setting; an unknown kind "
                            "is a 404."),
]
