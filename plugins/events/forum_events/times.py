"""Wall-clock times in an organiser's zone, and the dates a recurrence rule makes.

An event keeps the time the organiser gave (e.g. 18:30 in Europe/Amsterdam) and its zone;
its dates in UTC are worked out from them. Two days a year the clock makes that awkward:

- a time the clock skips (02:30 when it jumps from 02:00 to 03:00) is refused for the
  event's own start, with the reason; a later date of a recurring event that lands in the
  gap is taken as RFC 5545 says, with the offset from before the jump (03:30 that day);
- a time the clock shows twice (02:30 when it goes back from 03:00 to 02:00) must be
  chosen for the event's own start (``fold`` 0 is the first, 1 the second); a later date
  that lands there is the first of the two, as RFC 5545 says.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import rrulestr

from forum_core.api import ValidationError, _

from .models import MAX_OCCURRENCES

UTC = dt.UTC
#: the parts of an RRULE the forum takes: one time of day, repeated by days, weeks, months
#: or years (an event does not repeat every hour)
RULE_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY",
                        "BYMONTH", "BYSETPOS", "BYYEARDAY", "BYWEEKNO", "WKST"})
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
RULE_MAX = 300
_PART_VALUE = re.compile(r"^[A-Z0-9,+\-]{1,120}$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
#: the form's repeat choices as rules
FORM_RULES = {"daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY", "monthly": "FREQ=MONTHLY"}
#: a date a rule makes is looked for no further than this many years ahead
HORIZON_YEARS = 10


class RepeatedTime(ValidationError):
    """The start is a time the clock shows twice, and which one was not chosen."""


def is_skipped(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether the clock in ``zone`` never shows ``local`` (it jumps over it)."""
    there = local.replace(tzinfo=zone)
    back = there.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back != local


def is_repeated(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether the clock in ``zone`` shows ``local`` twice (it goes back over it)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_skipped(local, zone)


def to_utc(local: dt.datetime, zone: zoneinfo.ZoneInfo, fold: int = 0) -> dt.datetime:
    """``local`` on the clock of ``zone`` as a UTC time (a skipped time with the offset from
    before the jump, a repeated one as ``fold`` says)."""
    return local.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def check_start(local: dt.datetime, zone: zoneinfo.ZoneInfo, fold: int | None) -> int:
    """The fold of the event's own start; refuses a skipped time, and a repeated one for
    which ``fold`` (0 or 1) was not chosen."""
    shown = {"time": local.strftime("%H:%M"), "date": local.date().isoformat(),
             "zone": zone.key}
    if is_skipped(local, zone):
        raise ValidationError(_(
            "${time} does not exist on ${date} in ${zone}: the clocks jump forward over it. "
            "Choose another time.", mapping=shown))
    if is_repeated(local, zone):
        if fold not in (0, 1):
            raise RepeatedTime(_(
                "${time} happens twice on ${date} in ${zone}, because the clocks go back. "
                "Choose whether the event starts at the first or at the second ${time}.",
                mapping=shown))
        return fold
    return 0


def parse_local(date_text: str, time_text: str) -> dt.datetime:
    """A date (YYYY-MM-DD) and a time (HH:MM) from a form, as a wall-clock time."""
    try:
        day = dt.date.fromisoformat(date_text.strip())
        clock = dt.time.fromisoformat(time_text.strip())
    except ValueError:
        raise ValidationError(_("Give a date as YYYY-MM-DD and a time as HH:MM.")) from None
    if not 1970 <= day.year <= 9000:
        raise ValidationError(_("Give a date between the years 1970 and 9000."))
    return dt.datetime.combine(day, clock.replace(second=0, microsecond=0, tzinfo=None))


def normalise_rule(rule: str, zone: zoneinfo.ZoneInfo) -> str:
    """``rule`` checked and written in one way: known parts only, a daily or slower
    frequency, and an UNTIL in UTC turned into the event's wall-clock time (how the dates
    are worked out). Empty stays empty."""
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    if not rule:
        return ""
    if len(rule) > RULE_MAX:
        raise ValidationError(_("A recurrence rule has at most ${maximum} characters.",
                                mapping={"maximum": RULE_MAX}))
    parts: dict[str, str] = {}
    for piece in rule.upper().split(";"):
        name, equals, value = piece.partition("=")
        if not equals or name not in RULE_PARTS or not _PART_VALUE.match(value) \
                or name in parts:
            raise ValidationError(_(
                "The recurrence rule is not one the forum takes: write it as "
                "FREQ=WEEKLY;COUNT=10, with the parts ${parts}.",
                mapping={"parts": ", ".join(sorted(RULE_PARTS))}))
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError(_("An event repeats daily, weekly, monthly or yearly "
                                "(FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)."))
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValidationError(_("A recurrence rule has COUNT or UNTIL, not both."))
    if "UNTIL" in parts:
        found = _UNTIL.match(parts["UNTIL"])
        if found is None:
            raise ValidationError(_("UNTIL is a date (20271231) or a time (20271231T180000Z)."))
        day, clock, utc = found.groups()
        try:
            until = dt.datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
        except ValueError:
            raise ValidationError(_("UNTIL is not a date that exists.")) from None
        if utc:
            until = until.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    order = ["FREQ", *sorted(name for name in parts if name != "FREQ")]
    written = ";".join(f"{name}={parts[name]}" for name in order)
    try:
        rrulestr(written, dtstart=dt.datetime(2000, 1, 1))
    except (ValueError, TypeError, IndexError, OverflowError):
        raise ValidationError(_("The recurrence rule is not a valid RRULE.")) from None
    return written


@dataclass(frozen=True)
class Dates:
    """The UTC starts of an event's dates, first first, and whether the rule made more."""

    starts: tuple[dt.datetime, ...]
    capped: bool


def dates_of(starts_local: dt.datetime, fold: int, zone: zoneinfo.ZoneInfo,
             rule: str) -> Dates:
    """The event's dates in UTC: its own start, then each the rule makes (at most
    :data:`MAX_OCCURRENCES`, none more than :data:`HORIZON_YEARS` ahead of the first)."""
    first = to_utc(starts_local, zone, fold)
    if not rule:
        return Dates((first,), False)
    horizon = starts_local.replace(year=min(starts_local.year + HORIZON_YEARS, 9999))
    try:
        made = rrulestr(rule, dtstart=starts_local)
        locals_ = list(itertools.islice(
            itertools.takewhile(lambda moment: moment <= horizon, made), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError):
        raise ValidationError(_("The recurrence rule is not a valid RRULE.")) from None
    if not locals_:
        raise ValidationError(_("The recurrence rule makes no date at all."))
    capped = len(locals_) > MAX_OCCURRENCES
    starts = [to_utc(moment, zone, fold if moment == starts_local else 0)
              for moment in locals_[:MAX_OCCURRENCES]]
    if starts[0] != first:
        # RFC 5545: the start is the first date even when the rule would not make it
        starts = [first, *starts[:MAX_OCCURRENCES - 1]]
    return Dates(tuple(sorted(set(starts))), capped)


def local_text(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``moment`` on the clock of ``zone``, for a form (YYYY-MM-DD and HH:MM)."""
    there = moment.astimezone(zone)
    return there.strftime("%Y-%m-%d %H:%M")
