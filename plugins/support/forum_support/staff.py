"""The staff's side of support: the queue, claiming, marks, escalation, the service-level
dashboard with its CSV, and the administrators' page of support categories."""

from __future__ import annotations

import csv
import io

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import (
    Category,
    ForumError,
    ValidationError,
    _,
    keep_private,
    limits,
    parse_id,
    problem_page,
    safe_next,
    utcnow,
    visible_categories,
)

from .models import QUEUE_LABELS, QUEUE_VIEWS, STATE_LABELS, SupportCategory
from .services import CLOSE_DAYS_MAX, group_choices
from .stats import WEEKS_DEFAULT, WEEKS_MAX, chart, question_times, since, weekly
from .views import (
    STATE_ICONS,
    acting_on,
    hours_text,
    private_title,
    refusal,
    service_for,
    state_labels,
    topic_path,
    week_label,
)


def _staff_only(request) -> None:
    if request.user is None or not request.viewer.is_staff:
        raise HTTPForbidden()


@view_config(route_name="support.queue", renderer="support/queue.html")
def queue(request):
    """Open questions, oldest first, with how long they have waited and who handles them."""
    _staff_only(request)
    keep_private(request)
    shown = request.GET.get("show") or "waiting"
    if shown not in QUEUE_VIEWS:
        return problem_page(request, _("Unknown view of the queue; choose one of the tabs."),
                       back=request.route_path("support.queue"))
    service = service_for(request)
    items = service.queue(shown)
    names = service.names({question.claimed_by_id for _t, question in items
                           if question.claimed_by_id})
    return {"items": items, "names": names, "shown": shown, "now": utcnow(),
            "views": {key: request.translate(label) for key, label in QUEUE_LABELS.items()},
            "labels": state_labels(request), "icons": STATE_ICONS,
            "topic_path": lambda topic: topic_path(request, topic)}


@view_config(route_name="support.claim", request_method="POST")
def claim(request):
    """Claim a question (``action=claim``) or hand it back (``action=unclaim``)."""
    service, _topic, question, back = acting_on(request, staff=True)
    back = safe_next(request, request.POST.get("next"), back)
    try:
        action = request.POST.get("action", "")
        if action == "claim":
            service.claim(question)
        elif action == "unclaim":
            service.unclaim(question)
        else:
            raise ValidationError(_("Unknown action."))
    except ForumError as exc:
        return refusal(request, exc, back)
    return HTTPSeeOther(back)


@view_config(route_name="support.state", request_method="POST")
def set_state(request):
    """Mark "needs more information", or take the mark away (``state=open``)."""
    service, _topic, question, back = acting_on(request, staff=True)
    try:
        service.set_state(question, request.POST.get("state", "")[:40])
    except ForumError as exc:
        return refusal(request, exc, back)
    return HTTPSeeOther(back + "#support-question")


@view_config(route_name="support.escalate", request_method="POST")
def escalate(request):
    """Take the question to a private conversation with the asker."""
    service, topic, question, back = acting_on(request, staff=True)
    try:
        private = service.escalate(question, topic,
                                   request.POST.get("message", "")[:limits.FORM_FIELD_MAX],
                                   private_title(request, topic, question.asker_id))
    except ForumError as exc:
        return refusal(request, exc, back)
    return HTTPSeeOther(topic_path(request, private))


# -- the dashboard -------------------------------------------------------------------------

def _dashboard_scope(request):
    """The support categories shown (all the viewer may read, or the one asked for) and the
    number of weeks; a problem page for a bad choice."""
    service = service_for(request)
    categories = service.categories()
    slug = request.GET.get("category") or None
    if slug is not None:
        categories = [pair for pair in categories if pair[0].slug == slug]
        if not categories:
            return None, None, problem_page(request, _("There is no support category with that "
                                                  "address, or you may not see it."),
                                       status=404,
                                       back=request.route_path("support.dashboard"))
    weeks = parse_id(request.GET.get("weeks") or str(WEEKS_DEFAULT), maximum=WEEKS_MAX)
    if weeks is None or weeks < 1:
        return None, None, problem_page(request, _("Show 1 to ${maximum} weeks.",
                                              mapping={"maximum": WEEKS_MAX}),
                                   back=request.route_path("support.dashboard"))
    return categories, weeks, None


