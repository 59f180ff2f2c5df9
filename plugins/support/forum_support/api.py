"""The support plugin's JSON API endpoints (under /api/v1/support, tag "support", in the
OpenAPI document).

Everything goes through the same visibility functions as the pages: a question or category
the caller may not see answers 404, exactly like one that does not exist. A service's refusal
answers by its kind (404, 403, 409 or 422: see forum_core.api).
"""

from __future__ import annotations

from urllib.parse import urlencode

from forum_core.api import (
    BODY,
    ID,
    TITLE,
    ApiEndpoint,
    ApiProblem,
    Topic,
    _,
    cursor_parameter,
    limits,
    parse_id,
    query_parameter,
    text_schema,
    visible_topics,
)

from .models import FILTERS, QUEUE_VIEWS, STATE_LABELS, STATES
from .stats import WEEKS_DEFAULT, WEEKS_MAX, weekly
from .views import private_title, service_for, similar_questions, topic_path

TIME = {"type": ["string", "null"], "format": "date-time"}
SECONDS = {"type": ["number", "null"]}
QUESTION = {
    "type": "object",
    "required": ["id", "title", "url", "category", "author", "state", "state_label",
                 "accepted_post_id", "answer_url", "asked_at", "first_response_at",
                 "solved_at", "last_reply_at", "escalated", "private_url"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
        "category": {"type": "string"}, "author": {"type": ["string", "null"]},
        "state": {"type": "string", "enum": list(STATES)}, "state_label": {"type": "string"},
        "accepted_post_id": {"type": ["integer", "null"]},
        "answer_url": {"type": ["string", "null"]},
        "asked_at": {"type": "string", "format": "date-time"},
        "first_response_at": TIME, "solved_at": TIME, "last_reply_at": TIME,
        "escalated": {"type": "boolean"},
        "private_url": {"type": ["string", "null"]},
        "helpful": {"type": ["boolean", "null"]},
        "claimed_by": {"type": ["string", "null"]}}}
QUESTIONS = {"type": "object", "required": ["items", "links"],
             "properties": {"items": {"type": "array", "items": QUESTION},
                            "links": {"$ref": "#/components/schemas/Links"}}}
