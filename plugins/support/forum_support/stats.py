"""Service levels: how long questions wait for a first response and for a solution.

Per question, the first response is the first shown reply by someone other than the asker,
and the solution the first time an answer was accepted. Per support category and week (of
the day the question was asked, weeks starting on Monday, UTC), the dashboard shows the
median and the 90th percentile of both, over the questions that had one; questions still
waiting are counted apart, so a slow week cannot hide behind the ones not answered yet.

Only questions the viewer may see are counted (the core's ``visible_topics``): a support
category in a closed group's space adds nothing to the figures of staff outside the group.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import func, select

from forum_core.api import Topic, User, Viewer, topic_clause, utcnow, visible_topics

from .models import Question

#: the longest period the dashboard and its CSV cover
WEEKS_MAX = 104
WEEKS_DEFAULT = 12


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (the smallest value with at least
    ``share`` of them at or below it)."""
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week ``moment`` is in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Week:
    """One week of one category: how many were asked, and the times in seconds."""

    start: dt.date
    asked: int = 0
    first_responses: list[float] = field(default_factory=list)
    solutions: list[float] = field(default_factory=list)
    #: askers who said whether the accepted answer helped, and how many said it did
    helpful_answers: int = 0
    helpful_yes: int = 0

    @property
    def waiting(self) -> int:
        """Questions of the week that still have no response."""
        return self.asked - len(self.first_responses)

    def figures(self) -> dict[str, float | None]:
        first, solved = sorted(self.first_responses), sorted(self.solutions)
        return {"first_median": median(first) if first else None,
                "first_p90": percentile(first, 0.9) if first else None,
                "solution_median": median(solved) if solved else None,
                "solution_p90": percentile(solved, 0.9) if solved else None}


@dataclass
class QuestionTimes:
    topic_id: int
    title: str
    category_id: int
    state: str
    asked_at: dt.datetime
    first_response: float | None
    solution: float | None
    helpful: bool | None
    claimed_by: str | None


