"""The event pages; they all work without JavaScript."""

from __future__ import annotations

import calendar as month_grid
import datetime as dt
import zoneinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import (
    Category,
    ConflictError,
    IContentService,
    Markup,
    NotAllowedError,
    NotFoundError,
    Post,
    Topic,
    ValidationError,
    _,
    capability,
    keep_private,
    limits,
    member_viewer,
    parse_id,
    problem_page,
    public_viewer,
    send_mail,
    time_zone,
    time_zone_names,
    time_zone_of,
    utcnow,
    visible_categories,
)

from .followup import visible_followup
from .ics import calendar
from .importing import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_EVENTS,
    EventRefused,
    create_all,
    read_calendar,
)
from .mails import entry_for, host_of
from .models import (
    ANSWER_LABELS,
    ATTENDEE_VISIBILITY,
    ATTENDEE_VISIBILITY_LABELS,
    GOING,
    MAX_OCCURRENCES,
    MAYBE,
    REPEAT_LABELS,
    REPEATS,
    SHOW_EVERYONE,
    WAITING,
    Event,
    Feedback,
    Occurrence,
)
from .services import Details, EventService, can_organise_in
from .times import FORM_RULES, RepeatedTime, is_repeated, local_text, parse_local

FORM_FIELDS = ("title", "body", "category", "start_date", "start_time", "end_date",
               "end_time", "time_zone", "fold", "repeat", "repeat_count", "repeat_until",
               "rrule", "location", "online_url", "capacity", "rsvp_date", "rsvp_time",
               "attendee_visibility", "organisers")


def service_for(request) -> EventService:
    return EventService(request.db, request.find_service(IContentService))


def topic_path(request, topic: Topic) -> str:
    return request.route_path("content.topic", topic_id=topic.id, slug=topic.slug)


def viewer_zone(request) -> zoneinfo.ZoneInfo:
    return time_zone_of(request.user, request.registry.settings)


def _locale(request) -> Locale:
    return Locale.parse(request.locale_name)


