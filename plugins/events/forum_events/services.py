"""What members and organisers do with events; the views and the API only call this.

Every answer for a viewer goes through the visibility choke point: an event is found through
``visible_topics`` (its topic's category decides who sees it, closed groups included), and
lists and calendars join the same clause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyramid.authorization import Authenticated
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from forum_core.api import (
    Category,
    ConflictError,
    ContributionChanged,
    NotAllowedError,
    NotFoundError,
    NotificationKind,
    Post,
    Topic,
    User,
    ValidationError,
    Viewer,
    _,
    capability,
    emit,
    enqueue,
    limits,
    lock_row,
    notify,
    parse_id,
    time_zone,
    topic_clause,
    utcnow,
    visible_topics,
)

from .models import (
    ANSWERS,
    ATTENDEE_VISIBILITY,
    GOING,
    MAYBE,
    NOT_GOING,
    SHOW_ATTENDEES,
    SHOW_EVERYONE,
    WAITING,
    CalendarFeed,
    Event,
    Feedback,
    Invitation,
    Occurrence,
    Organiser,
    Rsvp,
)
from .times import check_start, dates_of, normalise_rule

#: notification kinds (each also an e-mail with the event's .ics where it says so)
INVITED_KIND = NotificationKind("events.invited", _("${actor} invited you to ${title}"),
                                _("Invitations to events"))
CHANGED_KIND = NotificationKind("events.changed",
                                _("The time or place of ${title} changed"),
                                _("Changes to events I attend"))
CANCELLED_KIND = NotificationKind("events.cancelled", _("${title} is cancelled"),
                                  _("Cancelled events I was invited to or attend"))
PROMOTED_KIND = NotificationKind("events.promoted",
                                 _("A seat came free: you are going to ${title}"),
                                 _("A seat for me from the waiting list"))
REMINDER_KIND = NotificationKind("events.reminder", _("Soon: ${title}"),
                                 _("Reminders of events I attend"))
KINDS = (INVITED_KIND, CHANGED_KIND, CANCELLED_KIND, PROMOTED_KIND, REMINDER_KIND)

#: what answers and check-ins are announced as (ContributionChanged): the event
TYPE_NAME = "event"
#: the job that writes the e-mails about an event (invitations, changes, reminders)
MAIL_JOB = "events.mail"
DURATION_MAX_MINUTES = 31 * 24 * 60
CAPACITY_MAX = 100_000
LOCATION_MAX = 500
URL_MAX = 2000
ORGANISERS_MAX = 20
INVITES_MAX = 200
#: e-mail addresses one member may invite in a day (a forum is no mailing service)
ADDRESSES_PER_DAY = 200
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


@dataclass
class Details:
    """An event as the form or the API gives it, before it is checked."""

    title: str
    body: str
    starts_local: dt.datetime
    ends_local: dt.datetime
    zone: str
    fold: int | None = None
    rule: str = ""
    location: str = ""
    online_url: str = ""
    capacity: int | None = None
    #: answers close at this wall-clock time of the first date (None: when a date starts)
    rsvp_deadline_local: dt.datetime | None = None
    attendee_visibility: str = SHOW_EVERYONE
    organisers: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Checked:
    """:class:`Details` checked, with what follows from them."""

    zone: zoneinfo.ZoneInfo
    fold: int
    rule: str
    duration: int
    starts: tuple[dt.datetime, ...]
    capped: bool
    rsvp_close_minutes: int | None
    organiser_ids: tuple[int, ...]


@dataclass(frozen=True)
class Answered:
    """What an answer did: the member's answer now, and who moved up from the waiting list."""

    answer: str
    promoted: tuple[int, ...] = ()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_organise_in(viewer: Viewer, category: Category) -> bool:
    """Whether the viewer may create an event in the category: a member (not suspended) who
    may start a topic there."""
    return viewer.user is not None and Authenticated in viewer.principals \
        and viewer.has_access(category.topic_access)


