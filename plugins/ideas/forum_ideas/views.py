"""The idea pages; they all work without JavaScript (ideas.js only adds suggestions while
typing a title)."""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import (
    Category,
    IContentService,
    Topic,
    ValidationError,
    _,
    find_similar,
    limits,
    parse_id,
    problem_page,
    safe_next,
    visible_categories,
    visible_topics,
)

from .models import CLOSED, STATUS_LABELS, STATUSES, Idea, IdeaBoard
from .services import BUDGET_MAX, SORTS, BadCursor, IdeaService, can_submit, can_vote

SORT_LABELS = {"votes": _("Most votes"), "trending": _("Trending"), "newest": _("Newest")}


def service_for(request) -> IdeaService:
    return IdeaService(request.db, request.find_service(IContentService))


def is_staff(request) -> bool:
    return request.viewer.is_staff


def topic_path(request, topic: Topic) -> str:
    return request.route_path("content.topic", topic_id=topic.id, slug=topic.slug)


def status_labels(request) -> dict[str, str]:
    return {key: request.translate(label) for key, label in STATUS_LABELS.items()}


def _topic_id(request) -> int:
    found = parse_id(request.matchdict.get("topic_id"))
    if found is None:
        raise HTTPNotFound()
    return found


def _board(request, service: IdeaService):
    """The board of the URL; a category the viewer may not read is a 404 like a missing one."""
    found = service.visible_board(request.viewer, request.matchdict["slug"])
    if found is None:
        raise HTTPNotFound()
    return found


def topic_box(request, topic: Topic, idea: Idea, board) -> dict:
    """What the idea box on a topic page shows (also used by the board listing)."""
    service = IdeaService(request.db)
    user = request.user
    merged_into = None
    if idea.merged_into_id is not None:
        merged_into = request.db.scalar(visible_topics(request.viewer)
                                        .where(Topic.id == idea.merged_into_id))
    used = service.open_votes(user, board.category_id) if user and board.vote_budget else 0
    return {"topic": topic, "idea": idea, "board": board, "labels": status_labels(request),
            "statuses": STATUSES, "my_vote": service.my_votes(user, [topic.id]).get(topic.id, 0),
            "can_vote": can_vote(request.viewer) and not idea.is_closed,
            "used": used, "is_staff": is_staff(request), "merged_into": merged_into,
            "merged_path": topic_path(request, merged_into) if merged_into else None}


@view_config(route_name="ideas.index", renderer="ideas/index.html")
def index(request):
    return {"boards": IdeaService(request.db).boards(request.viewer)}


@view_config(route_name="ideas.board", renderer="ideas/board.html")
def board_page(request):
    service = service_for(request)
    category, board = _board(request, service)
    sort = request.GET.get("sort", "votes")
    status = request.GET.get("status") or None
    back = request.route_path("ideas.board", slug=category.slug)
    if sort not in SORTS:
        return problem_page(request, _("Unknown sort order; choose votes, trending or newest."),
                            back=back)
    if status is not None and status not in STATUS_LABELS:
        return problem_page(request, _("Unknown status; choose one from the list."), back=back)
    try:
        found = service.page(request.viewer, category, sort, status,
                             request.GET.get("after") or None)
    except BadCursor:
        return problem_page(request, _("This page address is not valid; start from the first "
                                   "page."), back=back)
    ids = [topic.id for topic, _idea in found.items]
    query = {"sort": sort, **({"status": status} if status else {})}
    return {"category": category, "board": board, "items": found.items,
            "my_votes": service.my_votes(request.user, ids), "sort": sort, "status": status,
            "sorts": {key: request.translate(label) for key, label in SORT_LABELS.items()},
            "labels": status_labels(request), "query": query,
            "next_url": request.route_path("ideas.board", slug=category.slug,
                                           _query={**query, "after": found.next_cursor})
            if found.next_cursor else None,
            "can_submit": can_submit(request.viewer, category), "closed": CLOSED,
            "voter": can_vote(request.viewer),
            "used": service.open_votes(request.user, category.id)
            if request.user and board.vote_budget else 0}


@view_config(route_name="ideas.roadmap", renderer="ideas/roadmap.html")
def roadmap(request):
    service = service_for(request)
    category, board = _board(request, service)
    return {"category": category, "columns": service.roadmap(request.viewer, category),
            "labels": status_labels(request)}


