"""The e-mails about events, each with the event's .ics, and the reminder job.

Every e-mail to a member is written by a job as that member sees the forum then
(``request_as``): someone who cannot see the event (they left its group) gets nothing, and
the address and online link are in it only for confirmed attendees and organisers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from forum_core.api import (
    Job,
    JobContext,
    MailAttachment,
    Post,
    User,
    _,
    plain_text,
    request_as,
    send_mail,
    time_zone_of,
    utcnow,
    visible_posts,
)

from .followup import open_followups
from .ics import Entry, calendar
from .models import Event, Occurrence
from .services import MAIL_JOB, EventService

REMIND_JOB = "events.remind"
#: what each kind of e-mail says: subject, first line, and the .ics method
MESSAGES: dict[str, tuple[Any, Any, str]] = {
    "invited": (_("Invitation: ${title}"),
                _("${actor} invites you to ${title}. Answer on the event's page; the "
                  "attached file adds it to your calendar."), "REQUEST"),
    "changed": (_("Changed: ${title}"),
                _("The time or place of ${title} changed. The attached file updates your "
                  "calendar."), "REQUEST"),
    "cancelled": (_("Cancelled: ${title}"),
                  _("${title} is cancelled. The attached file takes it off your calendar."),
                  "CANCEL"),
    "promoted": (_("You are going: ${title}"),
                 _("A seat came free and you were next on the waiting list: you are going "
                   "to ${title}."), "REQUEST"),
    "reminder": (_("Reminder: ${title}"),
                 _("${title} starts soon."), "REQUEST"),
}


def host_of(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def entry_for(request: Any, viewer: Any, event: Event, with_place: bool,
              only: Occurrence | None = None) -> Entry:
    """The event as a calendar shows it to ``viewer``: its description is the opening post
    when the viewer may read it (a post moderators hid is no one's description)."""
    service = EventService(request.db)
    topic = event.topic
    first = request.db.scalar(visible_posts(viewer).where(Post.topic_id == topic.id,
                                                          Post.number == 1))
    url = request.route_url("content.topic", topic_id=topic.id, slug=topic.slug)
    return Entry(event, service.dates(event), topic.title,
                 plain_text(first.html) if first is not None else "", url, with_place,
                 request.registry.settings.get("forum.mail_from", ""), only)


def when_text(request: Any, event: Event, occurrence: Occurrence) -> str:
    """The date's start on the reader's clock, with their zone's name."""
    zone = time_zone_of(request.user, request.registry.settings)
    start = occurrence.starts_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M} ({zone.key})"


def mail_job(context: JobContext, event_id: int, what: str, user_ids: list[int],
             occurrence_id: int | None = None, actor_id: int | None = None) -> None:
    """E-mail ``user_ids`` about the event (``what``: a key of :data:`MESSAGES`)."""
    session = context.session
    event = session.get(Event, event_id)
    if event is None or what not in MESSAGES:
        return
    subject, first_line, method = MESSAGES[what]
    actor = session.get(User, actor_id) if actor_id else None
    service = EventService(session)
    occurrence = session.get(Occurrence, occurrence_id) if occurrence_id else None
    host = host_of(context.settings["forum.site_url"])
    for user in session.scalars(select(User).where(User.id.in_(user_ids))):
        if not user.email:
            continue
        request = request_as(session, user)
        if not service.sees(request.viewer, event):
            continue  # e.g. no longer in the group whose space the event is in
        date = occurrence or service.occurrence_of(event, None)
        if date is None:
            continue
        with_place = service.shows_place(request.viewer, event, date.id)
        only = occurrence if what == "cancelled" and occurrence is not None else None
        entry = entry_for(request, request.viewer, event, with_place, only)
        names = {"title": entry.title, "actor": actor.username if actor else ""}
        lines = [request.localizer.translate(_(first_line, mapping=names)), "",
                 entry.title, when_text(request, event, date)]
        if with_place:
            lines += [part for part in (event.location, event.online_url) if part]
        if date.note:
            lines.append(date.note)
        lines += ["", entry.url]
        ics = calendar([entry], host, method, attendee=(user.email, user.username))
        send_mail(request, user.email, _(subject, mapping=names), "\n".join(lines),
                  user.locale, attachments=[MailAttachment(
                      "event.ics", "text/calendar", ics, {"method": method})])


def remind_job(context: JobContext) -> None:
    """Every minute: the reminders a day and an hour before each date, each sent once; and
    the follow-up space of each event whose first date is over."""
    service = EventService(context.session)
    now = (context.scheduled_at or utcnow()).astimezone(dt.UTC)
    for occurrence_id, _which in service.due_reminders(now):
        service.remind(occurrence_id)
    open_followups(context.session, now)


def jobs() -> list[Job]:
    return [Job(MAIL_JOB, mail_job, retries=5, retry_delay=60.0),
            Job(REMIND_JOB, remind_job, schedule="* * * * *", timeout=600.0)]
