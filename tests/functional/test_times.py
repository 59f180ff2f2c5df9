"""Times on pages: "just now" for what happened under a minute ago, and machine-readable
moments (``<time datetime>``, ``article:published_time``) in whole seconds with a ``Z``, the
form the Nu HTML checker accepts (it refuses microseconds)."""

from __future__ import annotations

import datetime as dt
import re

from babel import Locale

from forum_core.i18n import format_ago, machine_moment

MACHINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_moments_under_45_seconds_are_just_now_and_older_ones_are_not():
    now = dt.datetime(2026, 12, 6, 12, 0, 0, 654321, tzinfo=dt.UTC)
    en = Locale.parse("en")
    for seconds in (0, 1, 30, 44):
        assert format_ago(now - dt.timedelta(seconds=seconds), en, now=now,
                          just_now="net nu") == "net nu"
    assert format_ago(now - dt.timedelta(seconds=60), en, now=now) == "1 minute ago"
    assert format_ago(now - dt.timedelta(hours=3), en, now=now) == "3 hours ago"


def test_machine_moments_are_whole_seconds_in_utc():
    moment = dt.datetime(2026, 12, 6, 12, 0, 5, 654321, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert machine_moment(moment) == "2026-12-06T10:00:05Z"
    assert machine_moment(dt.datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05Z"


def test_a_new_topic_shows_just_now_with_a_valid_datetime(forum):
    forum.create_user("mira")
    forum.create_category("General")
    topic = forum.create_topic("mira", title="Fresh news", body="Hot off the press")
    for url in ("/", "/c/general", f"/t/{topic}/fresh-news"):
        page = forum.app.get(url)
        times = page.html.select("time")
        assert times, url
        assert all(MACHINE.match(t["datetime"]) for t in times), url
        assert "just now" in {t.text for t in times}, url
        assert "45 seconds ago" not in page.text, url
    page = forum.app.get(f"/t/{topic}/fresh-news")
    published = page.html.select_one("meta[property='article:published_time']")["content"]
    assert MACHINE.match(published)
