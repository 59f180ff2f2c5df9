"""The ideas' JSON API endpoints (under /api/v1/ideas, tag "ideas", in the OpenAPI document).

Everything goes through the same visibility functions as the pages: an idea or board the
caller may not see answers 404, exactly like one that does not exist. A service's refusal
answers by its kind (404, 403, 409 or 422: see forum_core.api).
"""

from __future__ import annotations

from urllib.parse import urlencode

from forum_core.api import (
    ID,
    ApiEndpoint,
    ApiProblem,
    NotFoundError,
    _,
    cursor_parameter,
    find_similar,
    limits,
    parse_id,
    query_parameter,
    text_schema,
)

from .models import ROADMAP, STATUS_LABELS, STATUSES
from .services import CURSOR_PATTERN, NOTE_MAX, SORTS, BadCursor, IdeaService, can_vote
from .views import service_for

IDEA = {"type": "object",
        "required": ["id", "title", "url", "board", "author", "status", "status_label",
                     "status_note", "votes", "my_vote", "merged_into", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "url": {"type": "string"}, "board": {"type": "string"},
            "author": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUS_LABELS)},
            "status_label": {"type": "string"}, "status_note": {"type": "string"},
            "votes": {"type": "integer"},
            "my_vote": {"type": "integer", "enum": [-1, 0, 1]},
            "merged_into": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"}}}
IDEAS = {"type": "object", "required": ["items", "links"],
         "properties": {"items": {"type": "array", "items": IDEA},
                        "links": {"$ref": "#/components/schemas/Links"}}}
ROADMAP_SCHEMA = {
    "type": "object", "required": ["columns"],
    "properties": {"columns": {"type": "array", "items": {
        "type": "object", "required": ["status", "label", "items"],
        "properties": {"status": {"type": "string", "enum": list(ROADMAP)},
                       "label": {"type": "string"},
                       "items": {"type": "array", "items": IDEA}}}}}}
SIMILAR = {"type": "object", "required": ["items"],
           "properties": {"items": {"type": "array", "items": {
               "type": "object", "required": ["id", "title", "url", "status", "status_label"],
               "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                              "url": {"type": "string"},
                              "status": {"type": "string", "enum": list(STATUS_LABELS)},
                              "status_label": {"type": "string"}}}}}}
VOTE_BODY = {"type": "object", "required": ["value"], "additionalProperties": False,
             "properties": {"value": {"type": "integer", "enum": [1, -1]}}}
NOTE = text_schema(NOTE_MAX, required=False)
STATUS_BODY = {"type": "object", "required": ["status"], "additionalProperties": False,
               "properties": {"status": {"type": "string", "enum": list(STATUSES)},
                              "note": NOTE}}
MERGE_BODY = {"type": "object", "required": ["into"], "additionalProperties": False,
              "properties": {"into": ID, "note": NOTE}}

SORT_PARAM = {"name": "sort", "in": "query", "required": False,
              "description": "votes (default), trending (votes of the last 7 days count "
                             "three times) or newest.",
              "schema": {"type": "string", "enum": list(SORTS)}}
STATUS_PARAM = {"name": "status", "in": "query", "required": False,
                "schema": {"type": "string", "enum": list(STATUS_LABELS)}}
CURSOR_PARAM = cursor_parameter(CURSOR_PATTERN)
TITLE_PARAM = query_parameter("title", "The title being typed.",
                              {"type": "string", "maxLength": limits.SIMILAR_TEXT_MAX},
                              required=True)


def not_found():
    return ApiProblem(404, _("Not found"), _("There is no idea or idea board here, or you "
                                             "may not see it."))


def idea_json(request, topic, idea, my_vote: int = 0) -> dict:
    return {"id": topic.id, "title": topic.title,
            "url": request.route_url("content.topic", topic_id=topic.id, slug=topic.slug),
            "board": topic.category.slug, "author": topic.author.username,
            "status": idea.status, "status_label": request.translate(STATUS_LABELS[idea.status]),
            "status_note": idea.status_note, "votes": idea.votes, "my_vote": my_vote,
            "merged_into": idea.merged_into_id, "created_at": topic.created_at}


def _board(request, service: IdeaService):
    found = service.visible_board(request.viewer, request.matchdict.get("slug", ""))
    if found is None:
        raise not_found()
    return found


def _idea(request, service: IdeaService):
    idea_id = parse_id(request.matchdict.get("idea_id"))
    found = None if idea_id is None else service.visible_idea(request.viewer, idea_id)
    if found is None:
        raise not_found()
    return found


def _staff(request) -> None:
    if not request.viewer.is_staff:
        raise ApiProblem(403, _("Forbidden"), _("Only moderators and administrators set an "
                                                "idea's status or merge ideas."))


def _one(request, service, topic, idea) -> dict:
    return idea_json(request, topic, idea,
                     service.my_votes(request.user, [topic.id]).get(topic.id, 0))


