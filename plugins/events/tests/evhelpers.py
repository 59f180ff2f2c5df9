"""What the events plugin's tests share: a forum with the plugin and its people, a public
category "General" and a closed group's space, and events made through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from forum_events.models import Event, Occurrence, Rsvp
from forum_events.services import Details, EventService
from sqlalchemy import select

from forum_core.api import Category, User, capability, content_service

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
PEOPLE = {"ada": "admin", "olga": "member", "mira": "member", "nils": "member",
          "piet": "member", "stranger": "member"}
ZONE = "Europe/Amsterdam"


def make_events(make_forum: Any, postgres: bool = False, group_space: bool = False) -> Any:
    """A forum with the plugin, the people above and a category "General"; with
    ``group_space``, a group "Insiders" (olga, mira) whose space is "insiders"."""
    forum = make_forum(plugins=("groups", "events"), postgres=postgres)
    for name, role in PEOPLE.items():
        forum.create_user(name, role=role)
    forum.create_category("General")
    if group_space:
        with forum.session() as session:
            groups = capability(session, "groups")
            group_id = groups.create_group(session, "Insiders", user_id(session, "olga"),
                                           [user_id(session, "mira")])
            slug = groups.add_space(session, group_id, "Insiders")
            assert slug == "insiders"
    return forum


def user_id(session: Any, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def details(title: str = "Meetup", starts: dt.datetime | None = None, hours: int = 2,
            **changes: Any) -> Details:
    start = starts or (dt.datetime.now() + dt.timedelta(days=7)).replace(
        hour=18, minute=0, second=0, microsecond=0)
    values: dict[str, Any] = {"title": title, "body": f"About {title}.", "starts_local": start,
                              "ends_local": start + dt.timedelta(hours=hours), "zone": ZONE}
    values.update(changes)
    return Details(**values)


def create_event(forum: Any, organiser: str = "olga", category: str = "general",
                 **changes: Any) -> int:
    """An event made by ``organiser`` in the category; returns its topic's id."""
    with forum.session() as session:
        author = session.scalar(select(User).where(User.username == organiser))
        place = session.scalar(select(Category).where(Category.slug == category))
        event = EventService(session, content_service(session)).create(
            author, place, details(**changes))
        return event.topic_id


def dates(forum: Any, topic_id: int) -> list[int]:
    with forum.session() as session:
        return list(session.scalars(select(Occurrence.id).where(
            Occurrence.event_id == topic_id).order_by(Occurrence.starts_at)))


def answer(forum: Any, username: str, occurrence_id: int, what: str) -> str:
    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        return EventService(session).answer(user, occurrence_id, what).answer


def answers(forum: Any, occurrence_id: int) -> dict[str, tuple[str, int]]:
    """Each member's answer and waiting place for the date."""
    with forum.session() as session:
        return {name: (answer_, position) for name, answer_, position in session.execute(
            select(User.username, Rsvp.answer, Rsvp.position)
            .join(Rsvp, Rsvp.user_id == User.id)
            .where(Rsvp.occurrence_id == occurrence_id))}


def event_row(forum: Any, topic_id: int) -> Event:
    with forum.session() as session:
        row = session.get(Event, topic_id)
        session.expunge(row)
        return row


def reader(forum: Any, session: Any, username: str | None) -> Any:
    """A request as ``username`` (None: a visitor) would make it, on ``session``: for what
    the plugin answers a viewer outside a page (structured data)."""
    from pyramid.request import Request, apply_request_extensions

    from forum_core.api import public_viewer, request_as

    if username is not None:
        return request_as(session, session.scalar(select(User).where(
            User.username == username)))
    request = Request.blank("/", base_url="http://localhost")
    request.registry = forum.app.app.registry
    apply_request_extensions(request)
    request.db, request.user = session, None
    request.viewer = public_viewer(request)
    return request
