"""The events plugin's JSON API endpoints (under /api/v1/events, tag "events", in the OpenAPI
document).

Everything goes through the same visibility functions as the pages: an event the caller may
not see answers 404, exactly like one that does not exist. The address and the online link
are null for whoever the page would not show them to. A refusal of the service answers by
its kind (404, 403, 409 or 422: see forum_core.api).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forum_core.api import (
    BODY,
    TITLE,
    USERNAME,
    ApiEndpoint,
    ApiProblem,
    Category,
    _,
    limits,
    line_schema,
    parse_id,
    query_parameter,
    utcnow,
    visible_categories,
)

from .models import (
    ANSWERS,
    ATTENDEE_VISIBILITY,
    GOING,
    MAYBE,
    WAITING,
    Event,
    Occurrence,
)
from .services import Details, EventService, can_organise_in
from .views import service_for, topic_path

TIME = {"type": "string", "format": "date-time"}
LOCAL = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
         "description": "A wall-clock time on the organiser's clock, YYYY-MM-DDTHH:MM."}
DATE = {
    "type": "object",
    "required": ["id", "starts_at", "ends_at", "cancelled", "note", "going", "waiting",
                 "my_answer"],
    "properties": {
        "id": {"type": "integer"}, "starts_at": TIME, "ends_at": TIME,
        "cancelled": {"type": "boolean"}, "note": {"type": "string"},
        "going": {"type": "integer"}, "waiting": {"type": "integer"},
        "my_answer": {"type": ["string", "null"], "enum": [*ANSWERS, WAITING, None]},
        "waiting_place": {"type": ["integer", "null"]}}}
EVENT = {
    "type": "object",
    "required": ["id", "title", "url", "category", "status", "time_zone", "rrule",
                 "capacity", "attendance_mode", "location", "online_url", "organisers",
                 "attendee_visibility", "dates"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
        "category": {"type": "string"},
        "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
        "time_zone": {"type": "string"}, "rrule": {"type": "string"},
        "capacity": {"type": ["integer", "null"]},
        "attendance_mode": {"type": "string"},
        "location": {"type": ["string", "null"]}, "online_url": {"type": ["string", "null"]},
        "organisers": {"type": "array", "items": {"type": "string"}},
        "attendee_visibility": {"type": "string", "enum": list(ATTENDEE_VISIBILITY)},
        "dates": {"type": "array", "items": DATE}}}
LISTING = {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["event_id", "title", "url", "category", "date"],
        "properties": {"event_id": {"type": "integer"}, "title": {"type": "string"},
                       "url": {"type": "string"}, "category": {"type": "string"},
                       "date": DATE}}}}}
ATTENDEES = {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["username", "answer", "waiting_place", "checked_in_at"],
        "properties": {"username": {"type": "string"},
                       "answer": {"type": "string", "enum": [GOING, MAYBE, WAITING]},
                       "waiting_place": {"type": ["integer", "null"]},
                       "checked_in_at": {"type": ["string", "null"], "format": "date-time"}}}}}}
CREATE_BODY = {
    "type": "object", "additionalProperties": False,
    "required": ["category", "title", "body", "starts", "ends", "time_zone"],
    "properties": {
        "category": {"type": "string", "minLength": 1, "maxLength": limits.SLUG_MAX},
        "title": TITLE, "body": BODY, "starts": LOCAL, "ends": LOCAL,
        "time_zone": {"type": "string", "minLength": 1, "maxLength": 64},
        "fold": {"type": "integer", "enum": [0, 1],
                 "description": "For a start the clock shows twice: 0 the first, 1 the second."},
        "rrule": line_schema(0, 300),
        "location": line_schema(0, 500), "online_url": line_schema(0, 2000),
        "capacity": {"type": ["integer", "null"], "minimum": 1, "maximum": 100_000},
        "rsvp_deadline": LOCAL,
        "attendee_visibility": {"type": "string", "enum": list(ATTENDEE_VISIBILITY)},
        "organisers": {"type": "array", "maxItems": 20, "items": USERNAME}}}
RSVP_BODY = {"type": "object", "required": ["answer"], "additionalProperties": False,
             "properties": {"answer": {"type": "string", "enum": list(ANSWERS)}}}
FROM_PARAM = query_parameter("from", "Dates ending after this day (YYYY-MM-DD; default today).",
                             {"type": "string", "format": "date"})
CATEGORY_PARAM = query_parameter("category", "A category's address (default: all).",
                                 {"type": "string", "minLength": 1,
                                  "maxLength": limits.SLUG_MAX})


def not_found() -> ApiProblem:
    return ApiProblem(404, _("Not found"), _("There is no event or date here, or you may not "
                                             "see it."))


def _event(request, service: EventService) -> Event:
    event = service.find(request.viewer, request.matchdict.get("event_id"))
    if event is None:
        raise not_found()
    return event


def _date(request, service: EventService, event: Event) -> Occurrence:
    date_id = parse_id(request.matchdict.get("date_id"))
    date = None if date_id is None else service.occurrence_of(event, date_id)
    if date is None:
        raise not_found()
    return date


def _organiser(request, service: EventService, event: Event) -> None:
    if not service.is_organiser(request.viewer, event):
        raise ApiProblem(403, _("Forbidden"), _("Only the event's organisers do this."))


def date_json(request, service: EventService, date: Occurrence,
              mine: dict[int, str] | None = None,
              waiting: dict[int, int] | None = None) -> dict[str, Any]:
    """One date; ``mine`` and ``waiting`` (the caller's answers, the waiting lists' lengths)
    read for a whole list of dates at once, or here for this one."""
    answers = mine if mine is not None else service.answers_of(request.user, [date.id])
    waiting = waiting if waiting is not None else service.waiting_counts([date.id])
    answer = answers.get(date.id)
    result = {"id": date.id, "starts_at": date.starts_at, "ends_at": date.ends_at,
              "cancelled": date.cancelled, "note": date.note, "going": date.going_count,
              "waiting": waiting.get(date.id, 0), "my_answer": answer}
    if answer == WAITING and request.user is not None:
        result["waiting_place"] = service.waiting_place(request.user, date.id)
    return result


def event_json(request, service: EventService, event: Event) -> dict[str, Any]:
    dates = service.dates(event)
    mine = service.answers_of(request.user, [date.id for date in dates])
    waiting = service.waiting_counts([date.id for date in dates])
    upcoming = service.occurrence_of(event, None)
    place = upcoming is not None and service.shows_place(request.viewer, event, upcoming.id)
    topic = event.topic
    return {
        "id": event.topic_id, "title": topic.title,
        "url": request.application_url + topic_path(request, topic),
        "category": topic.category.slug,
        "status": "cancelled" if event.cancelled_at else "scheduled",
        "time_zone": event.time_zone, "rrule": event.rrule, "capacity": event.capacity,
        "attendance_mode": event.attendance_mode,
        "location": event.location if place else None,
        "online_url": event.online_url if place else None,
        "organisers": service.organiser_names(event),
        "attendee_visibility": event.attendee_visibility,
        "dates": [date_json(request, service, date, mine, waiting) for date in dates]}


def _local(raw: str | None) -> dt.datetime | None:
    return None if raw is None else dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M")


def list_events(context, request):
    service = service_for(request)
    raw = request.GET.get("from")
    try:
        day = dt.date.fromisoformat(raw) if raw is not None else None
    except ValueError:
        raise ApiProblem(400, _("Invalid parameter"), _("Give the day as YYYY-MM-DD.")) from None
    after = dt.datetime.combine(day, dt.time(), dt.UTC) if day else utcnow()
    category_ids = None
    if "category" in request.GET:
        slug = request.GET["category"]
        if not slug:
            raise ApiProblem(400, _("Invalid parameter"), _("Give a category's address."))
        category = request.db.scalar(visible_categories(request.viewer).where(
            Category.slug == slug))
        if category is None:
            raise not_found()
        category_ids = [category.id]
    rows = service.upcoming(request.viewer, after, limit=100, category_ids=category_ids)
    mine = service.answers_of(request.user, [date.id for date, _e, _t in rows])
    waiting = service.waiting_counts([date.id for date, _e, _t in rows])
    return {"items": [{"event_id": event.topic_id, "title": topic.title,
                       "url": request.application_url + topic_path(request, topic),
                       "category": topic.category.slug,
                       "date": date_json(request, service, date, mine, waiting)}
                      for date, event, topic in rows]}


def create_event(context, request):
    service = service_for(request)
    data = request.api_data
    category = request.db.scalar(visible_categories(request.viewer).where(
        Category.slug == data["category"]))
    if category is None:
        raise not_found()
    if not can_organise_in(request.viewer, category):
        raise ApiProblem(403, _("Forbidden"), _("You may not create events in this "
                                                "category."))
    try:
        starts, ends = _local(data["starts"]), _local(data["ends"])
        deadline = _local(data.get("rsvp_deadline"))
    except ValueError:
        raise ApiProblem(422, _("Invalid time"), _("That time does not exist; give "
                                                   "YYYY-MM-DDTHH:MM.")) from None
    assert starts is not None and ends is not None
    event = service.create(request.user, category, Details(
        title=data["title"], body=data["body"], starts_local=starts, ends_local=ends,
        zone=data["time_zone"], fold=data.get("fold"), rule=data.get("rrule", ""),
        location=data.get("location", ""), online_url=data.get("online_url", ""),
        capacity=data.get("capacity"), rsvp_deadline_local=deadline,
        attendee_visibility=data.get("attendee_visibility", "everyone"),
        organisers=data.get("organisers", [])))
    found = service.visible_event(request.viewer, event.topic_id)
    if found is None:  # held for the moderators
        raise ApiProblem(409, _("Held"), _("The event was saved and waits for a moderator."))
    return event_json(request, service, found)


def read_event(context, request):
    service = service_for(request)
    return event_json(request, service, _event(request, service))


def cancel_event(context, request):
    service = service_for(request)
    event = _event(request, service)
    _organiser(request, service, event)
    service.cancel(request.user, event)
    return event_json(request, service, event)


def rsvp(context, request):
    service = service_for(request)
    event = _event(request, service)
    date = _date(request, service, event)
    service.answer(request.user, date.id, request.api_data["answer"])
    request.db.refresh(date)
    return date_json(request, service, date)


def attendees(context, request):
    service = service_for(request)
    event = _event(request, service)
    date = _date(request, service, event)
    _organiser(request, service, event)
    rows = service.attendees(date.id, (GOING, MAYBE, WAITING))
    places = {rsvp.user_id: index + 1 for index, rsvp in enumerate(
        row for row in rows if row.answer == WAITING)}
    return {"items": [{"username": row.user.username, "answer": row.answer,
                       "waiting_place": places.get(row.user_id),
                       "checked_in_at": row.checked_in_at} for row in rows]}


def _check_in(request, undo: bool):
    service = service_for(request)
    event = _event(request, service)
    date = _date(request, service, event)
    _organiser(request, service, event)
    user_id = parse_id(request.matchdict.get("user_id"))
    if user_id is None:
        raise not_found()
    service.check_in(date, user_id, undo=undo)
    return attendees(None, request)


def check_in(context, request):
    return _check_in(request, undo=False)


def undo_check_in(context, request):
    return _check_in(request, undo=True)


_E = "/events/{event_id}"
_D = _E + "/dates/{date_id}"
ENDPOINTS = [
    ApiEndpoint("events.list", "GET", "/events", list_events,
                "Dates of events the caller may see, soonest first",
                parameters=(FROM_PARAM, CATEGORY_PARAM), response_schema=LISTING,
                tag="events"),
    ApiEndpoint("events.create", "POST", "/events", create_event,
                "Create an event in a category", request_schema=CREATE_BODY,
                response_schema=EVENT, status=201, signed_in=True, tag="events"),
    ApiEndpoint("events.read", "GET", _E, read_event, "One event with its dates",
                response_schema=EVENT, tag="events"),
    ApiEndpoint("events.cancel", "DELETE", _E, cancel_event,
                "Cancel the event (organisers); everyone invited or answering is told",
                response_schema=EVENT, signed_in=True, tag="events"),
    ApiEndpoint("events.rsvp", "PUT", _D + "/rsvp", rsvp,
                "Answer for a date: going (the waiting list when full), maybe or not going",
                request_schema=RSVP_BODY, response_schema=DATE, signed_in=True,
                tag="events"),
    ApiEndpoint("events.attendees", "GET", _D + "/attendees", attendees,
                "Who answered for a date, with the waiting list in order (organisers)",
                response_schema=ATTENDEES, signed_in=True, tag="events"),
    ApiEndpoint("events.check_in", "PUT", _D + "/checkins/{user_id}", check_in,
                "Check an attendee in (organisers)", response_schema=ATTENDEES,
                signed_in=True, tag="events"),
    ApiEndpoint("events.undo_check_in", "DELETE", _D + "/checkins/{user_id}", undo_check_in,
                "Take a check-in back (organisers)", response_schema=ATTENDEES,
                signed_in=True, tag="events"),
]