def when(request, start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """"Tuesday 8 December 2026, 18:00 – 20:00 CET" on the clock of ``zone``."""
    locale = _locale(request)
    start, end = start.astimezone(zone), end.astimezone(zone)
    day = format_date(start.date(), "full", locale=locale)
    text = f"{day}, {format_time(start, 'short', locale=locale)} – "
    if end.date() != start.date():
        text += format_date(end.date(), "medium", locale=locale) + ", "
    return text + f"{format_time(end, 'short', locale=locale)} {start.tzname()}"


def moment_text(request, moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """"Tuesday 8 December 2026, 18:00 CET" on the clock of ``zone``."""
    locale = _locale(request)
    there = moment.astimezone(zone)
    return (f"{format_date(there.date(), 'full', locale=locale)}, "
            f"{format_time(there, 'short', locale=locale)} {there.tzname()}")


def _event_or_404(request, service: EventService) -> Event:
    event = service.find(request.viewer, request.matchdict.get("topic_id"))
    if event is None:
        raise HTTPNotFound()
    return event


def _date(request, service: EventService, event: Event, raw: Any) -> Occurrence | None:
    occurrence_id = parse_id(raw) if raw not in (None, "") else None
    if raw not in (None, "") and occurrence_id is None:
        return None
    return service.occurrence_of(event, occurrence_id)


def _posted_date(request) -> tuple[EventService, Event, Occurrence, str]:
    """For a form about one date of an event: the service, the event, the date the form
    names (404 for none of this event's) and the address to go back to."""
    service = service_for(request)
    event = _event_or_404(request, service)
    date = _date(request, service, event, request.POST.get("date"))
    if date is None:
        raise HTTPNotFound()
    return service, event, date, _back(request, event, date)


def refused(request, exc: ValidationError, back: str | None = None) -> Response:
    """The page for a refused change: 404, 403 or 409 as the error says, else 400."""
    status = 404 if isinstance(exc, NotFoundError) else 403 if isinstance(
        exc, NotAllowedError) else 409 if isinstance(exc, ConflictError) else 400
    request.tm.doom()  # whatever the refused change wrote before it was refused goes
    return problem_page(request, exc.message, status=status, back=back)


def _organiser_only(request, service: EventService, event: Event) -> None:
    if not service.is_organiser(request.viewer, event):
        raise HTTPForbidden()


def _organised(request) -> tuple[EventService, Event]:
    """The service and the event of the address, for its organisers only (404 for an event
    the reader may not see, 403 for one they do not organise)."""
    service = service_for(request)
    event = _event_or_404(request, service)
    _organiser_only(request, service, event)
    return service, event


# -- the event box on the topic page -------------------------------------------------------

def event_box(request, topic: Topic) -> Markup | None:
    service = EventService(request.db)
    event = service.visible_event(request.viewer, topic.id)
    if event is None:
        return None
    # a ?date= that names no date of this event shows its next one, as without it
    occurrence = _date(request, service, event, request.GET.get("date")) \
        or service.occurrence_of(event, None)
    if occurrence is None:
        return None
    return Markup(render("events/_box.html", box_values(request, service, event, occurrence),
                         request))


def box_values(request, service: EventService, event: Event, occurrence: Occurrence) -> dict:
    viewer, user = request.viewer, request.user
    zone = viewer_zone(request)
    own = time_zone(event.time_zone) or zoneinfo.ZoneInfo("UTC")
    is_organiser = service.is_organiser(viewer, event)
    dates = service.dates(event)
    mine = service.answers_of(user, [occurrence.id]).get(occurrence.id) if user else None
    now = utcnow()
    shows_attendees = service.shows_attendees(viewer, event, occurrence.id)
    over = occurrence.ends_at <= now
    feedback = None
    if user is not None and over and mine == GOING:
        feedback = request.db.get(Feedback, (occurrence.id, user.id))
    results = service.feedback_summary(occurrence.id) if is_organiser and over else None
    groups = capability(request, "groups")
    followup = visible_followup(request.db, viewer, event)
    return {
        "followup": followup,
        "followup_path": topic_path(request, followup) if followup else None,
        "event": event, "topic": event.topic, "date": occurrence, "dates": dates,
        "upcoming_dates": [date for date in dates if date.ends_at > now][:12],
        "when_text": when(request, occurrence.starts_at, occurrence.ends_at, zone),
        "own_when": (when(request, occurrence.starts_at, occurrence.ends_at, own)
                     if own.key != zone.key else ""),
        "zone": zone.key, "own_zone": own.key, "own_tz": own,
        "date_when": {date.id: when(request, date.starts_at, date.ends_at, zone)
                      for date in dates},
        "mine": mine, "labels": {key: request.translate(label)
                                 for key, label in ANSWER_LABELS.items()},
        "place": service.shows_place(viewer, event, occurrence.id),
        "waiting_place": (service.waiting_place(user, occurrence.id)
                          if mine == WAITING and user else None),
        "open": now < service.answers_close(event, occurrence) and not occurrence.cancelled
        and event.cancelled_at is None,
        "closes": moment_text(request, service.answers_close(event, occurrence), zone)
        if event.rsvp_close_minutes else "",
        "going": service.attendees(occurrence.id) if shows_attendees else [],
        "maybe": service.attendees(occurrence.id, (MAYBE,)) if shows_attendees else [],
        "waiting_count": service.waiting_counts([occurrence.id]).get(occurrence.id, 0),
        "shows_attendees": shows_attendees,
        "is_organiser": is_organiser, "over": over, "feedback": feedback,
        "results": results, "group_names": groups.group_names(request.db) if groups and
        is_organiser else {},
        "max_dates": MAX_OCCURRENCES, "signed_in": user is not None,
        "login_path": request.route_path("accounts.login", _query={
            "next": topic_path(request, event.topic)}),
    }


# -- lists and calendars -------------------------------------------------------------------

def _rows(request, rows) -> list[dict]:
    zone = viewer_zone(request)
    return [{"date": occurrence, "event": event, "topic": topic,
             "path": topic_path(request, topic) + (
                 f"?date={occurrence.id}" if event.rrule else ""),
             "when": when(request, occurrence.starts_at, occurrence.ends_at, zone),
             "answer": "", "more": 0}
            for occurrence, event, topic, *_rest in rows]


def _creatable(request) -> list[Category]:
    return [category for category in request.db.scalars(
        visible_categories(request.viewer).order_by(Category.position, Category.name))
        if can_organise_in(request.viewer, category)]


@view_config(route_name="events.index", renderer="events/index.html")
def index(request):
    """Events to come, soonest first: each once, at its next date (a weekly event would
    fill the page), with how many more dates it has."""
    service = EventService(request.db)
    rows = service.upcoming(request.viewer, utcnow(), limit=500)
    later: dict[int, int] = {}
    first = []
    for row in rows:
        event_id = row[1].topic_id
        if event_id in later:
            later[event_id] += 1
        else:
            later[event_id] = 0
            first.append(row)
    entries = _rows(request, first[:100])
    for entry in entries:
        entry["more"] = later[entry["event"].topic_id]
    return {"rows": entries, "zone": viewer_zone(request).key,
            "can_create": bool(request.user) and bool(_creatable(request))}


def _month(raw: str) -> tuple[int, int] | None:
    try:
        year, month = (int(part) for part in raw.split("-"))
    except ValueError:
        return None
    if not 1970 <= year <= 9000 or not 1 <= month <= 12:
        return None
    return year, month


@view_config(route_name="events.month", renderer="events/month.html")
def month(request):
    """A month on the reader's clock, a week a row, each day with its events."""
    zone = viewer_zone(request)
    today = utcnow().astimezone(zone).date()
    raw = request.GET.get("m", "")
    chosen = _month(raw[:10]) if raw else (today.year, today.month)
    if chosen is None:
        return problem_page(request, _("Give the month as YYYY-MM, such as 2026-12."),
                            back=request.route_path("events.month"))
    year, number = chosen
    first = dt.datetime(year, number, 1, tzinfo=zone)
    last_day = month_grid.monthrange(year, number)[1]
    end = first + dt.timedelta(days=last_day)
    rows = EventService(request.db).between(request.viewer, first.astimezone(dt.UTC),
                                            end.astimezone(dt.UTC))
    by_day: dict[dt.date, list[dict]] = {}
    for row in _rows(request, rows):
        local = row["date"].starts_at.astimezone(zone)
        row["time"] = format_time(local, "short", locale=_locale(request))
        by_day.setdefault(local.date(), []).append(row)
    weeks = month_grid.Calendar(firstweekday=_locale(request).first_week_day) \
        .monthdatescalendar(year, number)
    previous = (first - dt.timedelta(days=1))
    following = end
    locale = _locale(request)
    return {"weeks": weeks, "by_day": by_day, "month_name": format_date(
                dt.date(year, number, 1), "LLLL y", locale=locale),
            "month_number": number, "today": today, "zone": zone.key,
            "can_create": bool(request.user) and bool(_creatable(request)),
            "weekdays": [locale.days["format"]["abbreviated"][(locale.first_week_day + i) % 7]
                         for i in range(7)],
            "previous": f"{previous.year:04d}-{previous.month:02d}",
            "following": f"{following.year:04d}-{following.month:02d}"}


@view_config(route_name="events.mine", renderer="events/mine.html")
def mine(request):
    if request.user is None:
        raise HTTPForbidden()
    keep_private(request)
    service = EventService(request.db)
    rows = service.mine(request.viewer, utcnow())
    entries = _rows(request, rows)
    for entry, row in zip(entries, rows, strict=True):
        entry["answer"] = row[3]
    return {"rows": entries, "labels": {key: request.translate(label)
                                        for key, label in ANSWER_LABELS.items()},
            "has_feed": service.has_feed(request.user), "feed_url": None,
            "zone": viewer_zone(request).key}


@view_config(route_name="events.feed_settings", request_method="POST",
             renderer="events/mine.html")
def feed_settings(request):
    """A new secret address for the member's feed (the old one stops), or none."""
    if request.user is None:
        raise HTTPForbidden()
    keep_private(request)
    service = EventService(request.db)
    if request.POST.get("action") == "revoke":
        service.revoke_feed(request.user)
        return HTTPSeeOther(request.route_path("events.mine"))
    token = service.new_feed_token(request.user)
    values = mine(request)
    values["has_feed"] = True
    values["feed_url"] = request.route_url("events.member_feed", token=token)
    return values


# -- creating and changing -----------------------------------------------------------------

def _form_values(request, event: Event | None = None) -> dict[str, str]:
    if request.method == "POST":
        return {name: request.POST.get(name, "")[:limits.FORM_FIELD_MAX].strip()
                if name != "body" else request.POST.get(name, "")[:limits.FORM_FIELD_MAX]
                for name in FORM_FIELDS}
    zone = viewer_zone(request)
    if event is None:
        start = (utcnow().astimezone(zone) + dt.timedelta(days=7)).replace(
            hour=18, minute=0, second=0, microsecond=0)
        return {"title": "", "body": "", "category": request.GET.get("category", "")[:80],
                "start_date": f"{start:%Y-%m-%d}", "start_time": "18:00",
                "end_date": f"{start:%Y-%m-%d}", "end_time": "20:00", "time_zone": zone.key,
                "fold": "", "repeat": "", "repeat_count": "", "repeat_until": "",
                "rrule": "", "location": "", "online_url": "", "capacity": "",
                "rsvp_date": "", "rsvp_time": "", "attendee_visibility": SHOW_EVERYONE,
                "organisers": ""}
    own = time_zone(event.time_zone) or zoneinfo.ZoneInfo("UTC")
    end = event.starts_local.replace(tzinfo=own, fold=event.fold) + dt.timedelta(
        minutes=event.duration_minutes)
    end_text = local_text(end, own)
    deadline = ""
    if event.rsvp_close_minutes:
        deadline = local_text(event.starts_local.replace(tzinfo=own, fold=event.fold)
                              - dt.timedelta(minutes=event.rsvp_close_minutes), own)
    first = request.db.scalar(select(Post.source).where(Post.topic_id == event.topic_id,
                                                        Post.number == 1))
    names = EventService(request.db).organiser_names(event)
    repeat = ""
    if event.rrule:
        repeat = next((key for key, rule in FORM_RULES.items() if event.rrule == rule),
                      "custom")
    return {"title": event.topic.title, "body": first or "", "category": "",
            "start_date": f"{event.starts_local:%Y-%m-%d}",
            "start_time": f"{event.starts_local:%H:%M}",
            "end_date": end_text[:10], "end_time": end_text[11:], "time_zone": own.key,
            # asked again only where the clock shows the start twice
            "fold": str(event.fold) if is_repeated(event.starts_local, own) else "",
            "repeat": repeat, "repeat_count": "",
            "repeat_until": "", "rrule": event.rrule if repeat == "custom" else "",
            "location": event.location, "online_url": event.online_url,
            "capacity": "" if event.capacity is None else str(event.capacity),
            "rsvp_date": deadline[:10], "rsvp_time": deadline[11:],
            "attendee_visibility": event.attendee_visibility,
            "organisers": ", ".join(names)}


def details_of(values: dict[str, str]) -> Details:
    """The form's fields as :class:`Details`; refuses what is not a date, a number or a
    choice, saying which."""
    starts = parse_local(values["start_date"], values["start_time"])
    ends = parse_local(values["end_date"] or values["start_date"], values["end_time"])
    repeat = values["repeat"]
    if repeat not in (*REPEATS, "custom"):
        raise ValidationError(_("Choose how the event repeats from the list."))
    rule = values["rrule"] if repeat == "custom" else FORM_RULES.get(repeat, "")
    if repeat in FORM_RULES:
        if values["repeat_count"]:
            count = parse_id(values["repeat_count"], MAX_OCCURRENCES)
            if not count:
                raise ValidationError(_("Repeat it from 1 to ${maximum} times.",
                                        mapping={"maximum": MAX_OCCURRENCES}))
            rule += f";COUNT={count}"
        elif values["repeat_until"]:
            until = parse_local(values["repeat_until"], "23:59")
            rule += f";UNTIL={until:%Y%m%dT%H%M%S}"
    capacity = None
    if values["capacity"]:
        capacity = parse_id(values["capacity"])
        if capacity is None:
            raise ValidationError(_("The number of seats is a whole number, or empty for no "
                                    "limit."))
    deadline = None
    if values["rsvp_date"]:
        deadline = parse_local(values["rsvp_date"], values["rsvp_time"] or "23:59")
    fold = {"0": 0, "1": 1}.get(values["fold"])
    return Details(
        title=values["title"], body=values["body"], starts_local=starts, ends_local=ends,
        zone=values["time_zone"], fold=fold, rule=rule, location=values["location"],
        online_url=values["online_url"], capacity=capacity, rsvp_deadline_local=deadline,
        attendee_visibility=values["attendee_visibility"],
        organisers=[name for name in values["organisers"].replace(";", ",").split(",")][:50])


def _form_page(request, values: dict, categories, event: Event | None,
               error: ValidationError | ConflictError | None = None) -> dict:
    """The event form; "which 02:30" is asked when the start is a time the clock shows
    twice (and kept once answered)."""
    return {"values": values, "categories": categories, "event": event,
            "error": request.translate(error.message) if error is not None else None,
            "needs_fold": isinstance(error, RepeatedTime) or values.get("fold") in ("0", "1"),
            "time_zones": time_zone_names(), "repeat_labels": REPEAT_LABELS,
            "visibility_labels": ATTENDEE_VISIBILITY_LABELS, "visibilities": ATTENDEE_VISIBILITY,
            "max_dates": MAX_OCCURRENCES}


@view_config(route_name="events.new", renderer="events/form.html")
def new_event(request):
    if request.user is None:
        raise HTTPForbidden()
    categories = _creatable(request)
    if not categories:
        return problem_page(request, _("There is no category where you may create an "
                                       "event."), status=403)
    values = _form_values(request)
    if request.method != "POST":
        return _form_page(request, values, categories, None)
    category = next((category for category in categories
                     if category.slug == values["category"]), None)
    try:
        if category is None:
            raise ValidationError(_("Choose a category for the event from the list."))
        event = service_for(request).create(request.user, category, details_of(values))
    except ValidationError as exc:
        request.response.status = 400
        return _form_page(request, values, categories, None, exc)
    return HTTPSeeOther(topic_path(request, event.topic))


@view_config(route_name="events.import", renderer="events/import.html")
def import_events(request):
    """Events from an .ics file, into a category the member may create events in."""
    if request.user is None:
        raise HTTPForbidden()
    categories = _creatable(request)
    values = {"category": request.params.get("category", "")[:80],
              "time_zone": request.params.get("time_zone", "")[:64] or viewer_zone(request).key}
    result = {"categories": categories, "values": values, "time_zones": time_zone_names(),
              "error": None, "made": [], "max_kb": IMPORT_MAX_BYTES // 1024,
              "max_events": IMPORT_MAX_EVENTS}
    if request.method != "POST":
        return result
    upload = request.POST.get("file")
    category = next((category for category in categories
                     if category.slug == values["category"]), None)
    try:
        if category is None:
            raise ValidationError(_("Choose a category for the events from the list."))
        if getattr(upload, "file", None) is None:
            raise ValidationError(_("Choose an .ics file to import."))
        data = upload.file.read(IMPORT_MAX_BYTES + 1)
        made = create_all(service_for(request), request.user, category,
                          read_calendar(data, values["time_zone"]))
    except EventRefused as exc:
        request.tm.doom()
        request.response.status = 400
        return {**result, "error": request.translate(_(
            "Event ${number} (${title}): ${reason}", mapping={
                "number": exc.number, "title": exc.title[:80] or "?",
                "reason": request.translate(exc.reason)}))}
    except ValidationError as exc:
        request.tm.doom()
        request.response.status = 400
        return {**result, "error": request.translate(exc.message)}
    return {**result, "made": [(event.topic.title, topic_path(request, event.topic))
                               for event in made]}


@view_config(route_name="events.edit", renderer="events/form.html")
def edit_event(request):
    service, event = _organised(request)
    values = _form_values(request, event)
    if request.method != "POST":
        return _form_page(request, values, [], event)
    try:
        service.update(request.user, event, details_of(values))
    except (ValidationError, ConflictError) as exc:
        request.response.status = 400 if isinstance(exc, ValidationError) else 409
        return _form_page(request, values, [], event, exc)
    return HTTPSeeOther(topic_path(request, event.topic))


def _back(request, event: Event, date: Occurrence | None = None) -> str:
    path = topic_path(request, event.topic)
    return path + (f"?date={date.id}" if date is not None and event.rrule else "")


@view_config(route_name="events.rsvp", request_method="POST")
def rsvp(request):
    service, _event, date, back = _posted_date(request)
    if request.user is None:
        return problem_page(request, _("Sign in to answer."), status=403, back=back)
    try:
        service.answer(request.user, date.id, request.POST.get("answer", "")[:20])
    except ValidationError as exc:
        return refused(request, exc, back=back)
    return HTTPSeeOther(back + "#event")


@view_config(route_name="events.cancel", request_method="POST")
def cancel(request):
    service, event = _organised(request)
    if request.POST.get("confirm") != "yes":
        return problem_page(request, _("Tick the box to confirm that the event is cancelled."),
                            back=_back(request, event))
    service.cancel(request.user, event)
    return HTTPSeeOther(_back(request, event))


@view_config(route_name="events.date", request_method="POST")
def change_date(request):
    """Cancel or move one date of the event."""
    service, event, date, back = _posted_date(request)
    _organiser_only(request, service, event)
    try:
        if request.POST.get("action") == "cancel":
            service.cancel_date(request.user, date)
        else:
            fold = {"0": 0, "1": 1}.get(request.POST.get("fold", ""))
            service.move_date(request.user, date,
                              parse_local(request.POST.get("start_date", "")[:20],
                                          request.POST.get("start_time", "")[:20]),
                              fold, request.POST.get("note", "")[:limits.FORM_FIELD_MAX])
    except ValidationError as exc:
        return refused(request, exc, back=back)
    return HTTPSeeOther(back)


@view_config(route_name="events.invite", request_method="POST")
def invite(request):
    service, event = _organised(request)
    back = _back(request, event)
    names = request.POST.get("usernames", "")[:limits.FORM_FIELD_MAX].replace(";", ",")
    addresses = request.POST.get("emails", "")[:limits.FORM_FIELD_MAX]
    group = request.POST.get("group", "")
    group_id = parse_id(group) if group else None
    if group and group_id is None:
        return problem_page(request, _("There is no such group."), back=back)
    try:
        new, made = service.invite(
            request.user, event, lambda user: member_viewer(request, user),
            names.split(","), group_id,
            addresses.replace(";", ",").replace("\n", ",").split(","),
            service.sees(public_viewer(request), event))
    except ValidationError as exc:
        return refused(request, exc, back=back)
    for address, token in made:
        link = request.route_url("events.invitation", token=token)
        send_mail(request, address, _("Invitation: ${title}", mapping={
            "title": event.topic.title}), request.localizer.translate(_(
                "${actor} invites you to ${title}. Open this link to see the event and "
                "answer; you can make an account there if you have none:\n\n${link}",
                mapping={"actor": request.user.username, "title": event.topic.title,
                         "link": link})))
    return HTTPSeeOther(back + f"?invited={len(new) + len(made)}#event-invite-status")


@view_config(route_name="events.checkin", renderer="events/checkin.html")
def checkin(request):
    """The organisers' check-in list for a date: a search box and a button per attendee;
    made for a phone at the door."""
    service, event = _organised(request)
    keep_private(request)
    date = _date(request, service, event, request.params.get("date"))
    if date is None:
        raise HTTPNotFound()
    query = request.params.get("q", "")[:60]
    if request.method == "POST":
        user_id = parse_id(request.POST.get("user_id"))
        try:
            if user_id is None:
                raise ValidationError(_("Choose whom to check in."))
            service.check_in(date, user_id, undo=request.POST.get("action") == "undo")
        except ValidationError as exc:
            return refused(request, exc, back=request.route_path("events.checkin",
                                                        topic_id=event.topic_id))
        return HTTPSeeOther(request.route_path("events.checkin", topic_id=event.topic_id,
                                               _query={"date": date.id, "q": query}))
    going = service.attendees(date.id, (GOING,), query)
    checked, total = service.checked_in(date.id)
    return {"event": event, "topic": event.topic, "date": date, "attendees": going,
            "query": query, "checked": checked, "total": total, "back": _back(request, event, date),
            "when_text": when(request, date.starts_at, date.ends_at, viewer_zone(request))}


@view_config(route_name="events.feedback", request_method="POST")
def feedback(request):
    service, _event, date, back = _posted_date(request)
    if request.user is None:
        return problem_page(request, _("Sign in to give feedback."), status=403, back=back)
    try:
        rating = parse_id(request.POST.get("rating"), 5)
        if rating is None:
            raise ValidationError(_("Give a rating from 1 to 5."))
        service.give_feedback(request.user, date, rating,
                              request.POST.get("comment", "")[:limits.FORM_FIELD_MAX])
    except ValidationError as exc:
        return refused(request, exc, back=back)
    return HTTPSeeOther(back + "#event-feedback")


# -- calendar files ------------------------------------------------------------------------

def _uid_host(request) -> str:
    """The host in the events' UIDs: the forum's address (``forum.site_url``), as in its
    e-mails, so a calendar that has the event from both knows it is one event."""
    return host_of(request.registry.settings["forum.site_url"])


def _ics_response(request, text: str, name: str) -> Response:
    response = Response(text, content_type="text/calendar", charset="utf-8")
    response.content_disposition = f'attachment; filename="{name}"'
    keep_private(request)
    return response


@view_config(route_name="events.ics")
def event_ics(request):
    service = service_for(request)
    event = _event_or_404(request, service)
    date = service.occurrence_of(event, None)
    with_place = date is not None and service.shows_place(request.viewer, event, date.id)
    text = calendar([entry_for(request, request.viewer, event, with_place)], _uid_host(request))
    return _ics_response(request, text, f"event-{event.topic_id}.ics")


def _feed(request, viewer, rows, name: str) -> Response:
    service = service_for(request)
    events: dict[int, Event] = {}
    for _occurrence, event, _topic, *_rest in rows:
        events.setdefault(event.topic_id, event)
    entries = []
    for event in events.values():
        date = service.occurrence_of(event, None)
        with_place = date is not None and service.shows_place(viewer, event, date.id)
        entries.append(entry_for(request, viewer, event, with_place))
    return _ics_response(request, calendar(entries, _uid_host(request), name=name),
                         "events.ics")


@view_config(route_name="events.category_feed")
def category_feed(request):
    """The events of a category the reader may see (a group's space: its members)."""
    slug = request.matchdict["slug"][:limits.SLUG_MAX]
    category = request.db.scalar(visible_categories(request.viewer)
                                 .where(Category.slug == slug))
    if category is None:
        raise HTTPNotFound()
    since = utcnow() - dt.timedelta(days=90)
    rows = service_for(request).upcoming(request.viewer, since, limit=500,
                                         category_ids=[category.id])
    return _feed(request, request.viewer, rows, category.name)


@view_config(route_name="events.member_feed")
def member_feed(request):
    """A member's own events, for a calendar program: the secret address stands for the
    member, and what it lists is what they may see now."""
    service = service_for(request)
    owner = service.feed_owner(request.matchdict["token"])
    if owner is None:
        raise HTTPNotFound()
    viewer = member_viewer(request, owner)
    rows = service.mine(viewer, utcnow() - dt.timedelta(days=90), limit=500)
    return _feed(request, viewer, rows, request.localizer.translate(_("My events")))


# -- invitations by e-mail -----------------------------------------------------------------

@view_config(route_name="events.invitation", renderer="events/invitation.html")
def invitation(request):
    """The link of an invitation by e-mail: the event, and a way in (sign in or make an
    account); once signed in, the invitation becomes the member's."""
    keep_private(request)
    service = service_for(request)
    found = service.invitation_by_token(request.matchdict["token"])
    event = None if found is None else service.visible_event(public_viewer(request),
                                                             found.event_id)
    if found is None or event is None:
        return problem_page(request, _("This invitation link is not valid (any more)."),
                            status=404)
    if request.user is not None and request.method == "POST":
        service.accept_invitation(found, request.user)
        return HTTPSeeOther(topic_path(request, event.topic))
    here = request.route_path("events.invitation", token=request.matchdict["token"])
    date = service.occurrence_of(event, None)
    return {"event": event, "topic": event.topic,
            "when_text": when(request, date.starts_at, date.ends_at, viewer_zone(request))
            if date else "",
            "register_path": request.route_path("accounts.register", _query={"next": here}),
            "login_path": request.route_path("accounts.login", _query={"next": here})}
