"""The event as a kind of content: searchable, filed under its first date (search's date
filter finds the events of a month), with its state; notifications point at it. Events are
topics, so feeds and the sitemap have them already as topics."""

from __future__ import annotations

import datetime as dt

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
