"""The event as a kind of content: searchable, filed under its first date (search's date
filter finds the events of a month), with its state; notifications point at it. Events are
topics, so feeds and the sitemap have them already as topics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forum_core.api import TopicRowType, _, time_zone

from .models import Event
from .times import to_utc

STATUS_LABELS = {"scheduled": _("Scheduled"), "cancelled": _("Cancelled")}


class EventType(TopicRowType):
    """An event: its title and description (the topic's first post), with its state."""

    name = "event"
    label = _("Events")
    item_label = _("Event")
    model = Event
    structured_data = "Event"
    statuses = tuple(STATUS_LABELS.items())

    def status_of(self, row: Event) -> str:
        return "cancelled" if row.cancelled_at is not None else "scheduled"

    def updated_at_of(self, row: Event) -> dt.datetime | None:
        return row.cancelled_at

    def dated_at_of(self, row: Event) -> dt.datetime | None:
        zone = time_zone(row.time_zone)
        return None if zone is None else to_utc(row.starts_local, zone, row.fold)

    def structured(self, request: Any, key: int) -> dict[str, Any] | None:
        """schema.org's Event: when, its state and how one attends; the place as the reader
        may see it (a visitor reads only the city's part the organiser made public: none),
        and no offers (the forum sells no tickets)."""
        from .services import EventService
        from .views import topic_path

        service = EventService(request.db)
        event = service.visible_event(request.viewer, key)
        date = None if event is None else service.occurrence_of(event, None)
        if event is None or date is None:
            return None
        topic = event.topic
        status = "EventCancelled" if event.cancelled_at or date.cancelled else (
            "EventRescheduled" if date.moved else "EventScheduled")
        place = service.shows_place(request.viewer, event, date.id)
        locations: list[dict[str, Any]] = []
        if event.online_url:
            locations.append({"@type": "VirtualLocation",
                              **({"url": event.online_url} if place else {})})
        if event.location:
            locations.append({"@type": "Place", "name": event.location} if place
                             else {"@type": "Place"})
        found: dict[str, Any] = {
            "@context": "https://schema.org", "@type": "Event", "name": topic.title,
            "url": request.application_url + topic_path(request, topic),
            "startDate": date.starts_at.isoformat(), "endDate": date.ends_at.isoformat(),
            "eventStatus": f"https://schema.org/{status}",
            "eventAttendanceMode": f"https://schema.org/{event.attendance_mode}",
            "organizer": [{"@type": "Person", "name": name}
                          for name in service.organiser_names(event)]}
        if locations:
            found["location"] = locations[0] if len(locations) == 1 else locations
        return found
