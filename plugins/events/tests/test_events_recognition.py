"""Going to events earns the badges plugin's Attendee badge: once checked in, or once a date
the member was going to is over; not for a cancelled event."""

from __future__ import annotations

import datetime as dt

from evhelpers import answer, create_event, dates, user_id
from forum_events.models import Occurrence
from forum_events.services import EventService
from sqlalchemy import select

from forum_core.api import User


def attendees(forum) -> list[str]:
    from forum_badges.models import Award, Badge

    with forum.session() as session:
        return sorted(session.scalars(
            select(User.username).join(Award, Award.user_id == User.id)
            .join(Badge, Badge.id == Award.badge_id).where(Badge.builtin == "attendee")))


def test_attending_earns_the_attendee_badge(make_forum):
    from forum_badges.defaults import make_defaults
    from forum_badges.services import Recognition

    forum = make_forum(plugins=("badges", "events"))
    for name in ("olga", "mira", "nils", "piet"):
        forum.create_user(name)
    forum.create_category("General")
    with forum.session() as session:
        make_defaults(session)
        Recognition(session).set_state("backfill", "done")
    topic_id = create_event(forum)
    (date,) = dates(forum, topic_id)
    for name in ("mira", "nils", "piet"):
        answer(forum, name, date, "going")
    forum.run_jobs()
    assert attendees(forum) == []  # going is not having gone
    with forum.session() as session:
        EventService(session).check_in(session.get(Occurrence, date),
                                       user_id(session, "mira"))
    forum.run_jobs()
    assert attendees(forum) == ["mira"]
    # the date is over: everyone going attended, except who stepped back
    answer(forum, "piet", date, "not_going")
    with forum.session() as session:
        occurrence = session.get(Occurrence, date)
        occurrence.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        occurrence.ends_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with forum.session() as session:  # as the badges plugin's periodic re-check does
        Recognition(session).check([user_id(session, name) for name in ("nils", "piet")])
    forum.run_jobs()
    assert attendees(forum) == ["mira", "nils"]
    # a cancelled event counts for nobody
    cancelled = create_event(forum, title="Called off")
    (gone,) = dates(forum, cancelled)
    answer(forum, "piet", gone, "going")
    with forum.session() as session:
        from forum_events.models import Event

        occurrence = session.get(Occurrence, gone)
        occurrence.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        occurrence.ends_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        EventService(session).cancel(session.scalar(select(User).where(
            User.username == "olga")), session.get(Event, cancelled))
    with forum.session() as session:
        Recognition(session).check([user_id(session, "piet")])
    forum.run_jobs()
    assert attendees(forum) == ["mira", "nils"]