class EventService:
    def __init__(self, session: Any, content: Any = None) -> None:
        self.db = session
        self.content = content  # the core's IContentService, to write an event's topic
        #: organisers' ids by event, read once per service (a page asks several times)
        self._organisers: dict[int, list[int]] = {}

    # -- checking what organisers give ---------------------------------------------------

    def check(self, details: Details, event: Event | None = None) -> Checked:
        zone = time_zone(details.zone)
        if zone is None:
            raise ValidationError(_("${zone} is not a time zone the forum knows; choose one "
                                    "from the list (such as Europe/Amsterdam).",
                                    mapping={"zone": details.zone[:64]}))
        fold = check_start(details.starts_local, zone, details.fold)
        if details.ends_local <= details.starts_local:
            raise ValidationError(_("The event ends before it starts: give an end after "
                                    "the start."))
        starts_utc = details.starts_local.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC)
        ends_utc = details.ends_local.replace(tzinfo=zone).astimezone(dt.UTC)
        duration = int((ends_utc - starts_utc).total_seconds() // 60)
        if duration <= 0:
            raise ValidationError(_("The event ends before it starts: give an end after "
                                    "the start."))
        if duration > DURATION_MAX_MINUTES:
            raise ValidationError(_("An event lasts at most 31 days."))
        rule = normalise_rule(details.rule, zone)
        dates = dates_of(details.starts_local, fold, zone, rule)
        location = details.location.strip()
        if len(location) > LOCATION_MAX:
            raise ValidationError(_("The place has at most ${maximum} characters.",
                                    mapping={"maximum": LOCATION_MAX}))
        url = details.online_url.strip()
        if url and (len(url) > URL_MAX or not _URL.match(url)):
            raise ValidationError(_("The online link is an address starting with https:// "
                                    "or http://."))
        if details.capacity is not None:
            if not 1 <= details.capacity <= CAPACITY_MAX:
                raise ValidationError(_("The number of seats is a number from 1 to "
                                        "${maximum}, or empty for no limit.",
                                        mapping={"maximum": CAPACITY_MAX}))
            if event is not None:
                going = self.db.scalar(select(func.max(Occurrence.going_count)).where(
                    Occurrence.event_id == event.topic_id)) or 0
                if details.capacity < going:
                    raise ValidationError(_(
                        "${going} members are going already, more than ${capacity} seats: "
                        "give at least ${going} seats, or ask some to step back.",
                        mapping={"going": going, "capacity": details.capacity}))
        close = None
        if details.rsvp_deadline_local is not None:
            deadline = details.rsvp_deadline_local.replace(tzinfo=zone).astimezone(dt.UTC)
            if deadline > starts_utc:
                raise ValidationError(_("Answers close before the event starts, not after."))
            close = int((starts_utc - deadline).total_seconds() // 60)
        if details.attendee_visibility not in ATTENDEE_VISIBILITY:
            raise ValidationError(_("Choose who sees the attendees from the list."))
        names = [name.strip() for name in details.organisers if name.strip()]
        if len(names) > ORGANISERS_MAX:
            raise ValidationError(_("An event has at most ${maximum} organisers.",
                                    mapping={"maximum": ORGANISERS_MAX}))
        found = dict(self.db.execute(select(func.lower(User.username), User.id).where(
            func.lower(User.username).in_([name.lower() for name in names]))).tuples().all())
        missing = [name for name in names if name.lower() not in found]
        if missing:
            raise ValidationError(_("There is no member ${names}.",
                                    mapping={"names": ", ".join(missing)}))
        return Checked(zone, fold, rule, duration, dates.starts, dates.capped, close,
                       tuple(dict.fromkeys(found[name.lower()] for name in names)))

    # -- writing events --------------------------------------------------------------------

    def create(self, author: User, category: Category, details: Details) -> Event:
        checked = self.check(details)
        topic = self.content.create_topic(author, category, details.title, details.body)
        event = Event(topic_id=topic.id, category_id=category.id, time_zone=checked.zone.key,
                      created_at=utcnow())
        self._apply(event, details, checked)
        self.db.add(event)
        self.db.flush()
        for user_id in dict.fromkeys((author.id, *checked.organiser_ids)):
            self.db.add(Organiser(event_id=event.topic_id, user_id=user_id))
        self._sync_dates(event, checked)
        self.db.flush()
        return event

    def _apply(self, event: Event, details: Details, checked: Checked) -> None:
        event.time_zone = checked.zone.key
        event.starts_local = details.starts_local
        event.fold = checked.fold
        event.duration_minutes = checked.duration
        event.rrule = checked.rule
        event.rrule_capped = checked.capped
        event.location = details.location.strip()
        event.online_url = details.online_url.strip()
        event.capacity = details.capacity
        event.rsvp_close_minutes = checked.rsvp_close_minutes
        event.attendee_visibility = details.attendee_visibility

    def update(self, editor: User, event: Event, details: Details) -> bool:
        """Change the event; returns whether its time or place changed (then everyone who
        answered is told, with an updated .ics)."""
        if event.cancelled_at is not None:
            raise ConflictError(_("This event is cancelled; it cannot be changed."))
        checked = self.check(details, event)
        title = " ".join(details.title.split())
        if not limits.TITLE_MIN <= len(title) <= limits.TITLE_MAX:
            raise ValidationError(_("A title has ${minimum} to ${maximum} characters.",
                                    mapping={"minimum": limits.TITLE_MIN,
                                             "maximum": limits.TITLE_MAX}))
        before = (event.starts_local, event.fold, event.duration_minutes, event.time_zone,
                  event.rrule, event.location, event.online_url)
        topic = event.topic
        first = self.db.scalar(select(Post).where(Post.topic_id == topic.id,
                                                  Post.number == 1))
        if first is not None and first.source != details.body:
            self.content.edit_post(editor, first, details.body)
        topic.title = title
        self._apply(event, details, checked)
        keep = set(checked.organiser_ids) | {editor.id}
        for organiser in list(self.db.scalars(select(Organiser).where(
                Organiser.event_id == event.topic_id))):
            if organiser.user_id not in keep:
                self.db.delete(organiser)
            keep.discard(organiser.user_id)
        for user_id in sorted(keep):
            self.db.add(Organiser(event_id=event.topic_id, user_id=user_id))
        self._organisers.pop(event.topic_id, None)
        self._sync_dates(event, checked)
        self._promote_all(event)
        changed = before != (event.starts_local, event.fold, event.duration_minutes,
                             event.time_zone, event.rrule, event.location, event.online_url)
        if changed:
            event.sequence += 1
            self._tell(event, self.answered_ids(event), CHANGED_KIND, editor, "changed")
        self.db.flush()
        return changed

    def cancel(self, by: User, event: Event) -> None:
        """Cancel the whole event: everyone invited or answering is told (METHOD:CANCEL)."""
        if event.cancelled_at is not None:
            return
        event.cancelled_at = utcnow()
        event.sequence += 1
        people = set(self.answered_ids(event)) | set(self.db.scalars(
            select(Invitation.user_id).where(Invitation.event_id == event.topic_id,
                                             Invitation.user_id.is_not(None))))
        self._tell(event, sorted(people), CANCELLED_KIND, by, "cancelled")
        self.db.flush()

    def cancel_date(self, by: User, occurrence: Occurrence) -> None:
        """Cancel one date of a recurring event; its attendees are told."""
        if occurrence.cancelled:
            return
        occurrence.cancelled = True
        occurrence.event.sequence += 1
        self._tell(occurrence.event, self._answered_ids_of(occurrence.id), CANCELLED_KIND,
                   by, "cancelled", occurrence.id)
        self.db.flush()

    def move_date(self, by: User, occurrence: Occurrence, starts_local: dt.datetime,
                  fold: int | None, note: str) -> None:
        """Move one date (its own time; the others keep the rule's) with a note."""
        event = occurrence.event
        zone = time_zone(event.time_zone) or zoneinfo.ZoneInfo("UTC")
        chosen = check_start(starts_local, zone, fold)
        starts = starts_local.replace(tzinfo=zone, fold=chosen).astimezone(dt.UTC)
        note = note.strip()
        if len(note) > LOCATION_MAX:
            raise ValidationError(_("The note has at most ${maximum} characters.",
                                    mapping={"maximum": LOCATION_MAX}))
        if starts == occurrence.starts_at and note == occurrence.note:
            return
        occurrence.starts_at = starts
        occurrence.ends_at = starts + dt.timedelta(minutes=event.duration_minutes)
        occurrence.moved = True
        occurrence.note = note
        occurrence.reminded_day = occurrence.reminded_hour = False
        event.sequence += 1
        self._tell(event, self._answered_ids_of(occurrence.id), CHANGED_KIND, by, "changed",
                   occurrence.id)
        self.db.flush()

    def _sync_dates(self, event: Event, checked: Checked) -> None:
        """Make the event's dates what the rule gives: the n-th date stays the n-th date
        (its answers kept) when the time or the rule changes; a date moved by hand keeps
        its own time; dates the rule no longer makes go, with their answers."""
        existing = list(self.db.scalars(select(Occurrence).where(
            Occurrence.event_id == event.topic_id).order_by(Occurrence.recurrence_id)))
        length = dt.timedelta(minutes=checked.duration)
        # first move every kept date's name out of the way: two dates swapping names
        # would otherwise break the unique (event, recurrence id) on the way
        for index, occurrence in enumerate(existing[:len(checked.starts)]):
            occurrence.recurrence_id = dt.datetime(1900, 1, 1, tzinfo=dt.UTC) \
                + dt.timedelta(minutes=index)
        self.db.flush()
        for index, start in enumerate(checked.starts):
            if index < len(existing):
                occurrence = existing[index]
                occurrence.recurrence_id = start
                if not occurrence.moved:
                    if occurrence.starts_at != start:
                        occurrence.reminded_day = occurrence.reminded_hour = False
                    occurrence.starts_at = start
                occurrence.ends_at = occurrence.starts_at + length
            else:
                self.db.add(Occurrence(event_id=event.topic_id, recurrence_id=start,
                                       starts_at=start, ends_at=start + length))
        for occurrence in existing[len(checked.starts):]:
            self.db.delete(occurrence)
        self.db.flush()

    # -- answers ---------------------------------------------------------------------------

    def answer(self, user: User, occurrence_id: int, answer: str,
               now: dt.datetime | None = None) -> Answered:
        """The member's answer for a date. "going" when the date is full puts them on the
        waiting list, in the order the answers came; stepping back from "going" gives the
        seat to the first one waiting. Exact under concurrent answers: the date's row is
        locked while its seats are counted."""
        if answer not in ANSWERS:
            raise ValidationError(_("Answer going, maybe or not going."))
        lock_row(self.db, Occurrence, occurrence_id)
        occurrence = self.db.scalar(select(Occurrence).where(Occurrence.id == occurrence_id)
                                    .execution_options(populate_existing=True))
        if occurrence is None:
            raise NotFoundError(_("That date of the event does not exist (any more)."))
        event = occurrence.event
        if event.cancelled_at is not None or occurrence.cancelled:
            raise ConflictError(_("This event is cancelled."))
        now = now or utcnow()
        if now >= self.answers_close(event, occurrence):
            raise ConflictError(_("Answers for this date are closed."))
        rsvp = self.db.scalar(select(Rsvp).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.user_id == user.id)
            .execution_options(populate_existing=True))
        old = rsvp.answer if rsvp is not None else None
        if answer == GOING and old in (GOING, WAITING):
            return Answered(old)
        new, position = answer, 0
        if answer == GOING:
            if event.capacity is not None and occurrence.going_count >= event.capacity:
                occurrence.waiting_seq += 1
                new, position = WAITING, occurrence.waiting_seq
            else:
                occurrence.going_count += 1
        if rsvp is None:
            rsvp = Rsvp(occurrence_id=occurrence_id, user_id=user.id)
            self.db.add(rsvp)
        rsvp.answer, rsvp.position, rsvp.answered_at = new, position, now
        if old == GOING and new != GOING:
            occurrence.going_count -= 1
            rsvp.checked_in_at = None
        self.db.flush()
        emit(self.db, ContributionChanged(TYPE_NAME, event.topic_id, user.id))
        promoted = self._promote(event, occurrence) if old == GOING and new != GOING else ()
        return Answered(new, promoted)

    def answers_close(self, event: Event, occurrence: Occurrence) -> dt.datetime:
        return occurrence.starts_at - dt.timedelta(minutes=event.rsvp_close_minutes or 0)

    def _promote(self, event: Event, occurrence: Occurrence) -> tuple[int, ...]:
        """Give free seats to the first ones waiting, and tell them."""
        moved: list[int] = []
        while event.capacity is None or occurrence.going_count < event.capacity:
            first = self.db.scalar(select(Rsvp).where(
                Rsvp.occurrence_id == occurrence.id, Rsvp.answer == WAITING)
                .order_by(Rsvp.position).limit(1))
            if first is None:
                break
            first.answer, first.position = GOING, 0
            occurrence.going_count += 1
            moved.append(first.user_id)
            self.db.flush()
            emit(self.db, ContributionChanged(TYPE_NAME, event.topic_id, first.user_id))
        if moved:
            self._tell(event, moved, PROMOTED_KIND, None, "promoted", occurrence.id)
        return tuple(moved)

    def _promote_all(self, event: Event) -> None:
        for occurrence in self.db.scalars(select(Occurrence).where(
                Occurrence.event_id == event.topic_id, Occurrence.cancelled.is_(False))):
            self._promote(event, occurrence)

    def answers_of(self, user: User | None, occurrence_ids: Sequence[int]) -> dict[int, str]:
        if user is None or not occurrence_ids:
            return {}
        return dict(self.db.execute(select(Rsvp.occurrence_id, Rsvp.answer).where(
            Rsvp.user_id == user.id, Rsvp.occurrence_id.in_(list(occurrence_ids))))
            .tuples().all())

    def waiting_place(self, user: User, occurrence_id: int) -> int | None:
        """The member's place on the date's waiting list (1 is next), or None."""
        mine = self.db.scalar(select(Rsvp.position).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.user_id == user.id,
            Rsvp.answer == WAITING))
        if mine is None:
            return None
        return (self.db.scalar(select(func.count()).select_from(Rsvp).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.answer == WAITING,
            Rsvp.position < mine)) or 0) + 1

    def attendees(self, occurrence_id: int, answers: Iterable[str] = (GOING,),
                  search: str = "") -> list[Rsvp]:
        query = (select(Rsvp).where(Rsvp.occurrence_id == occurrence_id,
                                    Rsvp.answer.in_(list(answers)))
                 .join(User, User.id == Rsvp.user_id)
                 .options(joinedload(Rsvp.user))
                 .order_by(Rsvp.answer, Rsvp.position, func.lower(User.username)))
        if search.strip():
            text = search.strip().lower()[:60]
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(or_(
                func.lower(User.username).like(f"%{escaped}%", escape="\\"),
                func.lower(func.coalesce(User.display_name, "")).like(f"%{escaped}%",
                                                                        escape="\\")))
        return list(self.db.scalars(query))

    def waiting_counts(self, occurrence_ids: Sequence[int]) -> dict[int, int]:
        """How many wait for each of the dates (one query for a list of dates)."""
        if not occurrence_ids:
            return {}
        return dict(self.db.execute(
            select(Rsvp.occurrence_id, func.count()).where(
                Rsvp.occurrence_id.in_(list(occurrence_ids)), Rsvp.answer == WAITING)
            .group_by(Rsvp.occurrence_id)).tuples().all())

    def checked_in(self, occurrence_id: int) -> tuple[int, int]:
        """``(checked in, going)`` for the date's check-in list."""
        checked, going = self.db.execute(
            select(func.count(Rsvp.checked_in_at), func.count()).where(
                Rsvp.occurrence_id == occurrence_id, Rsvp.answer == GOING)).one()
        return checked, going

    def answered_ids(self, event: Event) -> list[int]:
        """Everyone going, maybe going or waiting, for any date still to come."""
        return sorted(set(self.db.scalars(
            select(Rsvp.user_id).join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
            .where(Occurrence.event_id == event.topic_id,
                   Rsvp.answer.in_([GOING, MAYBE, WAITING]),
                   Occurrence.ends_at >= utcnow()))))

    def _answered_ids_of(self, occurrence_id: int) -> list[int]:
        return sorted(self.db.scalars(select(Rsvp.user_id).where(
            Rsvp.occurrence_id == occurrence_id,
            Rsvp.answer.in_([GOING, MAYBE, WAITING]))))

    # -- check-in and feedback -------------------------------------------------------------

    def check_in(self, occurrence: Occurrence, user_id: int, undo: bool = False) -> None:
        rsvp = self.db.scalar(select(Rsvp).where(Rsvp.occurrence_id == occurrence.id,
                                                 Rsvp.user_id == user_id))
        if rsvp is None or rsvp.answer != GOING:
            raise NotFoundError(_("Only members who are going can be checked in."))
        rsvp.checked_in_at = None if undo else (rsvp.checked_in_at or utcnow())
        self.db.flush()
        emit(self.db, ContributionChanged(TYPE_NAME, occurrence.event_id, user_id))

    def give_feedback(self, user: User, occurrence: Occurrence, rating: int,
                      comment: str) -> None:
        if not self.attended(user.id, occurrence.id):
            raise NotAllowedError(_("Only those who attended give feedback."))
        if occurrence.ends_at > utcnow():
            raise ConflictError(_("Feedback opens when the event is over."))
        if not 1 <= rating <= 5:
            raise ValidationError(_("Give a rating from 1 to 5."))
        comment = comment.strip()
        if len(comment) > limits.DESCRIPTION_MAX:
            raise ValidationError(_("A comment has at most ${maximum} characters.",
                                    mapping={"maximum": limits.DESCRIPTION_MAX}))
        found = self.db.get(Feedback, (occurrence.id, user.id))
        if found is None:
            self.db.add(Feedback(occurrence_id=occurrence.id, user_id=user.id,
                                 rating=rating, comment=comment))
        else:
            found.rating, found.comment = rating, comment
        self.db.flush()

    def feedback_summary(self, occurrence_id: int) -> dict[str, Any]:
        """For organisers: how many rated the date, the average, each rating's count, and
        the comments (newest first)."""
        rows = list(self.db.execute(select(Feedback.rating, Feedback.comment, User.username)
                                    .join(User, User.id == Feedback.user_id)
                                    .where(Feedback.occurrence_id == occurrence_id)
                                    .order_by(Feedback.created_at.desc())).tuples())
        counts = {rating: 0 for rating in range(1, 6)}
        for rating, _comment, _name in rows:
            counts[rating] = counts.get(rating, 0) + 1
        average = sum(rating for rating, _c, _n in rows) / len(rows) if rows else None
        return {"count": len(rows), "average": average, "counts": counts,
                "comments": [(name, comment, rating) for rating, comment, name in rows
                             if comment]}

    def attended(self, user_id: int, occurrence_id: int) -> bool:
        return self.db.scalar(select(Rsvp.user_id).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.user_id == user_id,
            Rsvp.answer == GOING)) is not None

    # -- organisers and invitations --------------------------------------------------------

    def organiser_names(self, event: Event) -> list[str]:
        return list(self.db.scalars(select(User.username).join(
            Organiser, Organiser.user_id == User.id).where(
            Organiser.event_id == event.topic_id).order_by(func.lower(User.username))))

    def organiser_ids(self, event: Event) -> list[int]:
        if event.topic_id not in self._organisers:
            self._organisers[event.topic_id] = list(self.db.scalars(
                select(Organiser.user_id).where(Organiser.event_id == event.topic_id)
                .order_by(Organiser.user_id)))
        return self._organisers[event.topic_id]

    def is_organiser(self, viewer: Viewer, event: Event) -> bool:
        if viewer.user is None:
            return False
        return viewer.is_staff or viewer.user.id in self.organiser_ids(event)

    def invite(self, by: User, event: Event, viewer_of: Any, usernames: Sequence[str] = (),
               group_id: int | None = None, addresses: Sequence[str] = (),
               public: bool = False) -> tuple[list[int], list[tuple[str, str]]]:
        """Invite members by name, the members of a group, and people by e-mail address.
        Members are told and e-mailed an .ics; the caller e-mails each address its link.

        Everything is checked before anything is written. Only members who may see the
        event are invited (``viewer_of(user)`` says what a member sees): naming someone else
        is refused by name, and a group's members who cannot see it are left out. Addresses
        are taken only for an event everyone may see (``public``): nobody outside is sent
        what a closed place holds. Returns the member ids newly invited and ``(address,
        token)`` of each new address (the token is in the link it gets)."""
        if event.cancelled_at is not None:
            raise ConflictError(_("This event is cancelled."))
        ids = self._members_to_invite(event, viewer_of, usernames, group_id)
        wanted = self._addresses_to_invite(addresses, public)
        if wanted:
            lock_row(self.db, User, by.id)  # two requests of one member count one after another
            sent = self.db.scalar(select(func.count()).select_from(Invitation).where(
                Invitation.invited_by_id == by.id, Invitation.email.is_not(None),
                Invitation.created_at > utcnow() - dt.timedelta(days=1))) or 0
            if sent + len(wanted) > ADDRESSES_PER_DAY:
                raise ConflictError(_(
                    "You can invite at most ${maximum} e-mail addresses a day; you have "
                    "${left} left today. Invite members by name, or try again tomorrow.",
                    mapping={"maximum": ADDRESSES_PER_DAY,
                             "left": max(0, ADDRESSES_PER_DAY - sent)}))
        new: list[int] = []
        for user_id in dict.fromkeys(ids):
            if user_id == by.id or self.db.scalar(select(Invitation.id).where(
                    Invitation.event_id == event.topic_id, Invitation.user_id == user_id)):
                continue
            self.db.add(Invitation(event_id=event.topic_id, user_id=user_id,
                                   invited_by_id=by.id))
            new.append(user_id)
        made: list[tuple[str, str]] = []
        for address in wanted:
            if self.db.scalar(select(Invitation.id).where(
                    Invitation.event_id == event.topic_id, Invitation.email == address)):
                continue
            token = secrets.token_urlsafe(24)
            self.db.add(Invitation(event_id=event.topic_id, email=address,
                                   token_hash=hash_token(token), invited_by_id=by.id))
            made.append((address, token))
        self.db.flush()
        if new:
            self._tell(event, new, INVITED_KIND, by, "invited")
        return new, made

    def _members_to_invite(self, event: Event, viewer_of: Any, usernames: Sequence[str],
                           group_id: int | None) -> list[int]:
        names = [name.strip().lstrip("@") for name in usernames if name.strip()]
        if len(names) > INVITES_MAX:
            raise ValidationError(_("Invite at most ${maximum} members at once.",
                                    mapping={"maximum": INVITES_MAX}))
        users = list(self.db.scalars(select(User).where(
            func.lower(User.username).in_([name.lower() for name in names])))) if names else []
        known = {user.username.lower() for user in users}
        missing = [name for name in names if name.lower() not in known]
        if missing:
            raise ValidationError(_("There is no member ${names}.",
                                    mapping={"names": ", ".join(missing)}))
        blind = [user.username for user in users if not self.sees(viewer_of(user), event)]
        if blind:
            raise ValidationError(_("${names} cannot see this event (it is in a closed place), "
                                    "so they cannot be invited.",
                                    mapping={"names": ", ".join(blind)}))
        ids = [user.id for user in users]
        if group_id is not None:
            groups = capability(self.db, "groups")
            if groups is None or group_id not in groups.group_names(self.db):
                raise ValidationError(_("There is no such group."))
            for member in self.db.scalars(select(User).where(
                    User.id.in_(groups.member_ids(self.db, group_id)))):
                if self.sees(viewer_of(member), event):
                    ids.append(member.id)
        return ids

    def _addresses_to_invite(self, addresses: Sequence[str], public: bool) -> list[str]:
        wanted = [address.strip() for address in addresses if address.strip()]
        if len(wanted) > INVITES_MAX:
            raise ValidationError(_("Invite at most ${maximum} addresses at once.",
                                    mapping={"maximum": INVITES_MAX}))
        bad = [address for address in wanted
               if len(address) > limits.EMAIL_MAX or not _EMAIL.match(address)]
        if bad:
            raise ValidationError(_("${addresses} is not an e-mail address.",
                                    mapping={"addresses": ", ".join(bad[:5])}))
        if wanted and not public:
            raise ValidationError(_("This event is in a closed place: invite members who may "
                                    "see it by name instead of by e-mail address."))
        return list(dict.fromkeys(address.lower() for address in wanted))

    def invitation_by_token(self, token: str) -> Invitation | None:
        if not token or len(token) > 64:
            return None
        return self.db.scalar(select(Invitation).where(
            Invitation.token_hash == hash_token(token)))

    def accept_invitation(self, invitation: Invitation, user: User) -> None:
        """The person invited by address has an account now: the invitation is theirs."""
        if invitation.user_id == user.id:
            return
        taken = self.db.scalar(select(Invitation.id).where(
            Invitation.event_id == invitation.event_id, Invitation.user_id == user.id))
        if taken is not None:
            self.db.delete(invitation)
        else:
            invitation.user_id, invitation.token_hash = user.id, None
        self.db.flush()

    def invited_ids(self, event: Event) -> list[int]:
        return list(self.db.scalars(select(Invitation.user_id).where(
            Invitation.event_id == event.topic_id, Invitation.user_id.is_not(None))))

    # -- telling people --------------------------------------------------------------------

    def _tell(self, event: Event, user_ids: Sequence[int], kind: NotificationKind,
              actor: User | None, what: str, occurrence_id: int | None = None) -> None:
        """A notification now, and the e-mail (with the .ics) from a job that writes each
        one as its recipient sees the event then: someone who can no longer see it gets
        nothing."""
        ids = sorted(set(user_ids) - ({actor.id} if actor else set()))
        if not ids:
            return
        notify(self.db, ids, kind.name, ("event", event.topic_id), actor=actor)
        enqueue(self.db, MAIL_JOB, event_id=event.topic_id, what=what, user_ids=ids,
                occurrence_id=occurrence_id, actor_id=actor.id if actor else None)

    # -- finding events --------------------------------------------------------------------

    def sees(self, viewer: Viewer, event: Event) -> bool:
        return self.db.scalar(visible_topics(viewer).with_only_columns(Topic.id)
                              .where(Topic.id == event.topic_id)) is not None

    def find(self, viewer: Viewer, raw_id: Any) -> Event | None:
        """The event an id from an address names, when it is one and the viewer may see
        it (a hidden event is exactly like a missing one)."""
        topic_id = parse_id(raw_id)
        return None if topic_id is None else self.visible_event(viewer, topic_id)

    def visible_event(self, viewer: Viewer, topic_id: int) -> Event | None:
        """The event of topic ``topic_id`` when the viewer may see its topic."""
        return self.db.scalar(select(Event).join(Topic, Topic.id == Event.topic_id)
                              .where(Event.topic_id == topic_id, topic_clause(viewer))
                              .options(joinedload(Event.topic)))

    def occurrence_of(self, event: Event, occurrence_id: int | None) -> Occurrence | None:
        """The date ``occurrence_id`` of the event; None: its next date (else its last)."""
        query = select(Occurrence).where(Occurrence.event_id == event.topic_id)
        if occurrence_id is not None:
            return self.db.scalar(query.where(Occurrence.id == occurrence_id))
        upcoming = self.db.scalar(query.where(Occurrence.ends_at >= utcnow(),
                                              Occurrence.cancelled.is_(False))
                                  .order_by(Occurrence.starts_at).limit(1))
        return upcoming or self.db.scalar(query.order_by(Occurrence.starts_at.desc()).limit(1))

    def dates(self, event: Event) -> list[Occurrence]:
        return list(self.db.scalars(select(Occurrence).where(
            Occurrence.event_id == event.topic_id).order_by(Occurrence.starts_at)))

    def _dates(self, viewer: Viewer, after: dt.datetime, limit: int,
               category_ids: Sequence[int] | None) -> Any:
        """The dates the viewer may see that end after ``after``, by start."""
        query = (select(Occurrence, Event, Topic)
                 .join(Event, Event.topic_id == Occurrence.event_id)
                 .join(Topic, Topic.id == Event.topic_id)
                 .where(topic_clause(viewer), Occurrence.ends_at > after)
                 .options(joinedload(Topic.category))
                 .order_by(Occurrence.starts_at, Occurrence.id).limit(limit))
        if category_ids is not None:
            query = query.where(Event.category_id.in_(list(category_ids)))
        return query

    def between(self, viewer: Viewer, start: dt.datetime, end: dt.datetime,
                category_ids: Sequence[int] | None = None, limit: int = 500,
                ) -> list[tuple[Occurrence, Event, Topic]]:
        """The dates the viewer may see that overlap ``start``..``end``, by start (the
        cancelled ones too, shown struck through)."""
        query = self._dates(viewer, start, limit, category_ids).where(
            Occurrence.starts_at < end)
        return [(row[0], row[1], row[2]) for row in self.db.execute(query)]

    def upcoming(self, viewer: Viewer, after: dt.datetime, limit: int = 50,
                 category_ids: Sequence[int] | None = None,
                 ) -> list[tuple[Occurrence, Event, Topic]]:
        """The dates to come the viewer may see, by start, without cancelled ones."""
        query = self._dates(viewer, after, limit, category_ids).where(
            Event.cancelled_at.is_(None), Occurrence.cancelled.is_(False))
        return [(row[0], row[1], row[2]) for row in self.db.execute(query)]

    def mine(self, viewer: Viewer, after: dt.datetime, limit: int = 100,
             ) -> list[tuple[Occurrence, Event, Topic, str]]:
        """The member's dates from ``after`` on: those they answered (not "not going"), and
        those of events they organise or are invited to, each with the member's answer (""
        for none)."""
        user = viewer.user
        if user is None:
            return []
        answered = select(Rsvp.answer).where(Rsvp.occurrence_id == Occurrence.id,
                                             Rsvp.user_id == user.id).scalar_subquery()
        organising = select(Organiser.event_id).where(Organiser.user_id == user.id)
        invited = select(Invitation.event_id).where(Invitation.user_id == user.id)
        query = (select(Occurrence, Event, Topic, answered)
                 .join(Event, Event.topic_id == Occurrence.event_id)
                 .join(Topic, Topic.id == Event.topic_id)
                 .where(topic_clause(viewer), Occurrence.ends_at > after,
                        or_(and_(answered.is_not(None), answered != NOT_GOING),
                            Event.topic_id.in_(organising),
                            and_(answered.is_(None), Event.topic_id.in_(invited))))
                 .options(joinedload(Topic.category))
                 .order_by(Occurrence.starts_at, Occurrence.id).limit(limit))
        return [(row[0], row[1], row[2], row[3] or "") for row in self.db.execute(query)]

    def shows_attendees(self, viewer: Viewer, event: Event, occurrence_id: int) -> bool:
        if event.attendee_visibility == SHOW_EVERYONE or self.is_organiser(viewer, event):
            return True
        if event.attendee_visibility == SHOW_ATTENDEES and viewer.user is not None:
            return self.attended(viewer.user.id, occurrence_id)
        return False

    def shows_place(self, viewer: Viewer, event: Event, occurrence_id: int) -> bool:
        """The address and the online link are for confirmed attendees and organisers."""
        if viewer.user is None:
            return False
        return self.is_organiser(viewer, event) or self.attended(viewer.user.id,
                                                                 occurrence_id)

    # -- reminders -------------------------------------------------------------------------

    def due_reminders(self, now: dt.datetime) -> list[tuple[int, str]]:
        """Claim the reminders due now, each once however many workers ask at the same time
        (a conditional update: only one of them changes the flag); returns ``(date, which)``
        for those this call claimed."""
        claimed: list[tuple[int, str]] = []
        for which, flag, ahead in (("day", Occurrence.reminded_day, dt.timedelta(days=1)),
                                   ("hour", Occurrence.reminded_hour, dt.timedelta(hours=1))):
            due = list(self.db.scalars(
                select(Occurrence.id).join(Event, Event.topic_id == Occurrence.event_id)
                .where(flag.is_(False), Occurrence.cancelled.is_(False),
                       Event.cancelled_at.is_(None), Occurrence.starts_at > now,
                       Occurrence.starts_at <= now + ahead)
                .order_by(Occurrence.starts_at).limit(200)))
            for occurrence_id in due:
                done = self.db.execute(update(Occurrence).where(
                    Occurrence.id == occurrence_id, flag.is_(False)).values(
                    {flag.key: True}).execution_options(synchronize_session=False))
                if done.rowcount == 1:
                    claimed.append((occurrence_id, which))
        return claimed

    def remind(self, occurrence_id: int) -> None:
        occurrence = self.db.get(Occurrence, occurrence_id)
        if occurrence is None:
            return
        people = self.db.scalars(select(Rsvp.user_id).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.answer.in_([GOING, MAYBE])))
        self._tell(occurrence.event, list(people), REMINDER_KIND, None, "reminder",
                   occurrence_id)

    # -- calendar feeds --------------------------------------------------------------------

    def new_feed_token(self, user: User) -> str:
        """A new secret for the member's private feed (the old address stops working); it
        is kept hashed, so it is shown once."""
        found = self.db.get(CalendarFeed, user.id)
        token = secrets.token_urlsafe(24)
        if found is None:
            self.db.add(CalendarFeed(user_id=user.id, token_hash=hash_token(token)))
        else:
            found.token_hash, found.created_at = hash_token(token), utcnow()
        self.db.flush()
        return token

    def revoke_feed(self, user: User) -> None:
        found = self.db.get(CalendarFeed, user.id)
        if found is not None:
            self.db.delete(found)
            self.db.flush()

    def has_feed(self, user: User) -> bool:
        return self.db.get(CalendarFeed, user.id) is not None

    def feed_owner(self, token: str) -> User | None:
        if not token or len(token) > 64:
            return None
        return self.db.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                              .where(CalendarFeed.token_hash == hash_token(token)))


class EventAttendance:
    """The ``attendance`` capability: who goes to an event (badges count it)."""

    def attendees(self, session: Any, type_name: str, key: int) -> list[int]:
        if type_name != "event":
            return []
        return sorted(set(session.scalars(
            select(Rsvp.user_id).join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
            .where(Occurrence.event_id == key, Rsvp.answer == GOING))))
