"""The members' side of support: the question lists, asking, the question box on a topic page,
accepting an answer and saying whether it helped. Every page works without JavaScript
(support.js only suggests similar questions while a title is typed)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render
from pyramid.view import view_config

from forum_core.api import (
    ConflictError,
    ForumError,
    IContentService,
    Markup,
    NotAllowedError,
    NotFoundError,
    Topic,
    User,
    ValidationError,
    _,
    find_similar,
    limits,
    localizer_of,
    once_per_request,
    parse_id,
    problem_page,
    visible_topics,
)

from . import support_of
from .models import (
    ESCALATED,
    FILTER_LABELS,
    FILTERS,
    NEEDS_INFO,
    SOLVED,
    STATE_LABELS,
    Private,
    Question,
)
from .services import (
    SupportService,
    can_ask,
    closed_for_replies,
    experts_among,
    parse_cursor,
)

#: posts on a topic's first page: an answer further on is linked with ``?after=``
FIRST_PAGE_POSTS = 20
#: what "similar questions" looks in: solved questions and knowledge base articles
SIMILAR_TYPES = ("question", "kb_article")
#: the icon before each state's name (the name is always written: never colour alone)
STATE_ICONS = {"open": "?", "answered": "↩", "solved": "✓", "needs_info": "…",
               "escalated": "⇡"}


def service_for(request) -> SupportService:
    return SupportService(request.db, request.viewer, request.find_service(IContentService))


def refusal(request, error: ForumError, back: str | None = None):
    """The page for a service's refusal, with the status of its kind."""
    status = 403 if isinstance(error, NotAllowedError) else (
        409 if isinstance(error, ConflictError) else 404 if isinstance(error, NotFoundError)
        else 400)
    return problem_page(request, error.message, status, back)


def page_answer(request, question: Question):
    """The question's accepted answer as the viewer may see it, read once per page (the
    question box and the answer under the question's text both show it)."""
    return once_per_request(request, ("support", "answer", question.topic_id),
                            lambda: service_for(request).accepted_post(question))


def topic_path(request, topic: Topic, number: int | None = None) -> str:
    """A topic's address, at post ``number`` (on the page that shows it) when given."""
    if number is None:
        return request.route_path("content.topic", topic_id=topic.id, slug=topic.slug)
    query = {"after": number - 1} if number > FIRST_PAGE_POSTS else {}
    return request.route_path("content.topic", topic_id=topic.id, slug=topic.slug,
                              _query=query, _anchor=f"post-{number}")


def state_labels(request) -> dict[str, str]:
    return {key: request.translate(label) for key, label in STATE_LABELS.items()}


def hours_text(request):
    """Hours as the reader writes numbers ("1.5", "1,5")."""
    locale = Locale.parse(request.locale_name)  # (parsed once, not per number)
    return lambda hours: format_decimal(hours, format="#,##0.##", locale=locale)


def week_label(request):
    """A week's Monday, short ("6 Dec"); a chart and its table name the same few weeks."""
    locale = Locale.parse(request.locale_name)
    return lru_cache(maxsize=None)(lambda day: format_date(day, "d MMM", locale=locale))


def times_line(request, question) -> str:
    """How long the question waited, for staff: first response and solution."""
    locale = request.locale_name

    def took(end):
        return format_timedelta(end - question.asked_at, locale=locale)

    parts = [request.translate(_("First response after ${time}",
                                 mapping={"time": took(question.first_response_at)}))
             if question.first_response_at else request.translate(_("No response yet"))]
    if question.solved_at:
        parts.append(request.translate(_("solved after ${time}",
                                         mapping={"time": took(question.solved_at)})))
    return " · ".join(parts)


def question_of(request, service: SupportService):
    """The question of the URL, if the viewer may see it (404 like a missing one)."""
    topic_id = parse_id(request.matchdict.get("topic_id"))
    found = None if topic_id is None else service.visible_question(topic_id)
    if found is None:
        raise HTTPNotFound()
    return found


def category_of(request, service: SupportService):
    found = service.visible_category(request.matchdict.get("slug", ""))
    if found is None:
        raise HTTPNotFound()
    return found


def acting_on(request, staff: bool = False):
    """The service, topic, question and topic page of a POST about the URL's question: by a
    signed-in member (a moderator or administrator when ``staff``); 403 otherwise, 404 for a
    question the viewer may not see."""
    if request.user is None or (staff and not request.viewer.is_staff):
        raise HTTPForbidden()
    service = service_for(request)
    topic, question, _support = question_of(request, service)
    return service, topic, question, topic_path(request, topic)


