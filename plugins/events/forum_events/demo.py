"""Demonstration content for ``forum init --demo``: a meetup next week in "General" that is
full (so it has a waiting list), a weekly online call, an event in the partners' space of the
groups plugin (when it is on), and last month's meetup with its check-ins, feedback and the
follow-up space. Times are on Amsterdam's clock, each member reads them on their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from forum_core.api import Category, User, content_service, utcnow

from .followup import open_followups
from .models import Occurrence
from .services import Details, EventService

ZONE = "Europe/Amsterdam"


def _at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    moment = dt.datetime.now() + dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)


def create_demo_events(session: Any, admin: User) -> None:
    general = session.scalar(select(Category).where(Category.slug == "general"))
    if general is None:
        return
    people = {user.username: user for user in session.scalars(select(User).where(
        User.username.in_(["alice", "bob", "carol", "dmitri", "eva"])))}
    service = EventService(session, content_service(session))

    def event(author: User, category: Category, title: str, body: str, starts: dt.datetime,
              hours: float, **options: Any):
        return service.create(author, category, Details(
            title=title, body=body, starts_local=starts,
            ends_local=starts + dt.timedelta(hours=hours), zone=ZONE, **options))

    meetup = event(admin, general, "Winter community meetup",
                   "An evening of short talks by members, then drinks.\n\n"
                   "* 18:30 doors open\n* 19:00 talks\n* 20:30 drinks", _at(7, 18, 30), 3,
                   location="Keizersgracht 123, Amsterdam", capacity=3,
                   organisers=["alice"])
    (date,) = service.dates(meetup)
    for name in ("bob", "carol", "dmitri", "eva"):
        if name in people:
            service.answer(people[name], date.id, "going")
    event(people.get("alice", admin), general, "Office hours with the product team",
          "Bring your questions; we share the screen and answer them live.", _at(2, 16), 1,
          online_url="https://meet.example.org/office-hours", rule="FREQ=WEEKLY;COUNT=12")
    lounge = session.scalar(select(Category).where(Category.slug == "partner-lounge"))
    if lounge is not None:
        event(admin, lounge, "Partner roadmap briefing",
              "What ships next quarter, for partners only.", _at(10, 10), 2,
              online_url="https://meet.example.org/partners", attendee_visibility="organisers")
    past = event(admin, general, "Autumn meetup", "Our last meetup of the year.",
                 _at(-30, 19), 2, location="Keizersgracht 123, Amsterdam")
    (gone,) = service.dates(past)
    for name in ("bob", "carol", "eva"):
        if name in people:
            # answered before it began (the service refuses answers after the start)
            service.answer(people[name], gone.id, "going",
                           now=gone.starts_at - dt.timedelta(days=3))
            service.check_in(gone, people[name].id)
    for name, rating, comment in (("bob", 5, "Great talks, more of these please!"),
                                  ("carol", 4, "The room was a bit small.")):
        if name in people:
            service.give_feedback(people[name], session.get(Occurrence, gone.id), rating,
                                  comment)
    open_followups(session, utcnow())
