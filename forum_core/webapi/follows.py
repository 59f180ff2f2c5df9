"""API endpoints of follow levels: what the caller follows, and their level for one place
(thin views over :mod:`forum_core.notifications.watching`).

A place is ``/me/follows/<kind>/<id>`` (``category``, ``topic``, ``member``, and kinds that
features add, such as ``tag``). A place the caller may not see is a 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ..content.follows import NORMAL
from ..errors import NotFoundError
from ..i18n import _
from ..limits import parse_id
from ..notifications import watching
from .endpoints import ApiEndpoint
from .schemas import ref

_HIDDEN = _("This place does not exist, or it is not available to you.")


def _place(request: Request) -> tuple[str, int]:
    place = request.matchdict["place"][:20]
    place_id = parse_id(request.matchdict["place_id"])
    if place not in watching.place_kinds() or place_id is None:
        raise NotFoundError(_HIDDEN)
    return place, place_id


def _follow(place: str, place_id: int, name: str, level: str) -> dict[str, Any]:
    return {"place": place, "id": place_id, "name": name, "level": level}


def list_follows(context: Any, request: Request) -> dict[str, Any]:
    return {"items": [_follow(row.place, row.place_id, name, row.level)
                      for row, name in watching.followed(request.db, request.viewer)]}


def read_follow(context: Any, request: Request) -> dict[str, Any]:
    place, place_id = _place(request)
    name = watching.place_kinds()[place].names(request.db, request.viewer,
                                                [place_id]).get(place_id)
    if name is None:
        raise NotFoundError(_HIDDEN)
    level = watching.level_of(request.db, request.viewer.user_id, place, place_id)
    return _follow(place, place_id, name, level)


def change_follow(context: Any, request: Request) -> dict[str, Any]:
    place, place_id = _place(request)
    level = request.api_data["level"]
    name = watching.choose_level(request.db, request.viewer, place, place_id, level)
    return _follow(place, place_id, name, level)


def forget_follow(context: Any, request: Request) -> None:
    place, place_id = _place(request)
    watching.choose_level(request.db, request.viewer, place, place_id, NORMAL)
    watching.clear_level(request.db, request.viewer.user_id, place, place_id)


_ONE = "/me/follows/{place}/{place_id}"
FOLLOW_ENDPOINTS = [
    ApiEndpoint("follows.list", "GET", "/me/follows", list_follows,
                "What the caller follows: every place they gave a level other than normal",
                permission="account", response_schema=ref("FollowList"), signed_in=True,
                tag="members"),
    ApiEndpoint("follows.read", "GET", _ONE, read_follow,
                "The caller's follow level for one place (normal when they chose none)",
                permission="account", response_schema=ref("Follow"), signed_in=True,
                tag="members",
                description="Places: category, topic or member ids, and the kinds of places "
                            "enabled features add (tag). A place the caller may not see is "
                            "a 404, as a missing one."),
    ApiEndpoint("follows.change", "PUT", _ONE, change_follow,
                "Choose the caller's follow level for one place", permission="account",
                request_schema=ref("FollowChange"), response_schema=ref("Follow"),
                signed_in=True, tag="members",
                description="watching: every new post; watching_first_post: new topics "
                            "(not for a topic); tracking: unread counts, no notifications; "
                            "normal; muted: never notified, left out of the topic lists. A "
                            "level the place cannot have is a 422."),
    ApiEndpoint("follows.forget", "DELETE", _ONE, forget_follow,
                "Forget the caller's level for one place (it is normal again)",
                permission="account", status=204, signed_in=True, tag="members"),
]

