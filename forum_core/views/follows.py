"""Follow levels from the pages: the "Notifications" menu of a category, a topic and a
member's profile, and the list of what a member follows on the account page.

One form action for every place (``POST /follow``): the place is checked through its kind's
``names``, which asks the visibility choke point, so a place the member may not know of
answers 404 whether it exists or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from ..content.follows import LEVEL_HELP, LEVELS, TOPIC, TOPIC_LEVELS
from ..errors import NotFoundError, ValidationError
from ..i18n import _
from ..limits import parse_id
from ..notifications import watching
from .accounts import safe_next
from .errors import error_page

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("follows.set", "/follow")
    config.add_route("follows.streams", "/streams")
    config.add_request_method(follow_menu, "follow_menu")
    config.scan(__name__)


def follow_menu(request: Request, place: str, place_id: int) -> dict[str, Any]:
    """What a page's follow form shows (``request.follow_menu("category", 3)``): the
    member's level, the levels the place can have, and what each means."""
    levels = TOPIC_LEVELS if place == TOPIC else tuple(LEVELS)
    current = watching.level_of(request.db, request.viewer.user_id, place, place_id)
    return {"place": place, "place_id": place_id, "level": current,
            "levels": [(level, LEVELS[level], LEVEL_HELP[level]) for level in levels]}


@view_config(route_name="follows.set", request_method="POST", permission="account",
             renderer="error.html")
def set_follow_level(request: Request) -> Any:
    place_id = parse_id(request.POST.get("place_id", ""))
    try:
        if place_id is None:
            raise NotFoundError(_("This place does not exist, or it is not available to you."))
        watching.choose_level(request.db, request.viewer, request.POST.get("place", "")[:20],
                              place_id, request.POST.get("level", "")[:20])
    except NotFoundError as exc:
        return error_page(request, 404, _("Not available"), exc.message)
    except ValidationError as exc:
        return error_page(request, 400, _("Not saved"), exc.message)
    return HTTPSeeOther(safe_next(request, request.POST.get("next")))


@view_config(route_name="follows.streams", renderer="follows/streams.html")
def stream_list(request: Request) -> dict[str, Any]:
    """The streams staff composed, each with the categories the viewer may read and, for a
    member, the follow menu (streams without such a category are not shown)."""
    return {"streams": watching.visible_streams(request.db, request.viewer)}