def _seconds(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def since(weeks: int, now: dt.datetime | None = None) -> dt.datetime:
    """The start (a Monday, 00:00 UTC) of the ``weeks`` weeks that end with this one."""
    monday = week_of(now or utcnow()) - dt.timedelta(weeks=weeks - 1)
    return dt.datetime.combine(monday, dt.time(), dt.UTC)


def _rows(session, viewer: Viewer, category_ids: Iterable[int], start: dt.datetime):
    """Every question of the period, with what the CSV lists of it."""
    return session.execute(
        visible_topics(viewer)
        .with_only_columns(Question.topic_id, Topic.title, Question.category_id,
                           Question.state, Question.asked_at, Question.first_response_at,
                           Question.solved_at, Question.helpful, User.username)
        .join(Question, Question.topic_id == Topic.id)
        .outerjoin(User, User.id == Question.claimed_by_id)
        .where(Question.category_id.in_(list(category_ids)), Question.asked_at >= start)
        .order_by(Question.asked_at, Question.topic_id)).tuples()


def _figures_sql(dialect: str):
    """The Monday of a question's week (as ``YYYY-MM-DD``) and its two waits in seconds,
    computed by the database: reading three timestamps per question into Python took most
    of the dashboard's time (timestamps are UTC without a zone in both databases)."""
    asked, first, solved = (Question.asked_at, Question.first_response_at,
                            Question.solved_at)
    if dialect == "postgresql":
        monday = func.to_char(func.date_trunc("week", asked), "YYYY-MM-DD")
        return (monday, func.extract("epoch", first - asked),
                func.extract("epoch", solved - asked))
    monday = func.date(asked, "weekday 0", "-6 days")
    return (monday, (func.julianday(first) - func.julianday(asked)) * 86400.0,
            (func.julianday(solved) - func.julianday(asked)) * 86400.0)


def weekly(session, viewer: Viewer, category_ids: Iterable[int], weeks: int = WEEKS_DEFAULT,
           now: dt.datetime | None = None) -> dict[int, list[Week]]:
    """Each category's weeks, oldest first (weeks without questions included)."""
    ids = list(category_ids)
    start = since(weeks, now)
    mondays = [start.date() + dt.timedelta(weeks=n) for n in range(weeks)]
    result = {category_id: {monday.isoformat(): Week(monday) for monday in mondays}
              for category_id in ids}
    if ids:
        monday, first, solution = _figures_sql(session.get_bind().dialect.name)
        rows = session.connection().execute(
            select(Question.category_id, monday, first, solution, Question.helpful)
            .select_from(Topic).join(Question, Question.topic_id == Topic.id)
            .where(topic_clause(viewer), Question.category_id.in_(ids),
                   Question.asked_at >= start))
        for category_id, week_start, first_s, solution_s, helpful in rows:
            week = result[category_id].get(week_start)
            if week is None:  # (asked "in the future" by a wrong clock)
                continue
            week.asked += 1
            if first_s is not None:
                # (whole seconds: julianday arithmetic is a float)
                week.first_responses.append(max(0, round(float(first_s))))
            if solution_s is not None:
                week.solutions.append(max(0, round(float(solution_s))))
            if helpful is not None:
                week.helpful_answers += 1
                week.helpful_yes += bool(helpful)
    return {category_id: list(weeks_.values()) for category_id, weeks_ in result.items()}


def question_times(session, viewer: Viewer, category_ids: Iterable[int],
                   weeks: int = WEEKS_DEFAULT, now: dt.datetime | None = None,
                   ) -> list[QuestionTimes]:
    """Every question of the period with its times, oldest first (for the CSV)."""
    ids = list(category_ids)
    if not ids:
        return []
    return [QuestionTimes(topic_id, title, category_id, state, asked_at,
                          _seconds(asked_at, first_at), _seconds(asked_at, solved_at),
                          helpful, name)
            for (topic_id, title, category_id, state, asked_at, first_at, solved_at, helpful,
                 name) in _rows(session, viewer, ids, since(weeks, now))]


def chart(weeks: Sequence[Week], key: str, width: int = 480, height: int = 220,
          ) -> dict:
    """What the template draws for one measure (``first`` or ``solution``): a bar per week
    for the median and one for the 90th percentile, in hours, on a shared scale."""
    figures = [week.figures() for week in weeks]
    values = [value for f in figures for value in (f[f"{key}_median"], f[f"{key}_p90"])
              if value is not None]
    top_hours = max([value / 3600 for value in values] + [1.0])
    scale = _nice(top_hours)
    left, bottom, top = 48, 28, 12
    inner_w, inner_h = width - left - 8, height - bottom - top
    slot = inner_w / max(1, len(weeks))
    bar = max(2.0, slot * 0.35)
    bars = []
    for n, (week, f) in enumerate(zip(weeks, figures, strict=True)):
        x = left + n * slot + slot * 0.1
        for offset, kind in ((0.0, "median"), (bar, "p90")):
            value = f[f"{key}_{kind}"]
            if value is None:
                continue
            h = inner_h * (value / 3600) / scale
            h = max(h, 3.0)  # a quick week is still a bar above the axis
            bars.append({"x": round(x + offset, 1), "y": round(top + inner_h - h, 1),
                         "w": round(bar, 1), "h": round(h, 1), "kind": kind,
                         "hours": value / 3600, "week": week.start})
    ticks = [{"y": round(top + inner_h - inner_h * i / 4, 1), "hours": scale * i / 4}
             for i in range(5)]
    # every few weeks a label, counted from this week (which always has one)
    step = max(1, math.ceil(len(weeks) / 5))
    labels = [{"x": round(left + n * slot + slot / 2, 1), "week": week.start}
              for n, week in enumerate(weeks) if (len(weeks) - 1 - n) % step == 0]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks,
            "labels": labels, "left": left, "bottom": height - bottom, "right": width - 8,
            "empty": not values}


def _nice(value: float) -> float:
    """A round number at or above ``value`` for the chart's scale (1, 2, 5 times a power
    of ten)."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power
