"""The event pages through the real app: creating an event with the form, answering,
the lists, the month view and the organisers' tools."""

from __future__ import annotations

import datetime as dt
import zoneinfo

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
    for odd in ("x", "99999", "-1"):  # a date of no date: the next one, not no box
        box = mira.app.get(f"{page.request.path}?date={odd}").html.select_one("#event")
        assert "Your answer: Going" in box.text


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


@pytest.mark.parametrize("postgres", BACKENDS)
def test_organisers_check_attendees_in_from_a_searchable_list(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    topic_id = create_event(forum, title="Repair café")
    (date,) = dates(forum, topic_id)
    for name in ("mira", "nils", "piet"):
        answer(forum, name, date, "going")
    olga = forum.browser("olga")
    page = olga.app.get(f"/events/{topic_id}/checkin?date={date}")
    assert "0 of 3 checked in" in page.text
    found = olga.app.get(f"/events/{topic_id}/checkin", {"date": date, "q": "NIL"})
    names = [li.select_one(".events-checkin-name").text.strip()
             for li in found.html.select(".events-checkin-list li")]
    assert names == ["nils"]
    form = next(f for f in found.forms.values() if "user_id" in f.fields)
    back = form.submit("action", value="in").follow()
    assert "1 of 3 checked in" in back.text and back.request.GET["q"] == "NIL"
    assert "✓ Checked in" in back.text
    form = next(f for f in back.forms.values() if "user_id" in f.fields)
    assert "0 of 3 checked in" in form.submit("action", value="undo").follow().text
    # members are not organisers; a date of another event is no date of this one
    assert forum.browser("mira").app.get(f"/events/{topic_id}/checkin?date={date}",
                                         status="*").status_int == 403
    other = create_event(forum, title="Other")
    (other_date,) = dates(forum, other)
    assert olga.app.get(f"/events/{topic_id}/checkin?date={other_date}",
                        status="*").status_int == 404
    assert olga.app.get(f"/events/{topic_id}/checkin?date=x", status="*").status_int == 404


@pytest.mark.parametrize("postgres", BACKENDS)
def test_every_page_of_an_event_answers_for_each_reader(make_forum, postgres):
    """No page of the plugin fails for an organiser, a member or a visitor (a crawl from
    the events pages), and the forms refuse bad input with a page that says why."""
    forum = make_events(make_forum, postgres)
    topic_id = create_event(forum, title="Crawled event", rule="FREQ=WEEKLY;COUNT=3",
                            capacity=1, online_url="https://meet.example/x")
    first = dates(forum, topic_id)[0]
    answer(forum, "mira", first, "going")
    answer(forum, "nils", first, "going")
    for browser in (forum.browser("olga"), forum.browser("nils"), forum.browser()):
        seen = browser.crawl(limit=80, start="/events/")
        assert any(path.startswith(f"/t/{topic_id}/") for path in seen), list(seen)
        for path in seen:
            assert browser.app.get(path, status="*").status_int < 500, path
    olga = forum.browser("olga")
    for fields, says in [
        ({"start_date": "2026-02-30"}, "Give a date as YYYY-MM-DD"),
        ({"end_time": "00:00"}, "ends before it starts"),
        ({"time_zone": "Nowhere/Land"}, "not a time zone the forum knows"),
        ({"repeat": "custom", "rrule": "FREQ=HOURLY"}, "daily, weekly, monthly or yearly"),
        ({"capacity": "lots"}, "whole number"),
        ({"online_url": "ftp://x"}, "https://"),
        ({"organisers": "ghost"}, "There is no member ghost"),
    ]:
        form = olga.app.get(f"/events/{topic_id}/edit").forms[1]
        for name, value in fields.items():
            form[name].force_value(value)
        refused = form.submit(status=400)
        assert says in refused.html.select_one(".form-error").text, fields
    # a time the clock shows twice: the form asks which one, and takes the answer
    form = olga.app.get(f"/events/{topic_id}/edit").forms[1]
    form["start_date"], form["end_date"] = "2030-10-27", "2030-10-27"
    form["start_time"], form["end_time"] = "02:30", "04:00"
    form["time_zone"] = "Europe/Amsterdam"
    form["repeat"] = ""
    asked = form.submit(status=400)
    assert "happens twice" in asked.text
    form = asked.forms[1]
    form["fold"] = "1"
    assert form.submit().status_int == 303


@pytest.mark.parametrize("postgres", BACKENDS)
def test_a_members_feed_address_is_secret_and_revocable(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    topic_id = create_event(forum, title="Feed me")
    answer(forum, "mira", dates(forum, topic_id)[0], "going")
    mira = forum.browser("mira")
    page = mira.post_form("/events/mine/feed", action="new")
    address = page.html.select_one(".events-feed-url").text.split("localhost", 1)[1]
    feed = forum.browser().app.get(address)
    assert feed.content_type == "text/calendar" and "SUMMARY:Feed me" in feed.text
    renewed = mira.post_form("/events/mine/feed", action="new")
    newer = renewed.html.select_one(".events-feed-url").text.split("localhost", 1)[1]
    assert forum.browser().app.get(address, status=404)  # the old one stops
    assert "Feed me" in forum.browser().app.get(newer).text
    mira.post_form("/events/mine/feed", action="revoke")
    assert forum.browser().app.get(newer, status=404)
    assert forum.browser().app.get("/events/feed/nonsense.ics", status=404)
    assert forum.browser().app.get("/events/mine", status="*").status_int == 403


def test_the_page_says_when_answers_close(make_forum):
    forum = make_events(make_forum)
    start = (dt.datetime.now() + dt.timedelta(days=6)).replace(hour=18, minute=0, second=0,
                                                               microsecond=0)
    topic_id = create_event(forum, starts=start,
                            rsvp_deadline_local=start - dt.timedelta(days=1, hours=6))
    page = forum.browser("mira").app.get(f"/t/{topic_id}/x").maybe_follow()
    closes = next(p.text for p in page.html.select(".events-rsvp p.muted")
                  if p.text.startswith("Answers close"))
    deadline = (start - dt.timedelta(days=1, hours=6)).replace(
        tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam")).astimezone(dt.UTC)  # mira reads UTC
    assert f"{deadline:%B} {deadline.day}, {deadline:%Y}, {deadline:%-I:%M}" in closes
    assert closes.endswith("UTC.")
    assert "–" not in closes  # one moment, not a span