def list_ideas(context, request):
    service = service_for(request)
    category, _board_row = _board(request, service)
    sort = request.GET.get("sort", "votes")
    status = request.GET.get("status")
    if sort not in SORTS or (status is not None and status not in STATUS_LABELS):
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Sort by votes, trending or newest, and filter by a known status."))
    try:
        found = service.page(request.viewer, category, sort, status,
                             request.GET.get("cursor"))
    except BadCursor:
        raise ApiProblem(400, _("Invalid cursor"), _(
            "The cursor was not made by this forum; start again from the first page.")) \
            from None
    mine = service.my_votes(request.user, [topic.id for topic, _idea in found.items])
    link = None
    if found.next_cursor is not None:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        link = request.path_url + "?" + urlencode({**query, "cursor": found.next_cursor})
    return {"items": [idea_json(request, topic, idea, mine.get(topic.id, 0))
                      for topic, idea in found.items], "links": {"next": link}}


def roadmap(context, request):
    service = service_for(request)
    category, _board_row = _board(request, service)
    columns = service.roadmap(request.viewer, category)
    mine = service.my_votes(request.user, [t.id for _s, items in columns for t, _i in items])
    return {"columns": [{"status": status, "label": request.translate(STATUS_LABELS[status]),
                         "items": [idea_json(request, t, i, mine.get(t.id, 0))
                                   for t, i in items]}
                        for status, items in columns]}


def similar(context, request):
    service = service_for(request)
    category, _board_row = _board(request, service)
    title = request.GET.get("title")
    if title is None or len(title) > limits.SIMILAR_TEXT_MAX:
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Give the title being typed in 'title', at most ${maximum} characters.",
            mapping={"maximum": limits.SIMILAR_TEXT_MAX}))
    hits = [hit for hit in find_similar(request, title, types=["idea"], limit=10)
            if hit.category is not None and hit.category.id == category.id][:5]
    return {"items": [{"id": hit.key, "title": hit.title, "url": hit.url,
                       "status": hit.status,
                       "status_label": request.translate(STATUS_LABELS[hit.status])}
                      for hit in hits if hit.status in STATUS_LABELS]}


def read_idea(context, request):
    service = service_for(request)
    topic, idea, _board_row = _idea(request, service)
    return _one(request, service, topic, idea)


def _voter(request) -> None:
    if not can_vote(request.viewer):
        raise ApiProblem(403, _("Forbidden"), _("Suspended members cannot vote."))


def vote(context, request):
    _voter(request)
    service = service_for(request)
    topic, idea, board = _idea(request, service)
    idea = service.vote(idea, board, request.user, request.api_data["value"])
    return _one(request, service, topic, idea)


def unvote(context, request):
    _voter(request)
    service = service_for(request)
    topic, idea, _board_row = _idea(request, service)
    return _one(request, service, topic, service.unvote(idea, request.user))


def set_status(context, request):
    _staff(request)
    service = service_for(request)
    topic, idea, _board_row = _idea(request, service)
    data = request.api_data
    service.set_status(idea, request.user, data["status"], data.get("note", ""))
    return _one(request, service, topic, idea)


def merge(context, request):
    _staff(request)
    service = service_for(request)
    _topic, idea, _board_row = _idea(request, service)
    target = service.visible_idea(request.viewer, request.api_data["into"])
    if target is None:
        raise NotFoundError(_("There is no idea with that number or address."))
    service.merge(idea, target[1], request.user, request.api_data.get("note", ""))
    return _one(request, service, target[0], target[1])


ENDPOINTS = [
    ApiEndpoint("ideas.list", "GET", "/ideas/boards/{slug}/ideas", list_ideas,
                "Ideas of a board, by votes, trending or newest, optionally of one status",
                parameters=(SORT_PARAM, STATUS_PARAM, CURSOR_PARAM), response_schema=IDEAS,
                tag="ideas"),
    ApiEndpoint("ideas.roadmap", "GET", "/ideas/boards/{slug}/roadmap", roadmap,
                "A board's ideas grouped by status: under review, planned, in progress, done",
                response_schema=ROADMAP_SCHEMA, tag="ideas"),
    ApiEndpoint("ideas.similar", "GET", "/ideas/boards/{slug}/similar", similar,
                "Ideas of a board similar to a title (possible duplicates)",
                parameters=(TITLE_PARAM,), response_schema=SIMILAR, tag="ideas"),
    ApiEndpoint("ideas.read", "GET", "/ideas/{idea_id}", read_idea, "One idea",
                response_schema=IDEA, tag="ideas"),
    ApiEndpoint("ideas.vote", "PUT", "/ideas/{idea_id}/vote", vote,
                "Vote for (1) or against (-1, where the board allows it) an idea",
                request_schema=VOTE_BODY, response_schema=IDEA, signed_in=True, tag="ideas"),
    ApiEndpoint("ideas.unvote", "DELETE", "/ideas/{idea_id}/vote", unvote,
                "Take one's vote back", response_schema=IDEA, signed_in=True, tag="ideas"),
    ApiEndpoint("ideas.status", "PUT", "/ideas/{idea_id}/status", set_status,
                "Set an idea's status and public note (moderators and administrators); "
                "voters are notified", request_schema=STATUS_BODY, response_schema=IDEA,
                signed_in=True, tag="ideas"),
    ApiEndpoint("ideas.merge", "POST", "/ideas/{idea_id}/merge", merge,
                "Merge a duplicate into another idea (moderators and administrators); "
                "answers the target", request_schema=MERGE_BODY, response_schema=IDEA,
                signed_in=True, tag="ideas"),
]
