"""Follow levels from the pages: the "Notifications" menu of a category, a topic and a
member's profile, and the list of what a member follows on the account page.

One form action for every place (``POST /follow``): the place is checked through its kind's
``names``, which asks the visibility choke point, so a place the member may not know of
answers 404 whether it exists or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from ..content.follows import LEVEL_HELP, LEVELS, TOPIC, TOPIC_LEVELS
from ..errors import NotFoundError, ValidationError
from ..i18n import _
from ..limits import parse_id
from ..notifications import watching
from ..pagination import BadCursor
from ..visibility import lists
from ..visibility.queries import TOPICS_PER_PAGE
from .accounts import safe_next
from .errors import error_page
from .feeds import FEED_ITEMS, _entries, atom_feed
from .lists import list_rows

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("follows.set", "/follow")
    config.add_route("follows.streams", "/streams")
    config.add_route("follows.stream_feed", "/streams/{slug}/feed.atom")
    config.add_route("follows.stream", "/streams/{slug}")
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


def _stream(request: Request) -> Any:
    found = watching.visible_stream(request.db, request.viewer, request.matchdict["slug"])
    if found is None:
        raise HTTPNotFound(_("There is no stream at this address, or it is not available to "
                             "you."))
    return found


def _stream_topics(request: Request, stream_id: int, per_page: int) -> Any:
    try:
        return lists.topic_list(request.db, request.viewer, "latest", request.GET.get("after"),
                                per_page=per_page, stream_id=stream_id, show_muted=True)
    except BadCursor:
        raise HTTPBadRequest(_("This page link is broken; start from the first page.")) from None


@view_config(route_name="follows.stream", renderer="follows/stream.html")
def stream_page(request: Request) -> dict[str, Any]:
    """A stream's topics, latest activity first: those of its categories and tags that the
    viewer may see (the same visibility-checked list as /latest)."""
    stream, held, tags = _stream(request)
    page = _stream_topics(request, stream.id, TOPICS_PER_PAGE)
    return {"stream": stream, "held": held, "tags": tags, "page": page,
            "next_url": request.route_path("follows.stream", slug=stream.slug,
                                           _query={"after": page.next_cursor})
            if page.next_cursor else None,
            **list_rows(request, page.items)}


@view_config(route_name="follows.stream_feed")
def stream_feed(request: Request) -> Response:
    """The stream's topics with the latest activity that the requester may see."""
    stream, _held, _tags = _stream(request)
    keys = [topic.id for topic in _stream_topics(request, stream.id, FEED_ITEMS).items]
    found = request.registry.forum.registries.content_types["topic"].items(request, keys)
    return atom_feed(request, stream.name, request.route_url("follows.stream", slug=stream.slug),
                     _entries(request, [found[key] for key in keys if key in found]))
