"""An event's whole life over a real SMTP server (aiosmtpd) on SQLite and PostgreSQL:
invitations with an .ics, answers and the waiting list, a change of time (SEQUENCE raised),
a seat coming free, reminders and the cancellation (METHOD:CANCEL), each .ics parsed back
with ``icalendar`` and checked field by field."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import icalendar
import pytest
from evhelpers import BACKENDS, ZONE, answers, create_event, dates, make_events
from forum_events.models import Invitation
from sqlalchemy import select

from forum_core.api import User

AMSTERDAM = zoneinfo.ZoneInfo(ZONE)


@pytest.fixture
def mailed(make_forum, smtp):
    controller, inbox = smtp

    def factory(postgres=False, **options):
        forum = make_events(lambda **kw: make_forum(**kw, **{
            "forum.smtp_host": "127.0.0.1", "forum.smtp_port": str(controller.port),
            "forum.smtp_tls": "none", "forum.mail_from": "forum@mail.example",
            "forum.site_url": "https://forum.example"}), postgres, **options)
        return forum, inbox

    return factory


def ics_of(message) -> icalendar.Calendar:
    """The calendar attached to an e-mail, parsed; checks the part says its method too."""
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, message
    calendar = icalendar.Calendar.from_ical(parts[0].get_content())
    assert parts[0].get_param("method") == str(calendar["method"])
    return calendar


def vevent(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def start_of(forum, topic_id):
    with forum.session() as session:
        from forum_events.models import Occurrence

        return session.scalar(select(Occurrence.starts_at).where(
            Occurrence.event_id == topic_id))


@pytest.mark.parametrize("postgres", BACKENDS)
def test_from_invitation_to_cancellation(mailed, postgres):
    forum, inbox = mailed(postgres)
    start = (dt.datetime.now() + dt.timedelta(days=10)).replace(hour=19, minute=30, second=0,
                                                                microsecond=0)
    topic_id = create_event(forum, title="Pruning workshop", starts=start, capacity=1,
                            location="Tuinstraat 4, Utrecht")
    (date_id,) = dates(forum, topic_id)
    olga = forum.browser("olga")
    answered = olga.post_form(f"/events/{topic_id}/invite", usernames="mira, nils")
    assert answered.status_int == 303
    forum.run_jobs()
    invited = {message["To"]: message for message in inbox.take()}
    assert set(invited) == {"mira@example.com", "nils@example.com"}
    assert invited["mira@example.com"]["Subject"] == "Invitation: Pruning workshop"
    calendar = ics_of(invited["mira@example.com"])
    assert str(calendar["method"]) == "REQUEST"
    event = vevent(calendar)
    assert str(event["uid"]) == f"event-{topic_id}@forum.example"
    assert str(event["summary"]) == "Pruning workshop"
    assert event["dtstart"].dt == start.replace(tzinfo=AMSTERDAM)
    assert event["dtstart"].dt.tzinfo.key == ZONE if hasattr(event["dtstart"].dt.tzinfo,
                                                            "key") else True
    assert event["dtstart"].params["TZID"] == ZONE
    assert event["dtend"].dt == (start + dt.timedelta(hours=2)).replace(tzinfo=AMSTERDAM)
    assert int(event["sequence"]) == 0
    assert str(event["attendee"]) == "mailto:mira@example.com"
    assert "location" not in event  # only those going see the address
    assert str(event["status"]) == "CONFIRMED"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == ZONE
    # the page's download is the same event to a calendar (the same UID)
    download = icalendar.Calendar.from_ical(olga.app.get(f"/events/{topic_id}/event.ics").text)
    assert str(vevent(download)["uid"]) == f"event-{topic_id}@forum.example"
    assert str(download["method"]) == "PUBLISH"

    mira, nils = forum.browser("mira"), forum.browser("nils")
    assert "Pruning workshop" in mira.app.get("/events/mine").text  # invited: on her list
    assert "Pruning workshop" not in forum.browser("piet").app.get("/events/mine").text
    assert mira.post_form(f"/events/{topic_id}/rsvp", date=date_id,
                          answer="going").status_int == 303
    assert nils.post_form(f"/events/{topic_id}/rsvp", date=date_id,
                          answer="going").status_int == 303
    assert answers(forum, date_id) == {"mira": ("going", 0), "nils": ("waiting", 1)}
    assert "place 1 on the waiting list" in nils.app.get(f"/t/{topic_id}/x").follow().text

    # the organiser moves it an hour later: everyone who answered gets the update
    form = olga.app.get(f"/events/{topic_id}/edit").forms[1]
    form["start_time"], form["end_time"] = "20:30", "22:30"
    form.submit().follow()
    forum.run_jobs()
    changed = {message["To"]: message for message in inbox.take()}
    assert set(changed) == {"mira@example.com", "nils@example.com"}
    update = vevent(ics_of(changed["mira@example.com"]))
    assert int(update["sequence"]) == 1
    assert update["dtstart"].dt == start.replace(hour=20, tzinfo=AMSTERDAM)
    assert str(update["location"]) == "Tuinstraat 4, Utrecht"  # mira is going
    assert "location" not in vevent(ics_of(changed["nils@example.com"]))  # nils waits

    # mira steps back: nils moves up and is told, with the address now
    mira.post_form(f"/events/{topic_id}/rsvp", date=date_id, answer="not_going")
    assert answers(forum, date_id) == {"mira": ("not_going", 0), "nils": ("going", 0)}
    forum.run_jobs()
    (promoted,) = inbox.take()
    assert promoted["To"] == "nils@example.com"
    assert promoted["Subject"] == "You are going: Pruning workshop"
    assert str(vevent(ics_of(promoted))["location"]) == "Tuinstraat 4, Utrecht"

    # reminders: a day before and an hour before, each once
    begins = start_of(forum, topic_id)
    forum.run_periodic_jobs(at=begins - dt.timedelta(hours=23))
    forum.run_periodic_jobs(at=begins - dt.timedelta(hours=23) + dt.timedelta(minutes=1))
    (reminder,) = inbox.take()
    assert reminder["To"] == "nils@example.com"
    assert reminder["Subject"] == "Reminder: Pruning workshop"
    forum.run_periodic_jobs(at=begins - dt.timedelta(minutes=50))
    assert [message["Subject"] for message in inbox.take()] == ["Reminder: Pruning workshop"]
    forum.run_periodic_jobs(at=begins - dt.timedelta(minutes=40))
    assert inbox.take() == []

    # cancelled: the invited and those who answered get METHOD:CANCEL
    assert olga.post_form(f"/events/{topic_id}/cancel", confirm="yes").status_int == 303
    forum.run_jobs()
    cancelled = {message["To"]: message for message in inbox.take()}
    assert set(cancelled) == {"mira@example.com", "nils@example.com"}
    calendar = ics_of(cancelled["nils@example.com"])
    assert str(calendar["method"]) == "CANCEL"
    assert str(vevent(calendar)["status"]) == "CANCELLED"
    assert int(vevent(calendar)["sequence"]) == 2
    page = forum.browser().app.get(f"/t/{topic_id}/x").follow()
    assert "This event is cancelled." in page.text
    assert nils.post_form(f"/events/{topic_id}/rsvp", date=date_id,
                          answer="going").status_int == 409


@pytest.mark.parametrize("postgres", BACKENDS)
def test_an_address_invited_leads_through_registration_to_the_event(mailed, postgres):
    forum, inbox = mailed(postgres)
    topic_id = create_event(forum, title="Open garden day")
    olga = forum.browser("olga")
    olga.post_form(f"/events/{topic_id}/invite", emails="new.person@example.org")
    forum.run_jobs()
    (message,) = inbox.take()
    assert message["To"] == "new.person@example.org"
    link = re.search(r"https?://[^/\s]+(/events/invitation/\S+)",
                     message.get_content()).group(1)
    visitor = forum.browser()
    page = visitor.app.get(link)
    assert "Open garden day" in page.text
    register = visitor.app.get(page.html.select_one("main a[href^='/register?next=']")["href"])
    form = next(f for f in register.forms.values() if f.action.endswith("/register"))
    form["username"], form["email"] = "newbie", "new.person@example.org"
    form["password"] = form["password_again"] = "a long enough password"
    back = form.submit()
    assert back.status_int == 303 and back.location.endswith(link)
    page = back.follow()
    accept = next(f for f in page.forms.values() if f.method.lower() == "post"
                  and not f.action.endswith("/logout"))
    opened = accept.submit().follow()
    assert "Open garden day" in opened.text
    with forum.session() as session:
        newbie = session.scalar(select(User.id).where(User.username == "newbie"))
        invitation = session.scalar(select(Invitation).where(Invitation.event_id == topic_id))
        assert invitation.user_id == newbie and invitation.token_hash is None
    assert visitor.app.get(link, status=404).status_int == 404  # used up


@pytest.mark.parametrize("postgres", BACKENDS)
def test_bad_invitations_are_refused_and_nothing_is_half_saved(mailed, postgres):
    forum, inbox = mailed(postgres, group_space=True)
    topic_id = create_event(forum)
    olga = forum.browser("olga")
    refused = olga.post_form(f"/events/{topic_id}/invite", usernames="mira, nobody_here")
    assert refused.status_int == 400 and "There is no member nobody_here" in refused.text
    refused = olga.post_form(f"/events/{topic_id}/invite", usernames="mira",
                             emails="not-an-address")
    assert refused.status_int == 400 and "not-an-address is not an e-mail address" in refused.text
    with forum.session() as session:
        assert session.scalar(select(Invitation.id)) is None  # mira was not invited either
    # an event in a closed group's space: only members of the group can be invited
    closed = create_event(forum, category="insiders", title="Insiders' dinner")
    refused = olga.post_form(f"/events/{closed}/invite", usernames="nils")
    assert refused.status_int == 400 and "nils cannot see this event" in refused.text
    refused = olga.post_form(f"/events/{closed}/invite", emails="someone@example.org")
    assert refused.status_int == 400 and "closed place" in refused.text
    assert olga.post_form(f"/events/{closed}/invite", usernames="mira").status_int == 303
    forum.run_jobs()
    assert [message["To"] for message in inbox.take()] == ["mira@example.com"]
    # not an organiser: no inviting
    assert forum.browser("nils").post_form(f"/events/{topic_id}/invite",
                                           usernames="piet").status_int == 403


@pytest.mark.parametrize("postgres", BACKENDS)
def test_inviting_a_group_invites_its_members_who_may_see_the_event(mailed, postgres):
    forum, inbox = mailed(postgres, group_space=True)
    with forum.session() as session:
        from forum_core.api import capability

        groups = capability(session, "groups")
        (group_id,) = [key for key, name in groups.group_names(session).items()
                       if name == "Insiders"]
    public = create_event(forum, title="Open day")
    olga = forum.browser("olga")
    assert olga.post_form(f"/events/{public}/invite", group=group_id).status_int == 303
    forum.run_jobs()
    # olga organises it (nobody invites themselves); mira is the group's other member
    assert [message["To"] for message in inbox.take()] == ["mira@example.com"]
    assert olga.post_form(f"/events/{public}/invite", group="999999").status_int == 400
    assert olga.post_form(f"/events/{public}/invite", group="x").status_int == 400
    with forum.session() as session:
        invited = sorted(session.scalars(select(User.username).join(
            Invitation, Invitation.user_id == User.id).where(Invitation.event_id == public)))
    assert invited == ["mira"]


def test_addresses_a_member_may_invite_in_a_day_are_limited(mailed):
    from forum_events import services

    forum, inbox = mailed()
    topic_id = create_event(forum, title="Popular")
    olga = forum.browser("olga")
    first = [f"guest{n}@example.org" for n in range(services.ADDRESSES_PER_DAY - 1)]
    assert olga.post_form(f"/events/{topic_id}/invite",
                          emails="\n".join(first)).status_int == 303
    refused = olga.post_form(f"/events/{topic_id}/invite",
                             emails="one@example.org\ntwo@example.org")
    assert refused.status_int == 409
    assert "at most 200 e-mail addresses a day; you have 1 left today" in refused.text
    assert olga.post_form(f"/events/{topic_id}/invite",
                          emails="one@example.org").status_int == 303
    forum.run_jobs()
    assert len(inbox.take()) == services.ADDRESSES_PER_DAY
