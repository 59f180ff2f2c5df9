"""Wall-clock times, daylight saving and recurrence rules (no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from forum_events.models import MAX_OCCURRENCES
from forum_events.times import (
    RepeatedTime,
    check_start,
    dates_of,
    normalise_rule,
    parse_local,
)

from forum_core.api import ValidationError

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def test_a_time_the_clock_skips_is_refused_with_the_reason():
    # 29 March 2026: Amsterdam's clocks jump from 02:00 to 03:00
    with pytest.raises(ValidationError) as refused:
        check_start(dt.datetime(2026, 3, 29, 2, 30), AMSTERDAM, None)
    assert str(refused.value) == ("02:30 does not exist on 2026-03-29 in Europe/Amsterdam: "
                                  "the clocks jump forward over it. Choose another time.")
    assert check_start(dt.datetime(2026, 3, 29, 3, 30), AMSTERDAM, None) == 0


def test_a_time_the_clock_shows_twice_must_be_chosen():
    # 25 October 2026: the clocks go back from 03:00 to 02:00, so 02:30 happens twice
    repeated = dt.datetime(2026, 10, 25, 2, 30)
    with pytest.raises(RepeatedTime) as refused:
        check_start(repeated, AMSTERDAM, None)
    assert "happens twice on 2026-10-25" in str(refused.value)
    assert check_start(repeated, AMSTERDAM, 0) == 0
    assert check_start(repeated, AMSTERDAM, 1) == 1
    first = dates_of(repeated, 0, AMSTERDAM, "").starts[0]
    second = dates_of(repeated, 1, AMSTERDAM, "").starts[0]
    assert first == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert second == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET


def test_a_weekly_event_keeps_its_wall_clock_time_across_the_change():
    made = dates_of(dt.datetime(2026, 10, 18, 19, 0), 0, AMSTERDAM, "FREQ=WEEKLY;COUNT=3")
    assert [moment.astimezone(AMSTERDAM).strftime("%d %H:%M") for moment in made.starts] == [
        "18 19:00", "25 19:00", "01 19:00"]
    assert [moment.hour for moment in made.starts] == [17, 18, 18]  # in UTC: +2, then +1
    assert not made.capped


def test_a_later_date_in_the_gap_is_taken_as_rfc_5545_says():
    # a daily 02:30 runs into 29 March, when 02:30 does not exist: taken as 03:30 that day
    made = dates_of(dt.datetime(2026, 3, 28, 2, 30), 0, AMSTERDAM, "FREQ=DAILY;COUNT=3")
    assert [moment.astimezone(AMSTERDAM).strftime("%d %H:%M") for moment in made.starts] == [
        "28 02:30", "29 03:30", "30 02:30"]


def test_a_rule_without_end_is_cut_at_the_maximum_and_says_so():
    made = dates_of(dt.datetime(2026, 1, 5, 18, 0), 0, AMSTERDAM, "FREQ=DAILY")
    assert len(made.starts) == MAX_OCCURRENCES and made.capped
    bounded = dates_of(dt.datetime(2026, 1, 5, 18, 0), 0, AMSTERDAM, "FREQ=WEEKLY;COUNT=4")
    assert len(bounded.starts) == 4 and not bounded.capped


@pytest.mark.parametrize(("rule", "says"), [
    ("FREQ=HOURLY", "repeats daily, weekly, monthly or yearly"),
    ("FREQ=SECONDLY;COUNT=5", "repeats daily, weekly, monthly or yearly"),
    ("FREQ=WEEKLY;BYHOUR=3", "not one the forum takes"),
    ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL, not both"),
    ("FREQ=WEEKLY;UNTIL=20271399", "not a date that exists"),
    ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL is a date"),
    ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
    ("DTSTART=20260101;FREQ=DAILY", "not one the forum takes"),
    ("FREQ=WEEKLY;FREQ=DAILY", "not one the forum takes"),
    ("FREQ=DAILY;" + "BYMONTHDAY=1;" * 40, "at most 300 characters"),
])
def test_rules_the_forum_does_not_take_are_refused_with_the_reason(rule, says):
    with pytest.raises(ValidationError) as refused:
        normalise_rule(rule, AMSTERDAM)
    assert says in str(refused.value)


def test_an_until_in_utc_is_read_on_the_organisers_clock():
    rule = normalise_rule("RRULE:freq=weekly;until=20261231T230000Z", AMSTERDAM)
    assert rule == "FREQ=WEEKLY;UNTIL=20270101T000000"
    made = dates_of(dt.datetime(2026, 12, 3, 18, 0), 0, AMSTERDAM, rule)
    assert made.starts[-1].astimezone(AMSTERDAM).date() == dt.date(2026, 12, 31)


@pytest.mark.parametrize(("day", "time"), [
    ("2026-13-01", "18:00"), ("yesterday", "18:00"), ("2026-12-01", "25:00"),
    ("2026-12-01", ""), ("0001-01-01", "10:00")])
def test_dates_and_times_that_are_none_are_refused(day, time):
    with pytest.raises(ValidationError):
        parse_local(day, time)
