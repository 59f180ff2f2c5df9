"""The events JSON API: creating, reading, answering, the organisers' attendee list and
check-in, what a hidden event answers, and the whole API checked against its OpenAPI
document with schemathesis."""

from __future__ import annotations

import datetime as dt

import pytest
from evhelpers import BACKENDS, create_event, dates, make_events
from sqlalchemy import select

from forum_core.api import User
from forum_core.testing import check_api

PROBLEM = "application/problem+json"


def bearer(forum, username):
    return {"Authorization": f"Bearer {forum.api_token(username)}"}


@pytest.mark.parametrize("postgres", BACKENDS)
def test_create_answer_and_check_in_through_the_api(make_forum, postgres):
    forum = make_events(make_forum, postgres, group_space=True)
    day = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    made = forum.app.post_json("/api/v1/events", {
        "category": "general", "title": "API meetup", "body": "From a script.",
        "starts": f"{day}T18:00", "ends": f"{day}T20:00", "time_zone": "Europe/Amsterdam",
        "capacity": 1, "location": "Hall 3", "organisers": ["piet"]},
        headers=bearer(forum, "olga"), status=201).json
    assert made["title"] == "API meetup" and made["organisers"] == ["olga", "piet"]
    assert made["location"] == "Hall 3"  # the organiser sees the place
    assert made["dates"][0]["starts_at"].startswith(f"{day}T17:00")  # 18:00 CET in UTC
    event_id, date_id = made["id"], made["dates"][0]["id"]
    mira, nils = bearer(forum, "mira"), bearer(forum, "nils")
    seen = forum.app.get(f"/api/v1/events/{event_id}", headers=mira).json
    assert seen["location"] is None
    going = forum.app.put_json(f"/api/v1/events/{event_id}/dates/{date_id}/rsvp",
                               {"answer": "going"}, headers=mira).json
    assert going["my_answer"] == "going" and going["going"] == 1
    waiting = forum.app.put_json(f"/api/v1/events/{event_id}/dates/{date_id}/rsvp",
                                 {"answer": "going"}, headers=nils).json
    assert waiting["my_answer"] == "waiting" and waiting["waiting_place"] == 1
    assert forum.app.get(f"/api/v1/events/{event_id}", headers=mira).json["location"] \
        == "Hall 3"
    refused = forum.app.get(f"/api/v1/events/{event_id}/dates/{date_id}/attendees",
                            headers=mira, status=403)
    assert refused.content_type == PROBLEM
    listed = forum.app.get(f"/api/v1/events/{event_id}/dates/{date_id}/attendees",
                           headers=bearer(forum, "piet")).json["items"]
    assert [(row["username"], row["answer"], row["waiting_place"]) for row in listed] == [
        ("mira", "going", None), ("nils", "waiting", 1)]
    with forum.session() as session:
        mira_id = session.scalar(select(User.id).where(User.username == "mira"))
        nils_id = session.scalar(select(User.id).where(User.username == "nils"))
    checked = forum.app.put(f"/api/v1/events/{event_id}/dates/{date_id}/checkins/{mira_id}",
                            headers=bearer(forum, "olga")).json["items"]
    assert checked[0]["checked_in_at"] is not None
    refused = forum.app.put(f"/api/v1/events/{event_id}/dates/{date_id}/checkins/{nils_id}",
                            headers=bearer(forum, "olga"), status=404)
    assert "Only members who are going" in refused.json["detail"]
    listing = forum.app.get("/api/v1/events?category=general").json["items"]
    assert [item["title"] for item in listing] == ["API meetup"]


@pytest.mark.parametrize("postgres", BACKENDS)
def test_bad_events_and_hidden_ones_answer_with_problems(make_forum, postgres):
    forum = make_events(make_forum, postgres, group_space=True)
    olga = bearer(forum, "olga")
    day = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    base = {"category": "general", "title": "Broken", "body": "x", "starts": f"{day}T18:00",
            "ends": f"{day}T20:00", "time_zone": "Europe/Amsterdam"}
    for change, says in [
        ({"ends": f"{day}T17:00"}, "ends before it starts"),
        ({"time_zone": "Mars/Olympus"}, "not a time zone the forum knows"),
        ({"rrule": "FREQ=MINUTELY"}, "daily, weekly, monthly or yearly"),
        ({"starts": "2026-03-29T02:30", "ends": "2026-03-29T04:00"}, "does not exist"),
        ({"starts": "2026-10-25T02:30", "ends": "2026-10-25T04:00"}, "happens twice"),
        ({"starts": f"{day}T25:00"}, "That time does not exist"),
        ({"online_url": "javascript:alert(1)"}, "https://"),
    ]:
        answer = forum.app.post_json("/api/v1/events", {**base, **change}, headers=olga,
                                     status="*")
        assert answer.status_int in (400, 422), change
        assert answer.content_type == PROBLEM
        assert says in answer.json["detail"], (change, answer.json)
    secret = create_event(forum, category="insiders", title="Hidden supper")
    (date_id,) = dates(forum, secret)
    for who in (bearer(forum, "nils"), {}):
        assert forum.app.get(f"/api/v1/events/{secret}", headers=who,
                             status=404).content_type == PROBLEM
        assert "Hidden supper" not in forum.app.get("/api/v1/events", headers=who).text
    assert forum.app.put_json(f"/api/v1/events/{secret}/dates/{date_id}/rsvp",
                              {"answer": "going"}, headers=bearer(forum, "nils"),
                              status=404).content_type == PROBLEM
    assert "Hidden supper" in forum.app.get("/api/v1/events",
                                            headers=bearer(forum, "mira")).text


def test_the_events_api_matches_its_openapi_document(make_forum):
    forum = make_events(make_forum)
    topic_id = create_event(forum, capacity=2)
    (date_id,) = dates(forum, topic_id)
    assert topic_id and date_id
    failures = check_api(forum, forum.api_token("olga"), tags=("events",), max_examples=15)
    assert not failures, "\n\n".join(failures)
