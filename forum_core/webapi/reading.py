"""The topic lists (Latest, Unread, New, Top) and the member's reading position in the JSON
API: the same queries and visibility rules as the pages."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from sqlalchemy.exc import OperationalError

from ..content.interfaces import IContentService
from ..content.services import read_marker
from ..content.tags import TOPIC, tags_of
from ..i18n import _
from ..pagination import BadCursor
from ..visibility import lists
from ..visibility.resources import TopicResource
from ..web.httpcache import same_for_every_visitor
from .endpoints import ApiEndpoint, ApiProblem
from .schemas import cursor_parameter, query_parameter, ref, topic_json, user_ref
from .views import TAGS_PARAMETER, filter_tags, page


def _bad_cursor() -> ApiProblem:
    return ApiProblem(400, _("Invalid cursor"), _(
        "The cursor was not made by this forum; start again from the first page."))


def first_unread_url(request: Request, topic: Any, last_read: int | None, unread: int) -> str:
    """Where a member continues reading: the page starting after their marker, or the
    topic's first page when nothing is unread or they never opened it."""
    query = {"after": last_read} if unread and last_read else {}
    return request.route_url("content.topic", topic_id=topic.id, slug=topic.slug,
                             _query=query)


def _list_view(name: str) -> Any:
    def view(context: Any, request: Request) -> dict[str, Any]:
        same_for_every_visitor(request)
        period = request.GET.get("period", lists.DEFAULT_PERIOD)
        if period not in lists.PERIODS:
            raise ApiProblem(400, _("Invalid request"), _(
                "Choose a period of day, week, month or year."))
        tags = filter_tags(request)
        try:
            found = lists.topic_list(request.db, request.viewer, name,
                                     request.GET.get("cursor"), period=period,
                                     tag_ids=[t.id for t in tags],
                                     last_visit=request.last_visit)
        except BadCursor:
            raise _bad_cursor() from None
        shown = tags_of(request.db, TOPIC, [t.id for t in found.items])
        posters = lists.posters(request.db, request.viewer, found.items)
        reading = lists.reading(request.db, request.viewer, [t.id for t in found.items])
        items = []
        for topic in found.items:
            state = reading.get(topic.id, lists.Reading(None))
            items.append({**topic_json(request, topic, False, shown),
                          "posters": [user_ref(request, m) for m in posters[topic.id]],
                          "last_read_number": state.last_read, "unread_count": state.unread,
                          "first_unread_url": first_unread_url(request, topic, state.last_read,
                                                               state.unread)})
        return page(request, items, found.next_cursor)
    view.__name__ = f"list_{name}"
    return view


def reading_json(request: Request, topic: Any) -> dict[str, Any]:
    marker = read_marker(request.db, request.user.id, topic.id) or 0
    last = lists.last_post_number(request.db, request.viewer, topic.id)
    return {"topic_id": topic.id, "last_read_number": marker, "last_post_number": last,
            "first_unread_url": first_unread_url(request, topic, marker, 1)
            if marker < last else None}


def read_reading(context: TopicResource, request: Request) -> dict[str, Any]:
    return reading_json(request, context.topic)


def move_reading(context: TopicResource, request: Request) -> dict[str, Any]:
    """Move the marker forward to ``last_read_number`` (a lower number changes nothing; one
    past the topic's last post counts as its last)."""
    try:
        request.find_service(IContentService).mark_read(
            request.user, context.topic, request.api_data["last_read_number"])
    except OperationalError:
        raise ApiProblem(503, _("Busy"), _(
            "The forum is busy; send the reading position again in a moment.")) from None
    return reading_json(request, context.topic)


_PERIOD = query_parameter("period", "Top only: day, week (default), month or year.",
                          {"type": "string", "enum": list(lists.PERIODS)})
_SUMMARIES = {
    "latest": "Topics of every category the caller may read, latest activity first",
    "unread": "Topics the caller has read partly that have new posts, latest activity first",
    "new": "Topics of the last two days the caller has not opened, newest first",
    "whats-new": "Topics where others posted since the caller's last visit (a pause of an "
                 "hour or more in their browser's requests), latest activity first",
    "top": "Topics started in a period with the most replies, then views",
}

READING_ENDPOINTS = [
    *(ApiEndpoint(f"lists.{name.replace('-', '_')}", "GET", f"/lists/{name}", _list_view(name),
                  _SUMMARIES[name],
                  parameters=(cursor_parameter(lists.list_cursor_pattern(name)), TAGS_PARAMETER,
                              *((_PERIOD,) if name == "top" else ())),
                  response_schema=ref("ListedTopicPage"), signed_in=name in lists.PERSONAL_LISTS,
                  tag="discussions")
      for name in lists.LIST_NAMES),
    ApiEndpoint("topics.reading", "GET", "/topics/{topic_id}/reading", read_reading,
                "How far the caller has read a topic", factory=TopicResource,
                response_schema=ref("Reading"), signed_in=True, tag="discussions"),
    ApiEndpoint("topics.reading.move", "PUT", "/topics/{topic_id}/reading", move_reading,
                "Move the caller's reading position forward (it never moves back)",
                factory=TopicResource, request_schema=ref("ReadingUpdate"),
                response_schema=ref("Reading"), signed_in=True, tag="discussions"),
]
