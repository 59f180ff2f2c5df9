"""The events plugin's tables; their names start with 'events_'.

An event is a core topic (its first post describes it, replies discuss it) plus a row of
:class:`Event`: when, where, how many. Its dates are :class:`Occurrence` rows, one for a
single event and one per date of a recurring one (at most :data:`MAX_OCCURRENCES`), kept in
UTC for lists, calendars and reminders while the event keeps the organiser's wall-clock time
and zone, from which they are worked out again after every change. Members answer per
occurrence (:class:`Rsvp`); the waiting list is the answers "waiting" in ``position`` order.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum_core.api import Base, Topic, User, _, utcnow

#: the answers a member gives; "waiting" is given by the forum when the event is full
GOING = "going"
MAYBE = "maybe"
NOT_GOING = "not_going"
WAITING = "waiting"
ANSWERS = (GOING, MAYBE, NOT_GOING)
ANSWER_LABELS = {GOING: _("Going"), MAYBE: _("Maybe"), NOT_GOING: _("Not going"),
                 WAITING: _("On the waiting list")}

#: who sees the list of attendees
SHOW_EVERYONE = "everyone"
SHOW_ATTENDEES = "attendees"
SHOW_ORGANISERS = "organisers"
ATTENDEE_VISIBILITY = (SHOW_EVERYONE, SHOW_ATTENDEES, SHOW_ORGANISERS)
ATTENDEE_VISIBILITY_LABELS = {
    SHOW_EVERYONE: _("Everyone who sees the event"),
    SHOW_ATTENDEES: _("Attendees and organisers"),
    SHOW_ORGANISERS: _("Organisers only"),
}

#: how a recurring event repeats (the form's choices; the API and imports take an RRULE)
REPEATS = ("", "daily", "weekly", "monthly")
REPEAT_LABELS = {"": _("Does not repeat"), "daily": _("Every day"),
                 "weekly": _("Every week"), "monthly": _("Every month")}
#: a recurring event has at most this many dates; a rule that makes more is cut there
MAX_OCCURRENCES = 100


class Event(Base):
    """The event side of a topic: the organiser's time, place and rules."""

    __tablename__ = "events_events"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    #: the IANA zone the organiser gave the times in
    time_zone: Mapped[str] = mapped_column(String(64))
    #: the first start, on the organiser's clock (no zone), and which of two equal clock
    #: times it is when the clock goes back (0: the first, 1: the second)
    starts_local: Mapped[dt.datetime] = mapped_column(DateTime)
    fold: Mapped[int] = mapped_column(default=0)
    duration_minutes: Mapped[int] = mapped_column()
    #: RFC 5545 recurrence rule without DTSTART ("FREQ=WEEKLY;COUNT=10"); empty: one date
    rrule: Mapped[str] = mapped_column(Text, default="")
    #: the rule made more dates than are kept (:data:`MAX_OCCURRENCES`)
    rrule_capped: Mapped[bool] = mapped_column(default=False)
    #: where: an address and/or an online link, shown to confirmed attendees and organisers
    location: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(Text, default="")
    #: seats per date (None: no limit)
    capacity: Mapped[int | None] = mapped_column(default=None)
    #: answers close this many minutes before each date starts (None: when it starts)
    rsvp_close_minutes: Mapped[int | None] = mapped_column(default=None)
    attendee_visibility: Mapped[str] = mapped_column(String(20), default=SHOW_EVERYONE)
    #: iCalendar SEQUENCE: raised whenever the time or the place changes or it is cancelled
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the attendees-only topic opened after the first date (materials, recordings)
    followup_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), default=None)

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])

    @property
    def attendance_mode(self) -> str:
        """schema.org's eventAttendanceMode, without its prefix."""
        if self.online_url and self.location:
            return "MixedEventAttendanceMode"
        return "OnlineEventAttendanceMode" if self.online_url else "OfflineEventAttendanceMode"


class Organiser(Base):
    """A member who runs the event: edits it, invites, checks in, reads the feedback."""

    __tablename__ = "events_organisers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events_events.topic_id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Occurrence(Base):
    """One date of an event, in UTC."""

    __tablename__ = "events_occurrences"
    __table_args__ = (
        UniqueConstraint("event_id", "recurrence_id"),
        # the calendars and the reminders: by start
        Index("ix_events_occurrences_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events_events.topic_id", ondelete="CASCADE"), index=True)
    #: the start the rule gave this date (iCalendar RECURRENCE-ID); it names the date even
    #: after the date itself is moved
    recurrence_id: Mapped[dt.datetime] = mapped_column()
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    #: moved by an organiser away from what the rule gives (kept when the rule changes)
    moved: Mapped[bool] = mapped_column(default=False)
    cancelled: Mapped[bool] = mapped_column(default=False)
    #: a note for this date only ("In room 2 this time")
    note: Mapped[str] = mapped_column(Text, default="")
    going_count: Mapped[int] = mapped_column(default=0)
    #: the last place given out on the waiting list (the next one waits behind it)
    waiting_seq: Mapped[int] = mapped_column(default=0)
    #: reminders sent (each once, whichever worker sends it)
    reminded_day: Mapped[bool] = mapped_column(default=False)
    reminded_hour: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()


class Rsvp(Base):
    """A member's answer for one date."""

    __tablename__ = "events_rsvps"
    __table_args__ = (
        # the waiting list, in order
        Index("ix_events_rsvps_waiting", "occurrence_id", "answer", "position"),
    )

    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("events_occurrences.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    answer: Mapped[str] = mapped_column(String(12))
    #: the place on the waiting list (0 when not waiting)
    position: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class Invitation(Base):
    """An invitation to a member, or to an e-mail address (``token_hash`` set: the link in
    the e-mail leads through registration to the event)."""

    __tablename__ = "events_invitations"
    __table_args__ = (UniqueConstraint("event_id", "user_id",
                                       name="uq_events_invitations_event_user"),
                      UniqueConstraint("event_id", "email",
                                       name="uq_events_invitations_event_email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events_events.topic_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """An attendee's rating (1-5) and comment on a date; only organisers read them."""

    __tablename__ = "events_feedback"

    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("events_occurrences.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CalendarFeed(Base):
    """A member's private calendar feed: the secret in its address, kept hashed."""

    __tablename__ = "events_calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