@view_config(route_name="ideas.new", renderer="ideas/new.html")
def new_idea(request):
    """Submitting an idea. Without JavaScript, the first submit shows similar ideas and asks
    to confirm; with it, they show while the title is typed."""
    service = service_for(request)
    category, board = _board(request, service)
    if not can_submit(request.viewer, category):
        raise HTTPForbidden()
    values = {"title": "", "body": ""}
    result = {"category": category, "similar": [], "confirm": False, "error": None,
              "similar_url": f"{request.script_name}/api/v1/ideas/boards/{category.slug}/similar"}
    if request.method != "POST":
        return {**result, **values}
    values = {key: request.POST.get(key, "")[:limits.FORM_FIELD_MAX] for key in values}
    if not request.POST.get("confirm"):
        similar = [hit for hit in find_similar(request, values["title"], types=["idea"],
                                               limit=10)
                   if hit.category is not None and hit.category.id == category.id][:5]
        if similar:
            return {**result, **values, "similar": similar, "confirm": True}
    try:
        topic = service.submit(request.user, category, values["title"], values["body"])
    except ValidationError as exc:
        request.response.status = 400
        return {**result, **values, "error": request.translate(exc.message)}
    return HTTPSeeOther(topic_path(request, topic))


def _visible_idea(request, service: IdeaService):
    found = service.visible_idea(request.viewer, _topic_id(request))
    if found is None:
        raise HTTPNotFound()
    return found


@view_config(route_name="ideas.vote", request_method="POST")
def vote(request):
    if not can_vote(request.viewer):
        raise HTTPForbidden()
    service = service_for(request)
    topic, idea, board = _visible_idea(request, service)
    back = topic_path(request, topic)
    action = request.POST.get("action", "")
    try:
        if action == "up":
            service.vote(idea, board, request.user, 1)
        elif action == "down":
            service.vote(idea, board, request.user, -1)
        elif action == "remove":
            service.unvote(idea, request.user)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        return problem_page(request, exc.message, back=back)
    return HTTPSeeOther(safe_next(request, request.POST.get("next"), back))


@view_config(route_name="ideas.status", request_method="POST", permission="moderate")
def set_status(request):
    service = service_for(request)
    topic, idea, _board = _visible_idea(request, service)
    back = topic_path(request, topic)
    try:
        service.set_status(idea, request.user, request.POST.get("status", "")[:40],
                           request.POST.get("note", "")[:limits.FORM_FIELD_MAX])
    except ValidationError as exc:
        return problem_page(request, exc.message, back=back)
    return HTTPSeeOther(back)


_TARGET = re.compile(rf"^\s*(?:.*/t/)?([0-9]{{1,{limits.ID_DIGITS}}})(?:[/?#].*)?\s*$")


@view_config(route_name="ideas.merge", request_method="POST", permission="moderate")
def merge(request):
    """Merge this idea into another, named by its number or its address."""
    service = service_for(request)
    topic, idea, _board = _visible_idea(request, service)
    back = topic_path(request, topic)
    found = _TARGET.match(request.POST.get("into", "")[:limits.FORM_FIELD_MAX])
    target_id = parse_id(found.group(1)) if found else None
    target = None if target_id is None else service.visible_idea(request.viewer, target_id)
    if target is None:
        return problem_page(request, _("There is no idea with that number or address."),
                            back=back)
    try:
        service.merge(idea, target[1], request.user,
                      request.POST.get("note", "")[:limits.FORM_FIELD_MAX])
    except ValidationError as exc:
        return problem_page(request, exc.message, back=back)
    return HTTPSeeOther(topic_path(request, target[0]))


@view_config(route_name="ideas.boards", permission="ideas.admin", renderer="ideas/boards.html")
def boards_admin(request):
    """The administrators' page: which categories are idea boards, and their rules."""
    service = service_for(request)
    error = notice = None
    if request.method == "POST":
        category_id = parse_id(request.POST.get("category_id", ""))
        budget = parse_id(request.POST.get("vote_budget", "0").strip() or "0",
                                 maximum=BUDGET_MAX)
        category = None if category_id is None else request.db.scalar(
            visible_categories(request.viewer).where(Category.id == category_id))
        try:
            if category is None:
                raise ValidationError(_("Choose a category from the list."))
            if budget is None:
                raise ValidationError(_("The vote budget is a number from 0 (no limit) to "
                                        "${maximum}.", mapping={"maximum": BUDGET_MAX}))
            enabled = request.POST.get("enabled") == "on"
            service.configure_board(category, enabled, request.POST.get("downvotes") == "on",
                                    budget)
            notice = (_("${name} is an idea board.", mapping={"name": category.name})
                      if enabled else
                      _("${name} is no longer an idea board.", mapping={"name": category.name}))
        except ValidationError as exc:
            request.response.status = 400
            error = exc.message
    categories = list(request.db.scalars(visible_categories(request.viewer)
                                         .order_by(Category.position, Category.id)))
    return {"categories": categories,
            "boards": {board.category_id: board
                       for board in request.db.scalars(select(IdeaBoard))},
            "error": request.translate(error) if error else None,
            "notice": request.translate(notice) if notice else None}

