"""The event pages through the real app: creating an event with the form, answering,
the lists, the month view and the organisers' tools."""

from __future__ import annotations

import datetime as dt

import pytest
from evhelpers import BACKENDS, dates, make_events

from forum_core.testing import Forum


def next_week() -> dt.date:
    return dt.date.today() + dt.timedelta(days=7)


@pytest.mark.parametrize("postgres", BACKENDS)
def test_an_organiser_creates_an_event_that_members_answer(make_forum, postgres):
    forum: Forum = make_events(make_forum, postgres)
    olga = forum.browser("olga")
    form = olga.app.get("/events/new").forms[1]
    day = next_week().isoformat()
    form["title"], form["body"] = "Winter meetup", "Bring a **friend**."
    form["start_date"], form["start_time"] = day, "18:30"
    form["end_date"], form["end_time"] = day, "21:00"
    form["time_zone"] = "Europe/Amsterdam"
    form["location"], form["capacity"] = "Damrak 1, Amsterdam", "2"
    page = form.submit().follow()
    assert "Winter meetup" in page.text
    assert "Damrak 1" in page.text  # the organiser sees the place
    topic_id = int(page.request.path.split("/")[2])
    mira = forum.browser("mira")
    event_page = mira.app.get(page.request.path)
    assert "Damrak 1" not in event_page.text  # not going yet: no address
    form = event_page.forms["event"] if "event" in event_page.forms else next(
        f for f in event_page.forms.values() if f.action.endswith("/rsvp"))
    answered = form.submit("answer", value="going").follow()
    assert "Damrak 1" in answered.text
    assert "Your answer: Going" in answered.text
    listing = forum.browser().app.get("/events/")
    assert "Winter meetup" in listing.text
    month = forum.browser().app.get(f"/events/month?m={next_week():%Y-%m}")
    assert "Winter meetup" in month.text
    assert len(dates(forum, topic_id)) == 1