def private_title(request, topic: Topic, asker_id: int | None) -> str:
    """The title of the private conversation taken from ``topic``, in the language of the
    one who asked (it is their conversation), within the title's limit."""
    asker = None if asker_id is None else request.db.get(User, asker_id)
    localizer = localizer_of(request.registry, asker.locale if asker else None)
    title = localizer.translate(_("Private: ${title}", mapping={"title": topic.title}))
    return title[:limits.TITLE_MAX]


def _form_text(request, name: str) -> str:
    return request.POST.get(name, "")[:limits.FORM_FIELD_MAX]


# -- lists and asking ----------------------------------------------------------------------

@view_config(route_name="support.index", renderer="support/index.html")
def index(request):
    service = service_for(request)
    return {"categories": service.categories(), "is_staff": request.viewer.is_staff}


@view_config(route_name="support.category", renderer="support/category.html")
def category_page(request):
    service = service_for(request)
    category, support = category_of(request, service)
    back = request.route_path("support.category", slug=category.slug)
    chosen = request.GET.get("filter") or None
    if chosen is not None and chosen not in FILTERS:
        return problem_page(request, _("Unknown filter; choose unanswered, unsolved or solved."),
                       back=back)
    try:
        found = service.page(category, chosen, parse_cursor(request.GET.get("after")))
    except ValueError:
        return problem_page(request, _("This page address is not valid; start from the first "
                                  "page."), back=back)
    query = {"filter": chosen} if chosen else {}
    return {"category": category, "items": found.items, "filter": chosen,
            "filters": {key: request.translate(label) for key, label in FILTER_LABELS.items()},
            "labels": state_labels(request), "icons": STATE_ICONS,
            "can_ask": can_ask(request.viewer, category),
            "next_url": request.route_path("support.category", slug=category.slug,
                                           _query={**query, "after": found.next_cursor})
            if found.next_cursor else None}


def similar_questions(request, text: str, limit: int = 5):
    """Solved questions and knowledge base articles like ``text``, as the viewer may see
    them (questions that are not solved yet are left out: they answer nothing)."""
    hits = find_similar(request, text, types=SIMILAR_TYPES, limit=limit * 2)
    return [hit for hit in hits if hit.type != "question" or hit.status == SOLVED][:limit]


@view_config(route_name="support.ask", renderer="support/ask.html")
def ask(request):
    """Asking a question. Without JavaScript, the first submit shows similar solved questions
    and articles and asks to confirm; with it, they show while the title is typed."""
    service = service_for(request)
    category, _support = category_of(request, service)
    if not can_ask(request.viewer, category):
        if request.user is None:
            return HTTPSeeOther(request.route_path("accounts.login",
                                                   _query={"next": request.path_qs}))
        raise HTTPForbidden()
    values = {"title": "", "body": ""}
    result = {"category": category, "similar": [], "confirm": False, "error": None,
              "similar_url": f"{request.script_name}/api/v1/support/similar",
              "follow_up": None,
              "kinds": {"question": request.translate(_("solved question")),
                        "kb_article": request.translate(_("knowledge base article"))}}
    follow_up_id = parse_id(request.params.get("follow_up", ""))
    if follow_up_id is not None:
        found = service.visible_question(follow_up_id)
        if found is not None:
            result["follow_up"] = found[0]
    if request.method != "POST":
        if result["follow_up"] is not None:
            earlier = result["follow_up"]
            values["body"] = request.translate(_(
                "Follow-up to ${link}", mapping={"link": request.route_url(
                    "content.topic", topic_id=earlier.id, slug=earlier.slug)})) + "\n\n"
        return {**result, **values}
    values = {key: _form_text(request, key) for key in values}
    if not request.POST.get("confirm"):
        similar = similar_questions(request, values["title"])
        if similar:
            return {**result, **values, "similar": similar, "confirm": True}
    try:
        topic = service.ask(request.user, category, values["title"], values["body"])
    except ValidationError as exc:
        request.response.status = 400
        return {**result, **values, "error": request.translate(exc.message)}
    return HTTPSeeOther(topic_path(request, topic))


# -- the slots on category and topic pages -------------------------------------------------

def category_links(request, category) -> Markup:
    return Markup(render("support/_category_links.html",
                         {"category": category, "can_ask": can_ask(request.viewer, category),
                          "filters": {key: request.translate(label)
                                      for key, label in FILTER_LABELS.items()}}, request))


