"""Answers, the waiting list, changes of dates, check-in, feedback and reminders, through
the service on real SQLite and PostgreSQL; concurrency with real threads."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from evhelpers import (
    BACKENDS,
    ZONE,
    answer,
    answers,
    create_event,
    dates,
    details,
    event_row,
    make_events,
    user_id,
)
from forum_events.models import Event, Feedback, Occurrence, Rsvp
from forum_events.services import EventAttendance, EventService
from sqlalchemy import func, select

from forum_core.api import ConflictError, User, ValidationError, content_service
from forum_core.testing import run_together

AMSTERDAM = zoneinfo.ZoneInfo(ZONE)


def the_user(session, name):
    return session.scalar(select(User).where(User.username == name))


@pytest.mark.parametrize("postgres", BACKENDS)
def test_the_waiting_list_keeps_its_order_and_a_free_seat_goes_to_the_first(make_forum,
                                                                            postgres):
    forum = make_events(make_forum, postgres)
    topic_id = create_event(forum, capacity=2)
    (date,) = dates(forum, topic_id)
    assert answer(forum, "mira", date, "going") == "going"
    assert answer(forum, "nils", date, "going") == "going"
    assert answer(forum, "piet", date, "going") == "waiting"
    assert answer(forum, "stranger", date, "going") == "waiting"
    assert answer(forum, "piet", date, "going") == "waiting"  # asking again keeps the place
    assert answers(forum, date)["piet"] == ("waiting", 1)
    assert answers(forum, date)["stranger"] == ("waiting", 2)
    assert answer(forum, "nils", date, "maybe") == "maybe"
    assert answers(forum, date) == {"mira": ("going", 0), "nils": ("maybe", 0),
                                    "piet": ("going", 0), "stranger": ("waiting", 2)}
    with forum.session() as session:
        assert session.get(Occurrence, date).going_count == 2
        assert EventAttendance().attendees(session, "event", topic_id) == sorted(
            [user_id(session, "mira"), user_id(session, "piet")])
        assert EventAttendance().attendees(session, "topic", topic_id) == []
    # piet is told the seat is theirs
    told = forum.browser("piet").app.get("/notifications").text
    assert "A seat came free: you are going to Meetup" in told


@pytest.mark.parametrize("postgres", BACKENDS)
def test_twenty_members_on_the_last_seat(make_forum, postgres):
    """One gets it, the rest wait in the order their answers were taken."""
    forum = make_events(make_forum, postgres)
    for n in range(20):
        forum.create_user(f"fan{n}")
    topic_id = create_event(forum, capacity=3)
    (date,) = dates(forum, topic_id)
    answer(forum, "mira", date, "going")
    answer(forum, "nils", date, "going")

    def worker(index):
        with forum.session(search=False) as session:
            EventService(session).answer(the_user(session, f"fan{index}"), date, "going")

    errors = run_together(20, worker, timeout=120)
    assert not errors, errors[:3]
    got = answers(forum, date)
    going = sorted(name for name, (said, _p) in got.items() if said == "going")
    waiting = sorted(position for said, position in got.values() if said == "waiting")
    assert len(going) == 3 and {"mira", "nils"} <= set(going)
    assert waiting == list(range(1, 20))
    with forum.session() as session:
        assert session.get(Occurrence, date).going_count == 3
        # the first one waiting moves up when a seat comes free
        first = session.scalar(select(User.username).join(Rsvp, Rsvp.user_id == User.id)
                               .where(Rsvp.answer == "waiting", Rsvp.position == 1))
    answer(forum, "mira", date, "not_going")
    assert answers(forum, date)[first] == ("going", 0)


@pytest.mark.parametrize("postgres", BACKENDS)
def test_seats_below_those_going_are_refused(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    topic_id = create_event(forum, capacity=3)
    (date,) = dates(forum, topic_id)
    for name in ("mira", "nils", "piet"):
        answer(forum, name, date, "going")
    with forum.session() as session:
        event = session.get(Event, topic_id)
        service = EventService(session, content_service(session))
        with pytest.raises(ValidationError) as refused:
            service.update(the_user(session, "olga"), event, details(capacity=2))
        assert "3 members are going already, more than 2 seats" in str(refused.value)
    assert event_row(forum, topic_id).capacity == 3


@pytest.mark.parametrize("postgres", BACKENDS)
def test_a_recurring_event_keeps_answers_when_its_time_changes(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    start = (dt.datetime.now() + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0,
                                                               microsecond=0)
    topic_id = create_event(forum, starts=start, rule="FREQ=WEEKLY;COUNT=4")
    first, second, third, fourth = dates(forum, topic_id)
    answer(forum, "mira", second, "going")
    with forum.session() as session:
        event = session.get(Event, topic_id)
        service = EventService(session, content_service(session))
        olga = the_user(session, "olga")
        service.move_date(olga, session.get(Occurrence, third),
                          start + dt.timedelta(days=15), None, "In the big hall this time")
        service.cancel_date(olga, session.get(Occurrence, fourth))
        # an hour later, and five dates now: the n-th date keeps its answers
        service.update(olga, event, details(starts=start + dt.timedelta(hours=1),
                                            rule="FREQ=WEEKLY;COUNT=5"))
        assert event.sequence == 3
    assert dates(forum, topic_id)[:4] == [first, second, third, fourth]
    assert answers(forum, second) == {"mira": ("going", 0)}
    with forum.session() as session:
        rows = {row.id: row for row in session.scalars(select(Occurrence))}
        moved = rows[third]
        assert moved.moved and moved.note == "In the big hall this time"
        assert moved.starts_at.astimezone(AMSTERDAM).hour == 18
        assert rows[fourth].cancelled
        assert rows[second].starts_at.astimezone(AMSTERDAM) \
            .hour == 19
        assert len(rows) == 5
    with forum.session() as session:
        with pytest.raises(ConflictError):
            EventService(session).answer(the_user(session, "nils"), fourth, "going")


@pytest.mark.parametrize("postgres", BACKENDS)
def test_answers_close_at_the_deadline(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    start = (dt.datetime.now() + dt.timedelta(days=5)).replace(hour=18, minute=0, second=0,
                                                               microsecond=0)
    topic_id = create_event(forum, starts=start,
                            rsvp_deadline_local=start - dt.timedelta(days=2))
    (date,) = dates(forum, topic_id)
    with forum.session() as session:
        occurrence = session.get(Occurrence, date)
        late = occurrence.starts_at - dt.timedelta(days=1)
        with pytest.raises(ConflictError) as refused:
            EventService(session).answer(the_user(session, "mira"), date, "going", now=late)
        assert str(refused.value) == "Answers for this date are closed."
    assert answer(forum, "mira", date, "going") == "going"


@pytest.mark.parametrize("postgres", BACKENDS)
def test_check_in_and_feedback(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    start = (dt.datetime.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
    topic_id = create_event(forum, starts=start + dt.timedelta(days=3))
    (date,) = dates(forum, topic_id)
    answer(forum, "mira", date, "going")
    answer(forum, "nils", date, "maybe")
    with forum.session() as session:
        service = EventService(session)
        occurrence = session.get(Occurrence, date)
        service.check_in(occurrence, user_id(session, "mira"))
        with pytest.raises(ValidationError):
            service.check_in(occurrence, user_id(session, "nils"))  # only those going
        with pytest.raises(ConflictError):  # not over yet
            service.give_feedback(the_user(session, "mira"), occurrence, 5, "")
        # the date is over (moved into the past by hand)
        occurrence.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        occurrence.ends_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with forum.session() as session:
        service = EventService(session)
        occurrence = session.get(Occurrence, date)
        service.give_feedback(the_user(session, "mira"), occurrence, 4, "Lovely evening")
        service.give_feedback(the_user(session, "mira"), occurrence, 5, "Even better")
        with pytest.raises(ValidationError):
            service.give_feedback(the_user(session, "nils"), occurrence, 3, "")
        with pytest.raises(ValidationError):
            service.give_feedback(the_user(session, "mira"), occurrence, 6, "")
        assert session.scalar(select(func.count()).select_from(Feedback)) == 1
        summary = service.feedback_summary(date)
        assert summary["count"] == 1 and summary["average"] == 5
        assert summary["comments"] == [("mira", "Even better", 5)]
        checked = session.scalar(select(Rsvp.checked_in_at).where(Rsvp.occurrence_id == date))
        assert checked is not None


@pytest.mark.parametrize("postgres", BACKENDS)
def test_reminders_are_claimed_once_by_two_workers_at_the_same_moment(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    topics = [create_event(forum, title=f"Soon {n}", starts=(
        dt.datetime.now() + dt.timedelta(hours=20 + n)).replace(second=0, microsecond=0))
        for n in range(3)]
    for topic_id in topics:
        answer(forum, "mira", dates(forum, topic_id)[0], "going")
    claimed: list[list[tuple[int, str]]] = [[], []]
    moment = dt.datetime.now(dt.UTC)

    def worker(index):
        with forum.session(search=False) as session:
            claimed[index] = EventService(session).due_reminders(moment)

    assert not run_together(2, worker, timeout=60)
    everything = claimed[0] + claimed[1]
    assert sorted(everything) == sorted((dates(forum, t)[0], "day") for t in topics)
    assert not set(claimed[0]) & set(claimed[1])
