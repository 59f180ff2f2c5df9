"""The follow-up space: once an event's first date is over, a topic in the event's category
for those who went (and the organisers and staff): materials, recording links and the talk
afterwards. It is a core topic governed by this plugin; the plugin's visibility filter keeps
it from everyone else (``governed_topics_for`` with :func:`followup_principals`), everywhere
the core lists topics (pages, search, feeds, the API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, union

from forum_core.api import (
    Topic,
    User,
    _,
    content_service,
    govern,
    lock_row,
    request_as,
    visible_topics,
)

from .models import GOING, Event, Occurrence, Organiser, Rsvp

PRINCIPAL_PREFIX = "events:followup:"
PLUGIN_ID = "events"


def followup_principals(session: Any, user_id: int) -> list[str]:
    """The member's principals: one per follow-up topic of an event they went to (answered
    going for a date) or organise."""
    went = (select(Event.followup_topic_id)
            .join(Occurrence, Occurrence.event_id == Event.topic_id)
            .join(Rsvp, Rsvp.occurrence_id == Occurrence.id)
            .where(Rsvp.user_id == user_id, Rsvp.answer == GOING,
                   Event.followup_topic_id.is_not(None)))
    runs = (select(Event.followup_topic_id)
            .join(Organiser, Organiser.event_id == Event.topic_id)
            .where(Organiser.user_id == user_id, Event.followup_topic_id.is_not(None)))
    return [f"{PRINCIPAL_PREFIX}{topic_id}"
            for (topic_id,) in session.execute(union(went, runs)) if topic_id is not None]


def open_followups(session: Any, now: dt.datetime) -> list[int]:
    """Open the follow-up of each event whose first date is over and that has none yet (not
    a cancelled one); returns the events it opened one for. Two workers at once open one
    each: the event's row is locked and looked at again first."""
    first_end = (select(Occurrence.event_id)
                 .where(Occurrence.ends_at <= now, Occurrence.cancelled.is_(False))
                 .group_by(Occurrence.event_id))
    due = list(session.scalars(select(Event.topic_id).join(Topic, Topic.id == Event.topic_id)
                               .where(Event.followup_topic_id.is_(None),
                                      Event.cancelled_at.is_(None), Topic.is_deleted.is_(False),
                                      Event.topic_id.in_(first_end))
                               .order_by(Event.topic_id).limit(50)))
    opened: list[int] = []
    for topic_id in due:
        lock_row(session, Event, topic_id)
        event = session.scalar(select(Event).where(Event.topic_id == topic_id)
                               .execution_options(populate_existing=True))
        if event is None or event.followup_topic_id is not None:
            continue
        organiser = session.scalar(select(User).join(
            Organiser, Organiser.user_id == User.id).where(
            Organiser.event_id == topic_id).order_by(Organiser.user_id).limit(1))
        author = organiser or session.get(User, event.topic.user_id)
        if author is None:
            continue
        try:
            localizer = request_as(session, author).localizer  # in the author's language
        except RuntimeError:  # no web application here (a command): in English
            localizer = None

        def say(message: Any, localizer: Any = localizer) -> str:
            return localizer.translate(message) if localizer is not None else str(message)

        title = say(_("Follow-up: ${title}", mapping={"title": event.topic.title}))
        body = say(_(
            "This space is for those who went to ${title}, and its organisers: share the "
            "slides, photos and recording links here, and talk about how it went.",
            mapping={"title": event.topic.title}))
        category = event.topic.category
        followup = content_service(session).create_topic(author, category, title[:200], body)
        govern(followup, PLUGIN_ID)
        event.followup_topic_id = followup.id
        session.flush()
        opened.append(topic_id)
    return opened


def visible_followup(session: Any, viewer: Any, event: Event) -> Topic | None:
    """The event's follow-up topic when the viewer may see it."""
    if event.followup_topic_id is None:
        return None
    return session.scalar(visible_topics(viewer).where(Topic.id == event.followup_topic_id))