def topic_box(request, topic: Topic) -> Markup | None:
    """The question box (or the private conversation's note) under a topic's title."""
    service = service_for(request)
    question = request.db.get(Question, topic.id)
    if question is None:
        private = request.db.get(Private, topic.id)
        if private is None:
            return None
        about = None if private.question_id is None else request.db.scalar(
            visible_topics(request.viewer).where(Topic.id == private.question_id))
        names = service.names({private.asker_id})
        return Markup(render("support/_private_box.html",
                             {"about": about, "asker": names.get(private.asker_id),
                              "about_path": topic_path(request, about) if about else None},
                             request))
    support = support_of(request, topic.category_id)
    answer = page_answer(request, question)
    private = None
    if question.private_topic_id is not None:
        private = request.db.scalar(visible_topics(request.viewer)
                                    .where(Topic.id == question.private_topic_id))
    user = request.user
    is_asker = user is not None and user.id == question.asker_id
    names = service.names({question.claimed_by_id} if question.claimed_by_id else set())
    return Markup(render("support/_question_box.html", {
        "topic": topic, "question": question, "labels": state_labels(request),
        "icons": STATE_ICONS, "answer": answer,
        "answer_anchor": topic_path(request, topic) + "#support-answer",
        "answer_path": topic_path(request, topic, answer.number) if answer else None,
        "private": private,
        "private_path": topic_path(request, private) if private else None,
        "is_asker": is_asker, "is_staff": request.viewer.is_staff and user is not None,
        "claimed_by": names.get(question.claimed_by_id) if question.claimed_by_id else None,
        "closed": closed_for_replies(question, support) if support else False,
        "close_after_days": support.close_after_days if support else 0,
        "ask_path": request.route_path("support.ask", slug=topic.category.slug,
                                       _query={"follow_up": topic.id}),
        "times": times_line(request, question) if request.viewer.is_staff else "",
        "NEEDS_INFO": NEEDS_INFO, "ESCALATED": ESCALATED, "SOLVED": SOLVED,
    }, request))


def _page_marks(request, posts) -> dict:
    """Who on this page is staff or an expert, and the page's question: loaded once."""
    def load():
        topic = posts[0].topic
        question = request.db.get(Question, topic.id)
        support = support_of(request, topic.category_id)
        authors = {post.user_id for post in posts}
        experts = experts_among(request.db, request, support, authors) if support else set()
        staff = {post.user_id for post in posts
                 if post.author is not None and post.author.role in ("moderator", "admin")}
        return {"question": question, "experts": experts, "staff": staff}

    return once_per_request(request, ("support", "marks", posts[0].topic_id), load)


def author_mark(request, post, posts) -> Markup | None:
    marks = _page_marks(request, posts)
    if marks["question"] is None and request.db.get(Private, post.topic_id) is None:
        return None
    if post.user_id in marks["staff"]:
        label = request.translate(_("Staff"))
        return Markup('<span class="badge support-mark support-staff">{}</span>').format(label)
    if post.user_id in marks["experts"]:
        label = request.translate(_("Expert"))
        return Markup('<span class="badge support-mark support-expert">{}</span>').format(label)
    return None


def accepted_mark(request, post) -> Markup | None:
    question = _page_marks(request, [post])["question"]
    if question is None or question.accepted_post_id is None:
        return None
    if post.number == 1:
        answer = page_answer(request, question)
        if answer is None:
            return None
        return Markup(render("support/_answer.html", {
            "answer": answer, "answer_path": topic_path(request, post.topic, answer.number)},
            request))
    if question.accepted_post_id != post.id:
        return None
    return Markup('<p class="support-accepted-mark"><span aria-hidden="true">✓</span> {}</p>'
                  ).format(request.translate(_("Accepted answer")))


def accept_button(request, post) -> Markup | None:
    question = _page_marks(request, [post])["question"]
    if question is None or post.is_deleted or post.is_hidden or post.is_held:
        return None
    service = service_for(request)
    if not service.may_accept(question):
        return None
    accepted = question.accepted_post_id == post.id
    return Markup(render("support/_accept_button.html",
                         {"question": question, "post": post, "accepted": accepted}, request))


# -- what members do -----------------------------------------------------------------------

@view_config(route_name="support.accept", request_method="POST")
def accept(request):
    """Accept a reply as the answer (``post_id``), or take the answer back (``undo``)."""
    service, _topic, question, back = acting_on(request)
    try:
        if request.POST.get("undo"):
            service.unaccept(question)
            return HTTPSeeOther(back)
        post_id = parse_id(request.POST.get("post_id", ""))
        if post_id is None:
            raise ValidationError(_("Choose the reply that answers the question."))
        question = service.accept(question, post_id)
    except ForumError as exc:
        return refusal(request, exc, back)
    return HTTPSeeOther(back + "#support-question")


@view_config(route_name="support.helpful", request_method="POST")
def helpful(request):
    """The asker says whether the accepted answer helped."""
    service, _topic, question, back = acting_on(request)
    answer = request.POST.get("helpful", "")
    try:
        if answer not in ("yes", "no"):
            raise ValidationError(_("Answer yes or no."))
        service.answer_helped(question, answer == "yes")
    except ForumError as exc:
        return refusal(request, exc, back)
    return HTTPSeeOther(back + "#support-question")