CATEGORIES = {"type": "object", "required": ["items"],
              "properties": {"items": {"type": "array", "items": {
                  "type": "object", "required": ["slug", "name", "close_after_days"],
                  "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                 "close_after_days": {"type": "integer"}}}}}}
SIMILAR = {"type": "object", "required": ["items"],
           "properties": {"items": {"type": "array", "items": {
               "type": "object", "required": ["type", "id", "title", "url", "kind_label"],
               "properties": {"type": {"type": "string"}, "id": {"type": "integer"},
                              "title": {"type": "string"}, "url": {"type": "string"},
                              "kind_label": {"type": "string"}}}}}}
STATS = {"type": "object", "required": ["weeks", "categories"],
         "properties": {"weeks": {"type": "integer"}, "categories": {"type": "array", "items": {
             "type": "object", "required": ["slug", "name", "weeks"],
             "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                            "weeks": {"type": "array", "items": {
                                "type": "object",
                                "required": ["week", "asked", "waiting",
                                             "first_response_median_seconds",
                                             "first_response_p90_seconds",
                                             "solution_median_seconds",
                                             "solution_p90_seconds"],
                                "properties": {
                                    "week": {"type": "string", "format": "date"},
                                    "asked": {"type": "integer"},
                                    "waiting": {"type": "integer"},
                                    "first_response_median_seconds": SECONDS,
                                    "first_response_p90_seconds": SECONDS,
                                    "solution_median_seconds": SECONDS,
                                    "solution_p90_seconds": SECONDS}}}}}}}}
ASK_BODY = {"type": "object", "required": ["title", "body"], "additionalProperties": False,
            "properties": {"title": TITLE, "body": BODY}}
ANSWER_BODY = {"type": "object", "required": ["post_id"], "additionalProperties": False,
               "properties": {"post_id": ID}}
STATE_BODY = {"type": "object", "required": ["state"], "additionalProperties": False,
              "properties": {"state": {"type": "string", "enum": ["needs_info", "open"]}}}
ESCALATE_BODY = {"type": "object", "required": ["message"], "additionalProperties": False,
                 "properties": {"message": text_schema(limits.BODY_MAX)}}
HELPFUL_BODY = {"type": "object", "required": ["helpful"], "additionalProperties": False,
                "properties": {"helpful": {"type": "boolean"}}}

FILTER_PARAM = {"name": "filter", "in": "query", "required": False,
                "description": "unanswered, unsolved or solved (default: every question).",
                "schema": {"type": "string", "enum": list(FILTERS)}}
CURSOR_PARAM = cursor_parameter(f"^[0-9]{{1,{limits.ID_DIGITS}}}$")
SHOW_PARAM = {"name": "show", "in": "query", "required": False,
              "description": "waiting (default: unanswered, or the asker replied last), "
                             "unanswered, needs_info (waiting for the asker), unsolved, "
                             "mine or escalated.",
              "schema": {"type": "string", "enum": list(QUEUE_VIEWS)}}
CATEGORY_PARAM = query_parameter("category", "A support category's address (default: all).",
                                 {"type": "string", "minLength": 1,
                                  "maxLength": limits.SLUG_MAX})
WEEKS_PARAM = query_parameter("weeks", f"Weeks up to this one (1 to {WEEKS_MAX}, default "
                              f"{WEEKS_DEFAULT}).",
                              {"type": "integer", "minimum": 1, "maximum": WEEKS_MAX})
TITLE_PARAM = query_parameter("title", "The question's title being typed.",
                              {"type": "string", "maxLength": limits.SIMILAR_TEXT_MAX},
                              required=True)


def not_found():
    return ApiProblem(404, _("Not found"), _("There is no question or support category here, "
                                             "or you may not see it."))


def _staff(request) -> None:
    if request.user is None or not request.viewer.is_staff:
        raise ApiProblem(403, _("Forbidden"), _("Only moderators and administrators do this."))


def question_json(request, service, topic, question, names=None) -> dict:
    answer = service.accepted_post(question)
    private_url = None
    if question.private_topic_id is not None:
        private = request.db.scalar(visible_topics(request.viewer)
                                    .where(Topic.id == question.private_topic_id))
        private_url = request.route_url("content.topic", topic_id=private.id,
                                        slug=private.slug) if private else None
    result = {
        "id": topic.id, "title": topic.title,
        "url": request.route_url("content.topic", topic_id=topic.id, slug=topic.slug),
        "category": topic.category.slug,
        "author": topic.author.username if topic.author else None,
        "state": question.state, "state_label": request.translate(STATE_LABELS[question.state]),
        "accepted_post_id": answer.id if answer else None,
        "answer_url": request.application_url + topic_path(request, topic, answer.number)
        if answer else None,
        "asked_at": question.asked_at, "first_response_at": question.first_response_at,
        "solved_at": question.solved_at, "last_reply_at": question.last_reply_at,
        "escalated": question.private_topic_id is not None, "private_url": private_url}
    if request.user is not None and request.user.id == question.asker_id:
        result["helpful"] = question.helpful
    if request.viewer.is_staff:
        if names is None:
            names = service.names({question.claimed_by_id} if question.claimed_by_id
                                  else set())
        result["claimed_by"] = names.get(question.claimed_by_id)
    return result


def _question(request, service):
    topic_id = parse_id(request.matchdict.get("question_id"))
    found = None if topic_id is None else service.visible_question(topic_id)
    if found is None:
        raise not_found()
    return found


def _category(request, service):
    found = service.visible_category(request.matchdict.get("slug", ""))
    if found is None:
        raise not_found()
    return found


def list_categories(context, request):
    return {"items": [{"slug": category.slug, "name": category.name,
                       "close_after_days": support.close_after_days}
                      for category, support in service_for(request).categories()]}


def list_questions(context, request):
    service = service_for(request)
    category, _support = _category(request, service)
    chosen = request.GET.get("filter")
    if chosen is not None and chosen not in FILTERS:
        raise ApiProblem(400, _("Invalid parameter"), _("Filter by unanswered, unsolved or "
                                                        "solved."))
    after = parse_id(request.GET["cursor"]) if "cursor" in request.GET else None
    if "cursor" in request.GET and after is None:
        raise ApiProblem(400, _("Invalid cursor"), _(
            "The cursor was not made by this forum; start again from the first page."))
    found = service.page(category, chosen, after)
    link = None
    if found.next_cursor is not None:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        link = request.path_url + "?" + urlencode({**query, "cursor": found.next_cursor})
    return {"items": [question_json(request, service, topic, question)
                      for topic, question in found.items], "links": {"next": link}}


def ask(context, request):
    service = service_for(request)
    category, _support = _category(request, service)
    from .services import can_ask

    if not can_ask(request.viewer, category):
        raise ApiProblem(403, _("Forbidden"), _("You may not ask questions in this "
                                                "category."))
    data = request.api_data
    topic = service.ask(request.user, category, data["title"], data["body"])
    request.db.flush()
    found = service.visible_question(topic.id)
    if found is None:  # held for the moderators, or the category stopped being support's
        raise ApiProblem(409, _("Not a question"), _("The topic was saved, but it is no "
                                                     "question you can see yet."))
    return question_json(request, service, found[0], found[1])


def read_question(context, request):
    service = service_for(request)
    topic, question, _support = _question(request, service)
    return question_json(request, service, topic, question)


def _after(request, service, change):
    topic, question, _support = _question(request, service)
    question = change(question)
    return question_json(request, service, topic, question)


def accept(context, request):
    service = service_for(request)
    return _after(request, service,
                  lambda question: service.accept(question, request.api_data["post_id"]))


def unaccept(context, request):
    service = service_for(request)
    return _after(request, service, service.unaccept)


def claim(context, request):
    _staff(request)
    service = service_for(request)
    return _after(request, service, service.claim)


def unclaim(context, request):
    _staff(request)
    service = service_for(request)
    return _after(request, service, service.unclaim)


def set_state(context, request):
    _staff(request)
    service = service_for(request)
    return _after(request, service,
                  lambda question: service.set_state(question, request.api_data["state"]))


def escalate(context, request):
    _staff(request)
    service = service_for(request)
    topic, question, _support = _question(request, service)
    service.escalate(question, topic, request.api_data["message"],
                     private_title(request, topic, question.asker_id))
    return question_json(request, service, topic, question)


def helpful(context, request):
    service = service_for(request)
    return _after(request, service, lambda question: service.answer_helped(
        question, request.api_data["helpful"]))


def queue(context, request):
    _staff(request)
    shown = request.GET.get("show") or "waiting"
    if shown not in QUEUE_VIEWS:
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Show one of: ${views}.", mapping={"views": ", ".join(QUEUE_VIEWS)}))
    service = service_for(request)
    items = service.queue(shown)
    names = service.names({question.claimed_by_id for _t, question in items
                           if question.claimed_by_id})
    return {"items": [question_json(request, service, topic, question, names)
                      for topic, question in items], "links": {"next": None}}


def stats(context, request):
    _staff(request)
    service = service_for(request)
    categories = service.categories()
    slug = request.GET.get("category")
    if slug is not None:
        categories = [pair for pair in categories if pair[0].slug == slug]
        if not categories:
            raise not_found()
    weeks = parse_id(request.GET.get("weeks", str(WEEKS_DEFAULT)), maximum=WEEKS_MAX)
    if weeks is None or weeks < 1:
        raise ApiProblem(400, _("Invalid parameter"), _("Ask for 1 to ${maximum} weeks.",
                                                        mapping={"maximum": WEEKS_MAX}))
    figures = weekly(request.db, request.viewer, [c.id for c, _s in categories], weeks)
    result = []
    for category, _support in categories:
        rows = []
        for week in figures[category.id]:
            f = week.figures()
            rows.append({"week": week.start.isoformat(), "asked": week.asked,
                         "waiting": week.waiting,
                         "first_response_median_seconds": f["first_median"],
                         "first_response_p90_seconds": f["first_p90"],
                         "solution_median_seconds": f["solution_median"],
                         "solution_p90_seconds": f["solution_p90"]})
        result.append({"slug": category.slug, "name": category.name, "weeks": rows})
    return {"weeks": weeks, "categories": result}


def similar(context, request):
    title = request.GET.get("title")
    if title is None or len(title) > limits.SIMILAR_TEXT_MAX:
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Give the title being typed in 'title', at most ${maximum} characters.",
            mapping={"maximum": limits.SIMILAR_TEXT_MAX}))
    kinds = {"question": request.translate(_("solved question")),
             "kb_article": request.translate(_("knowledge base article"))}
    return {"items": [{"type": hit.type, "id": hit.key, "title": hit.title, "url": hit.url,
                       "kind_label": kinds.get(hit.type, "")}
                      for hit in similar_questions(request, title)]}


