"""Events from an .ics file (a calendar program's export): each VEVENT becomes an event.

A file is read as untrusted: at most :data:`IMPORT_MAX_BYTES` and :data:`IMPORT_MAX_EVENTS`
events, every field checked as the form checks it (titles, rules, links, times and their
zones), the description cooked as a post (so markup in it is shown, never run). Every event is
checked before any is made; one bad event refuses the file, naming the event.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import icalendar

from forum_core.api import ValidationError, _, time_zone

from .services import Details

IMPORT_MAX_BYTES = 256 * 1024
IMPORT_MAX_EVENTS = 50
_TEXT_MAX = 30_000


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):  # a property given more than once: the first
        value = value[0]
    return str(value).replace("\r\n", "\n").replace("\r", "\n")[:_TEXT_MAX]


def _local(value: Any, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, str]:
    """A DTSTART/DTEND as a wall-clock time and its zone's name: a zoned time keeps its
    zone when the forum knows it (else it is moved to ``zone``), UTC and floating times are
    read on ``zone``'s clock, a day starts at midnight."""
    moment = getattr(value, "dt", value)
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            return moment.replace(second=0, microsecond=0), zone.key
        key = getattr(moment.tzinfo, "key", None)
        known = time_zone(key) if key else None
        if known is not None and key != "UTC":
            return moment.replace(tzinfo=None, second=0, microsecond=0), known.key
        there = moment.astimezone(zone)
        return there.replace(tzinfo=None, second=0, microsecond=0), zone.key
    if isinstance(moment, dt.date):
        return dt.datetime.combine(moment, dt.time()), zone.key
    raise ValueError("not a time")


def read_calendar(data: bytes, zone_name: str) -> list[Details]:
    """The events of an .ics file as :class:`Details` (checked further by the service);
    refuses a file that is too large, not iCalendar, or holds no or too many events."""
    zone = time_zone(zone_name)
    if zone is None:
        raise ValidationError(_("Choose the time zone for times without one from the list."))
    if len(data) > IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is larger than ${size} KB.",
                                mapping={"size": IMPORT_MAX_BYTES // 1024}))
    try:
        text = data.decode("utf-8-sig")
        calendar = icalendar.Calendar.from_ical(text)
        events = [component for component in calendar.walk("VEVENT")]
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError, RecursionError,
            AttributeError):
        raise ValidationError(_("This is not an iCalendar (.ics) file the forum can "
                                "read.")) from None
    if not events:
        raise ValidationError(_("The file holds no event."))
    if len(events) > IMPORT_MAX_EVENTS:
        raise ValidationError(_("The file holds more than ${maximum} events; import at "
                                "most ${maximum} at a time.",
                                mapping={"maximum": IMPORT_MAX_EVENTS}))
    found: list[Details] = []
    for number, component in enumerate(events, start=1):
        title = " ".join(_text(component, "SUMMARY").split())
        try:
            if component.get("DTSTART") is None:
                raise ValueError("no start")
            starts, own = _local(component.get("DTSTART"), zone)
            if component.get("DTEND") is not None:
                ends, _zone = _local(component.get("DTEND"), time_zone(own) or zone)
            elif component.get("DURATION") is not None:
                ends = starts + component.get("DURATION").dt
            elif isinstance(getattr(component.get("DTSTART"), "dt", None), dt.datetime):
                ends = starts + dt.timedelta(hours=1)
            else:
                ends = starts + dt.timedelta(days=1)
            rule = component.get("RRULE")
            rule_text = rule.to_ical().decode() if rule is not None else ""
        except (ValueError, TypeError, AttributeError, OverflowError):
            raise ValidationError(_("Event ${number} (${title}) has no start or end the forum "
                                    "can read.",
                                    mapping={"number": number, "title": title[:80]})) from None
        url = _text(component, "URL").strip()
        body = _text(component, "DESCRIPTION").strip() or title
        found.append(Details(
            title=title, body=body, starts_local=starts, ends_local=ends, zone=own,
            rule=rule_text, location=" ".join(_text(component, "LOCATION").split()),
            online_url=url if url.lower().startswith(("https://", "http://")) else ""))
    return found


class EventRefused(ValidationError):
    """One event of an imported file was refused: ``number`` and ``title`` say which, and
    ``reason`` why (a translation string of its own)."""

    def __init__(self, number: int, title: str, reason: Any) -> None:
        super().__init__(_("Event ${number} (${title}): ${reason}", mapping={
            "number": number, "title": title[:80] or "?", "reason": reason}))
        self.number, self.title, self.reason = number, title, reason


def create_all(service: Any, author: Any, category: Any, details: Sequence[Details],
               ) -> list[Any]:
    """Make every event of the file, or none: the first refusal stops it (the caller's
    transaction is then dropped) and says which event it was."""
    made = []
    for number, event in enumerate(details, start=1):
        try:
            made.append(service.create(author, category, replace(event)))
        except ValidationError as exc:
            raise EventRefused(number, event.title, exc.message) from None
    return made
