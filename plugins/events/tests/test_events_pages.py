"""The event pages through the real app: creating an event with the form, answering,
the lists, the month view and the organisers' tools."""

from __future__ import annotations

import datetime as dt

import pytest
from evhelpers import BACKENDS, answer, create_event, dates, make_events, reader

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


def test_search_finds_events_by_the_day_they_happen(make_forum):
    forum = make_events(make_forum)
    soon = (dt.datetime.now() + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0,
                                                              microsecond=0)
    later = soon + dt.timedelta(days=40)
    create_event(forum, title="Seed swap soon", starts=soon)
    create_event(forum, title="Seed swap later", starts=later)
    visitor = forum.browser()

    def found(**query):
        page = visitor.app.get("/search", {"q": "seed swap", "type": "event", **query})
        return sorted(a.text.strip() for a in page.html.select(".search-results a.listing-title"))

    assert found() == ["Seed swap later", "Seed swap soon"]
    around = {"from": (later - dt.timedelta(days=1)).date().isoformat(),
              "to": (later + dt.timedelta(days=1)).date().isoformat()}
    assert found(**around) == ["Seed swap later"]
    assert found(to=(soon + dt.timedelta(days=1)).date().isoformat()) == ["Seed swap soon"]


def test_structured_data_describes_the_event_without_offers(make_forum):
    from forum_events.contenttypes import EventType

    forum = make_events(make_forum)
    topic_id = create_event(forum, title="Tree planting", location="Vondelpark",
                            online_url="https://meet.example/trees")
    (date,) = dates(forum, topic_id)

    def described(username):
        with forum.session() as session:
            return EventType().structured(reader(forum, session, username), topic_id)

    public = described(None)
    assert public["@type"] == "Event" and public["name"] == "Tree planting"
    assert public["eventStatus"] == "https://schema.org/EventScheduled"
    assert public["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert "offers" not in public
    assert "Vondelpark" not in str(public) and "meet.example" not in str(public)
    assert public["location"] == [{"@type": "VirtualLocation"}, {"@type": "Place"}]
    answer(forum, "mira", date, "going")
    going = described("mira")
    assert going["location"] == [{"@type": "VirtualLocation",
                                  "url": "https://meet.example/trees"},
                                 {"@type": "Place", "name": "Vondelpark"}]
    forum.browser("olga").post_form(f"/events/{topic_id}/cancel", confirm="yes")
    assert described("mira")["eventStatus"] == "https://schema.org/EventCancelled"