@view_config(route_name="support.dashboard", renderer="support/dashboard.html")
def dashboard(request):
    """Per support category and week: first-response and solution times (median and 90th
    percentile) as charts and tables."""
    _staff_only(request)
    keep_private(request)
    categories, weeks, refused = _dashboard_scope(request)
    if refused is not None:
        return refused
    chosen = request.GET.get("category") or ""
    figures = weekly(request.db, request.viewer, [c.id for c, _s in categories], weeks)
    sections = []
    for category, _support in categories:
        rows = figures[category.id]
        answered = sum(week.helpful_answers for week in rows)
        sections.append({
            "category": category, "weeks": [(week, week.figures()) for week in rows],
            "asked": sum(week.asked for week in rows),
            "waiting": sum(week.waiting for week in rows),
            "helpful": (sum(week.helpful_yes for week in rows), answered),
            "charts": {"first": chart(rows, "first"), "solution": chart(rows, "solution")}})
    query = {key: value for key, value in (("category", request.GET.get("category")),
                                           ("weeks", weeks)) if value}
    return {"sections": sections, "weeks": weeks,
            "all_categories": service_for(request).categories() if chosen else categories,
            "chosen": chosen,
            "csv_weeks": request.route_path("support.dashboard_csv", _query=query),
            "csv_questions": request.route_path("support.dashboard_csv",
                                                _query={**query, "rows": "questions"}),
            "since": since(weeks), "hours": hours_text(request),
            "week_label": week_label(request)}


#: a spreadsheet runs a cell that starts with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.2f}"


@view_config(route_name="support.dashboard_csv")
def dashboard_csv(request):
    """The dashboard's figures as CSV: a row per category and week, or (``rows=questions``)
    a row per question with its times in hours."""
    _staff_only(request)
    categories, weeks, refused = _dashboard_scope(request)
    if refused is not None:
        return refused
    names = {category.id: category.name for category, _s in categories}
    out = io.StringIO()
    writer = csv.writer(out)
    if request.GET.get("rows") == "questions":
        writer.writerow(["question_id", "title", "category", "state", "asked_at",
                         "first_response_hours", "solution_hours", "helpful", "handled_by"])
        for row in question_times(request.db, request.viewer, names, weeks):
            writer.writerow([row.topic_id, _cell(row.title), _cell(names[row.category_id]),
                             row.state, row.asked_at.isoformat(),
                             _hours(row.first_response), _hours(row.solution),
                             "" if row.helpful is None else ("yes" if row.helpful else "no"),
                             _cell(row.claimed_by)])
        name = "support-questions.csv"
    else:
        writer.writerow(["category", "week", "asked", "waiting", "first_response_median_hours",
                         "first_response_p90_hours", "solution_median_hours",
                         "solution_p90_hours"])
        for category_id, rows in weekly(request.db, request.viewer, names, weeks).items():
            for week in rows:
                figures = week.figures()
                writer.writerow([_cell(names[category_id]), week.start.isoformat(),
                                 week.asked, week.waiting,
                                 _hours(figures["first_median"]), _hours(figures["first_p90"]),
                                 _hours(figures["solution_median"]),
                                 _hours(figures["solution_p90"])])
        name = "support-weeks.csv"
    response = Response(out.getvalue(), content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{name}"'
    keep_private(request)
    response.cache_control = "private, no-store"
    return response


# -- administrators ------------------------------------------------------------------------

@view_config(route_name="support.admin", permission="administer",
             renderer="support/admin.html")
def admin(request):
    """Which categories are support categories, when their solved questions close, and
    whose replies are marked as experts'."""
    service = service_for(request)
    groups = group_choices(request)
    error = notice = None
    if request.method == "POST":
        category_id = parse_id(request.POST.get("category_id", ""))
        days = parse_id(request.POST.get("close_after_days", "0").strip() or "0",
                        maximum=CLOSE_DAYS_MAX)
        experts = request.POST.get("experts_group", "")
        experts_id = parse_id(experts) if experts else None
        category = None if category_id is None else request.db.scalar(
            visible_categories(request.viewer).where(Category.id == category_id))
        try:
            if category is None:
                raise ValidationError(_("Choose a category from the list."))
            if days is None:
                raise ValidationError(_("Close solved questions after 0 (never) to "
                                        "${maximum} days.", mapping={"maximum": CLOSE_DAYS_MAX}))
            if experts and experts_id not in groups:
                raise ValidationError(_("Choose the experts' group from the list."))
            enabled = request.POST.get("enabled") == "on"
            service.configure(category, enabled, days, experts_id)
            notice = (_("${name} is a support category.", mapping={"name": category.name})
                      if enabled else
                      _("${name} is no longer a support category.",
                        mapping={"name": category.name}))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
    categories = list(request.db.scalars(visible_categories(request.viewer)
                                         .order_by(Category.position, Category.id)))
    return {"categories": categories, "groups": groups,
            "supported": {row.category_id: row
                          for row in request.db.scalars(select(SupportCategory))},
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None,
            "labels": {key: request.translate(label) for key, label in STATE_LABELS.items()}}
