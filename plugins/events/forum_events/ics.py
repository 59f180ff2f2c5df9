"""iCalendar files (RFC 5545, written with ``icalendar``): the invitation e-mailed with
METHOD:REQUEST, its update (SEQUENCE raised) and its cancellation (METHOD:CANCEL), the
download on an event's page, and the calendar feeds.

An event is one VEVENT named by its UID, in the organiser's zone (with its VTIMEZONE), with
its RRULE for a recurring one; a cancelled date is an EXDATE and a moved date its own VEVENT
with the RECURRENCE-ID of the date it replaces. What only attendees see (the address and the
online link) is written only when ``with_place`` is set for the reader.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import icalendar

from forum_core.api import time_zone

from .models import MAX_OCCURRENCES, Event, Occurrence

PRODID = "-//forum//events//EN"


@dataclass(frozen=True)
class Entry:
    """One event as a calendar shows it to one reader."""

    event: Event
    dates: Sequence[Occurrence]
    title: str
    description: str
    url: str
    with_place: bool
    organiser: str = ""
    #: the one date the file is about (a cancelled date of a recurring event)
    only: Occurrence | None = None


def uid_of(event: Event, host: str) -> str:
    return f"event-{event.topic_id}@{host}"


def _zone(event: Event) -> zoneinfo.ZoneInfo:
    return time_zone(event.time_zone) or zoneinfo.ZoneInfo("UTC")


def _rule(event: Event, count: int) -> icalendar.vRecur | None:
    """The event's rule as calendars read it; one the forum cut short ends where the forum's
    dates end (COUNT), so that a calendar shows no date the forum does not have."""
    if not event.rrule:
        return None
    recur = icalendar.vRecur.from_ical(event.rrule)
    if event.rrule_capped or count >= MAX_OCCURRENCES:
        recur.pop("UNTIL", None)
        recur["COUNT"] = [count]
    elif "UNTIL" in recur:
        # kept on the organiser's clock; calendars want it in UTC beside a zoned DTSTART
        until = recur["UNTIL"][0]
        if isinstance(until, dt.datetime) and until.tzinfo is None:
            recur["UNTIL"] = [until.replace(tzinfo=_zone(event)).astimezone(dt.UTC)]
    return recur


def _vevent(entry: Entry, host: str, stamp: dt.datetime, cancelled: bool) -> list[Any]:
    event, zone = entry.event, _zone(entry.event)
    dates = sorted(entry.dates, key=lambda date: date.recurrence_id)
    if not dates:
        return []
    first = dates[0]
    length = dt.timedelta(minutes=event.duration_minutes)

    def base(component: icalendar.Event, start: dt.datetime, note: str = "") -> None:
        component.add("uid", uid_of(event, host))
        component.add("dtstamp", stamp)
        component.add("sequence", event.sequence)
        component.add("summary", entry.title)
        text = entry.description + (f"\n\n{note}" if note else "") + f"\n\n{entry.url}"
        component.add("description", text.strip())
        component.add("url", entry.url)
        component.add("dtstart", start.astimezone(zone))
        component.add("dtend", (start + length).astimezone(zone))
        if entry.with_place:
            place = ", ".join(part for part in (event.location, event.online_url) if part)
            if place:
                component.add("location", place)
            if event.online_url:
                component.add("conference", event.online_url, parameters={"VALUE": "URI"})
        if entry.organiser:
            component.add("organizer", f"mailto:{entry.organiser}")
        component.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    if entry.only is not None and event.rrule:
        # one date of a recurring event (cancelling it): that date alone, by its name
        single = icalendar.Event()
        base(single, entry.only.starts_at, entry.only.note)
        single.add("recurrence-id", entry.only.recurrence_id.astimezone(zone))
        return [single]
    master = icalendar.Event()
    base(master, first.recurrence_id if event.rrule else first.starts_at)
    components: list[Any] = [master]
    rule = _rule(event, len(dates))
    if rule is not None:
        master.add("rrule", rule)
        gone = [date.recurrence_id.astimezone(zone) for date in dates if date.cancelled]
        if gone:
            master.add("exdate", gone)
        for date in dates:
            if date.moved and not date.cancelled:
                moved = icalendar.Event()
                base(moved, date.starts_at, date.note)
                moved.add("recurrence-id", date.recurrence_id.astimezone(zone))
                components.append(moved)
    return components


def calendar(entries: Iterable[Entry], host: str, method: str = "PUBLISH",
             name: str = "", attendee: tuple[str, str] | None = None) -> str:
    """An iCalendar file of ``entries``. ``method``: PUBLISH for a download or a feed,
    REQUEST for an invitation or its update, CANCEL for a cancellation (each event then
    CANCELLED). ``attendee``: ``(address, name)`` of the reader an invitation is for."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for entry in entries:
        cancelled = method == "CANCEL" or entry.event.cancelled_at is not None \
            or (entry.only is not None and entry.only.cancelled)
        for component in _vevent(entry, host, stamp, cancelled):
            if attendee is not None:
                component.add("attendee", f"mailto:{attendee[0]}", parameters={
                    "CN": attendee[1], "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE",
                    "PARTSTAT": "NEEDS-ACTION"})
            cal.add_component(component)
    cal.add_missing_timezones()
    return cal.to_ical().decode()

