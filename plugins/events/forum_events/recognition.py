"""What going to events earns: the "attended" rule of the badges plugin's Attendee badge.

A member attended a date when an organiser checked them in, or when they answered "going"
and the date is over (many organisers never check anyone in); a cancelled date or event
counts for nobody. The service announces ``ContributionChanged("event", event id, member)``
whenever an answer or a check-in changes; a date coming to its end is seen by the badges
plugin's periodic re-check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forum_core.api import BadgeRule, ContributionChanged, Earned, Event, _, utcnow

from .models import GOING, Occurrence, Rsvp
from .models import Event as EventRow
from .services import TYPE_NAME


class Attended(BadgeRule):
    """Members who went to an event; the badge names the first one."""

    name = "events.attended"
    label = _("Went to an event")
    description = _("Attended an event")
    triggers = (ContributionChanged,)

    def members(self, session: Session, event: Event) -> Iterable[int]:
        if isinstance(event, ContributionChanged) and event.type_name == TYPE_NAME \
                and event.author_id is not None:
            return [event.author_id]
        return []

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        if not user_ids:
            return []
        rows = session.execute(
            select(Rsvp.user_id, func.min(Occurrence.event_id))
            .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
            .join(EventRow, EventRow.topic_id == Occurrence.event_id)
            .where(Rsvp.user_id.in_(list(user_ids)), Rsvp.answer == GOING,
                   Occurrence.cancelled.is_(False), EventRow.cancelled_at.is_(None),
                   or_(Rsvp.checked_in_at.is_not(None), Occurrence.ends_at <= utcnow()))
            .group_by(Rsvp.user_id))
        return [Earned(user_id, TYPE_NAME, event_id) for user_id, event_id in rows]
