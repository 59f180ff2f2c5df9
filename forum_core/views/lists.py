"""The forum-wide topic lists: Latest, Unread, New, Since your last visit and Top (by day,
week, month or year), each a page of topic rows with a keyset "Load more" link."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config

from ..accounts.visits import start_afresh
from ..content.tags import TOPIC, Tag, tags_by_slugs, tags_of
from ..errors import NotFoundError
from ..i18n import _
from ..pagination import BadCursor
from ..visibility import lists
from ..web.httpcache import same_for_every_visitor

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    for name in lists.LIST_NAMES:
        config.add_route(f"lists.{name}", f"/{name}")
    config.add_route("lists.seen", "/whats-new/seen")
    config.scan(__name__)


def avatar_drawer(request: Request) -> Callable[[Iterable[Any], int], Markup]:
    """``avatars(members, size)`` in a listing's template: the pictures of ``members``
    (:meth:`forum_core.web.marks.Marks.avatar`, each labelled with the member's name)."""
    def draw(members: Iterable[Any], size: int) -> Markup:
        marks = request.marks
        return Markup("".join([marks.avatar(member, size) for member in members]))
    return draw


def list_rows(request: Request, items: list[Any]) -> dict[str, Any]:
    """What the rows of a topic listing show besides the topics (:func:`_topic_list.html`):
    the posters' avatars, the member's reading state and the topics' tags (one statement
    each for the whole page)."""
    ids = [t.id for t in items]
    return {"posters": lists.posters(request.db, request.viewer, items),
            "reading": lists.reading(request.db, request.viewer, ids),
            "topic_tags": tags_of(request.db, TOPIC, ids),
            "avatars": avatar_drawer(request)}


#: at most this many tags in one listing's filter
FILTER_TAGS_MAX = 5


def tag_filter(request: Request) -> list[Tag]:
    """The tags of a listing's ``?tags=a,b`` filter (topics with all of them), or a 400
    page naming a tag that does not exist."""
    raw = request.GET.get("tags", "")[:500]
    slugs = [slug for slug in raw.split(",") if slug.strip()]
    if len(slugs) > FILTER_TAGS_MAX:
        raise HTTPBadRequest(_("Filter by at most ${maximum} tags.",
                               mapping={"maximum": FILTER_TAGS_MAX}))
    try:
        return tags_by_slugs(request.db, slugs)
    except NotFoundError as exc:
        raise HTTPBadRequest(exc.message) from None


def filter_query(tags: list[Tag]) -> dict[str, str]:
    """The query string part that keeps a listing's tag filter on its links."""
    return {"tags": ",".join(tag.slug for tag in tags)} if tags else {}


def page_of(request: Request, name: str, period: str, tags: list[Tag] | None = None,
            show_muted: bool = False) -> Any:
    try:
        return lists.topic_list(request.db, request.viewer, name, request.GET.get("after"),
                                period=period, tag_ids=[tag.id for tag in tags or ()],
                                last_visit=request.last_visit, show_muted=show_muted)
    except BadCursor:
        raise HTTPBadRequest(_("This page link is broken; start from the first page.")) from None


@view_config(route_name="lists.latest", renderer="content/list.html")
@view_config(route_name="lists.unread", renderer="content/list.html")
@view_config(route_name="lists.new", renderer="content/list.html")
@view_config(route_name="lists.whats-new", renderer="content/list.html")
@view_config(route_name="lists.top", renderer="content/list.html")
def topic_list(request: Request) -> dict[str, Any]:
    name = request.matched_route.name.split(".", 1)[1]
    period = request.GET.get("period", lists.DEFAULT_PERIOD)
    if period not in lists.PERIODS:
        raise HTTPBadRequest(_("Choose a period of day, week, month or year."))
    tags = tag_filter(request)
    page = page_of(request, name, period, tags)
    same_for_every_visitor(request)
    query = {"period": period, **filter_query(tags)} if name == "top" else filter_query(tags)
    return {"list_name": name, "period": period, "page": page, "filter_tags": tags,
            "last_visit": request.last_visit,
            "needs_sign_in": name in lists.PERSONAL_LISTS and request.user is None,
            "next_url": request.route_path(f"lists.{name}",
                                           _query={**query, "after": page.next_cursor})
            if page.next_cursor else None,
            **list_rows(request, page.items)}


@view_config(route_name="lists.seen", request_method="POST", permission="account")
def seen_everything(request: Request) -> Any:
    """"Mark all as seen" on Since your last visit: the member's last visit ends now."""
    start_afresh(request.db, request.user)
    return HTTPSeeOther(request.route_path("lists.whats-new"))
