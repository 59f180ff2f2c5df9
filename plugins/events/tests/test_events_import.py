"""Importing events from an .ics file: times and zones as the file gives them, a rule kept,
and hostile files refused whole with a clear message (nothing half-made)."""

from __future__ import annotations

import zoneinfo

import pytest
from evhelpers import BACKENDS, make_events
from forum_events.models import Event, Occurrence
from sqlalchemy import func, select

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def ics(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events)
            + "END:VCALENDAR\r\n").encode()


def vevent(uid: str, summary: str, start: str, end: str = "", **extra: str) -> str:
    lines = [f"UID:{uid}", f"SUMMARY:{summary}", f"DTSTART{start}"]
    if end:
        lines.append(f"DTEND{end}")
    lines += [f"{name.replace('_', '-').upper()}:{value}" for name, value in extra.items()]
    return "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT\r\n"


def upload(browser, data: bytes, zone: str = "Europe/Amsterdam", status: int | str = "*"):
    page = browser.app.get("/events/import")
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["category"], form["time_zone"] = "general", zone
    form["file"] = ("calendar.ics", data, "text/calendar")
    return form.submit(status=status)


def event_count(forum) -> int:
    with forum.session() as session:
        return session.scalar(select(func.count()).select_from(Event))


@pytest.mark.parametrize("postgres", BACKENDS)
def test_an_ics_file_becomes_events_with_its_times_and_zones(make_forum, postgres):
    forum = make_events(make_forum, postgres)
    olga = forum.browser("olga")
    data = ics(
        vevent("a", "New York call", ";TZID=America/New_York:20301105T090000",
               ";TZID=America/New_York:20301105T100000", rrule="FREQ=WEEKLY;COUNT=3",
               url="https://meet.example/ny", description="Weekly <b>sync</b>"),
        vevent("b", "UTC talk", ":20301110T170000Z", ":20301110T180000Z",
               location="Main hall"),
        vevent("c", "Floating workshop", ":20301112T140000", duration="PT90M"),
        vevent("d", "Hostile <script>alert(1)</script>", ":20301113T140000",
               ":20301113T150000", url="javascript:alert(1)",
               description="<img src=x onerror=alert(1)> [x](javascript:alert(2))"))
    page = upload(olga, data, status=200)
    assert "4 events imported" in page.text
    with forum.session() as session:
        rows = {event.topic.title: event for event in session.scalars(select(Event))}
        ny = rows["New York call"]
        assert ny.time_zone == "America/New_York" and ny.rrule == "FREQ=WEEKLY;COUNT=3"
        assert ny.online_url == "https://meet.example/ny" and ny.duration_minutes == 60
        assert session.scalar(select(func.count()).select_from(Occurrence).where(
            Occurrence.event_id == ny.topic_id)) == 3
        talk = rows["UTC talk"]  # a UTC time on the chosen zone's clock
        assert talk.time_zone == "Europe/Amsterdam"
        assert talk.starts_local.hour == 18 and talk.location == "Main hall"
        workshop = rows["Floating workshop"]
        assert workshop.starts_local.hour == 14 and workshop.duration_minutes == 90
        hostile = rows["Hostile <script>alert(1)</script>"]
        assert hostile.online_url == ""  # only http(s) links are taken
        hostile_id = hostile.topic_id
    shown = forum.browser().app.get(f"/t/{hostile_id}/x").maybe_follow().text
    # shown as text, never as markup: no tag of the file's, no javascript: link
    assert "<script>alert(1)" not in shown and "<img src=x" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "javascript:" not in shown


@pytest.mark.parametrize(("data", "says"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not an iCalendar (.ics) file"),
    (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "holds no event"),
    (ics(*(vevent(str(n), f"E{n}", f":2030110{n % 9 + 1}T100000", f":2030110{n % 9 + 1}T110000")
           for n in range(51))), "more than 50 events"),
    (ics(vevent("x", "Big", ":20301101T100000", ":20301101T110000",
                description="x" * 300_000)), "larger than 256 KB"),
    (ics(vevent("ok", "Fine", ":20301101T100000", ":20301101T110000"),
         vevent("bad", "Too often", ":20301101T100000", ":20301101T110000",
                rrule="FREQ=SECONDLY")), "Event 2 (Too often): An event repeats daily"),
    (ics(vevent("ok", "Fine", ":20301101T100000", ":20301101T110000"),
         vevent("rev", "Backwards", ":20301101T100000", ":20301101T090000")),
     "Event 2 (Backwards): The event ends before it starts"),
    (ics(vevent("gap", "In the gap", ";TZID=Europe/Amsterdam:20300331T023000",
                ";TZID=Europe/Amsterdam:20300331T040000")),
     "Event 1 (In the gap): 02:30 does not exist on 2030-03-31"),
    (ics("BEGIN:VEVENT\r\nUID:n\r\nSUMMARY:No start\r\nEND:VEVENT\r\n"),
     "Event 1 (No start) has no start or end"),
    (ics(vevent("t", "", ":20301101T100000", ":20301101T110000")), "Event 1 (?)"),
    ((b"BEGIN:VCALENDAR\r\n" + b"BEGIN:X\r\n" * 5000 + b"END:X\r\n" * 5000
      + b"END:VCALENDAR\r\n"), "holds no event"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:caf\xe9\r\n".encode("latin-1"),
     "not an iCalendar (.ics) file"),
])
def test_hostile_files_are_refused_whole(make_forum, data, says):
    forum = make_events(make_forum)
    olga = forum.browser("olga")
    page = upload(olga, data)
    assert page.status_int == 400
    assert says in page.html.select_one(".form-error").text
    assert event_count(forum) == 0


def test_only_members_who_may_create_events_import(make_forum):
    forum = make_events(make_forum)
    assert forum.browser().app.get("/events/import", status="*").status_int == 403
    page = forum.browser("olga").app.get("/events/import")
    assert [o[0] for o in next(f for f in page.forms.values()
                               if "file" in f.fields)["category"].options] == ["general"]