_Q = "/support/questions/{question_id}"
ENDPOINTS = [
    ApiEndpoint("support.categories", "GET", "/support/categories", list_categories,
                "The support categories the caller may read", response_schema=CATEGORIES,
                tag="support"),
    ApiEndpoint("support.questions", "GET", "/support/categories/{slug}/questions",
                list_questions, "Questions of a support category, newest first, optionally "
                "unanswered, unsolved or solved only",
                parameters=(FILTER_PARAM, CURSOR_PARAM), response_schema=QUESTIONS,
                tag="support"),
    ApiEndpoint("support.ask", "POST", "/support/categories/{slug}/questions", ask,
                "Ask a question in a support category", request_schema=ASK_BODY,
                response_schema=QUESTION, status=201, signed_in=True, tag="support"),
    ApiEndpoint("support.similar", "GET", "/support/similar", similar,
                "Solved questions and knowledge base articles like a title being typed",
                parameters=(TITLE_PARAM,), response_schema=SIMILAR, tag="support"),
    ApiEndpoint("support.question", "GET", _Q, read_question, "One question",
                response_schema=QUESTION, tag="support"),
    ApiEndpoint("support.accept", "PUT", f"{_Q}/answer", accept,
                "Accept a reply as the answer (the asker or staff)",
                request_schema=ANSWER_BODY, response_schema=QUESTION, signed_in=True,
                tag="support"),
    ApiEndpoint("support.unaccept", "DELETE", f"{_Q}/answer", unaccept,
                "Take the accepted answer back (the asker or staff)",
                response_schema=QUESTION, signed_in=True, tag="support"),
    ApiEndpoint("support.helpful", "PUT", f"{_Q}/helpful", helpful,
                "The asker says whether the accepted answer helped",
                request_schema=HELPFUL_BODY, response_schema=QUESTION, signed_in=True,
                tag="support"),
    ApiEndpoint("support.claim", "PUT", f"{_Q}/claim", claim,
                "Handle a question (staff); 409 when someone else does", response_schema=QUESTION,
                signed_in=True, tag="support"),
    ApiEndpoint("support.unclaim", "DELETE", f"{_Q}/claim", unclaim,
                "Hand a question back (the one handling it, or an administrator)",
                response_schema=QUESTION, signed_in=True, tag="support"),
    ApiEndpoint("support.state", "PUT", f"{_Q}/state", set_state,
                "Mark 'needs more information', or take the mark away (staff)",
                request_schema=STATE_BODY, response_schema=QUESTION, signed_in=True,
                tag="support"),
    ApiEndpoint("support.escalate", "POST", f"{_Q}/escalation", escalate,
                "Take a question to a private conversation with the asker (staff)",
                request_schema=ESCALATE_BODY, response_schema=QUESTION, status=201,
                signed_in=True, tag="support"),
    ApiEndpoint("support.queue", "GET", "/support/queue", queue,
                "Questions waiting for staff, oldest first (staff)",
                parameters=(SHOW_PARAM,), response_schema=QUESTIONS, signed_in=True,
                tag="support"),
    ApiEndpoint("support.stats", "GET", "/support/stats", stats,
                "First-response and solution times per category and week (staff)",
                parameters=(CATEGORY_PARAM, WEEKS_PARAM), response_schema=STATS,
                signed_in=True, tag="support"),
]
