"""Support questions and answers: customer service where other customers listen in and help.

An administrator makes a category a support category (``/support/admin``). Each topic there
is a question (a core topic with a row of :class:`~.models.Question`): open, answered, solved
once the asker or staff accept a reply, or marked by staff as needing more information or
escalated to a private conversation with the asker. Staff work from a queue of open
questions, oldest first, claim what they handle, and read first-response and solution times
on a dashboard. Everything the core does for topics (visibility, closed groups, moderation,
search, feeds) applies to questions as it is; private conversations are topics this plugin
governs, seen only by their asker and staff (:func:`forum_visibility_filter`).
"""

from __future__ import annotations

from pathlib import Path

from pyramid.authorization import Deny, Everyone
from sqlalchemy import bindparam, select

from forum_core.api import (
    AdminPage,
    Markup,
    Plugin,
    PostCreated,
    PostStateChanged,
    Topic,
    TopicCreated,
    TopicMoved,
    _,
    escape,
    governed_topics_for,
    hookimpl,
    once_per_request,
    read_rows,
    static_file_path,
)

from . import models  # noqa: F401  (registers the plugin's tables)
from .models import Private, SupportCategory

plugin = Plugin(
    id="support",
    description="Support questions and answers: accepted answers, a staff queue, service "
                "levels and escalation to a private conversation.",
    api_version=2,
)

#: served by the core under /static/plugins/support
STATIC = Path(__file__).resolve().parent / "static"

_PRIVATE_PREFIX = "support:private:"
_IS_SUPPORT = select(SupportCategory.category_id).where(
    SupportCategory.category_id == bindparam("category_id"))
_MY_PRIVATE = select(Private.topic_id).where(Private.asker_id == bindparam("user_id"))


def support_of(request, category_id: int) -> SupportCategory | None:
    """The category's support row, or None: asked by every topic and category page, most of
    them not support's, so one column is read first and the row only for a support one."""
    def find():
        found = read_rows(request.db, _IS_SUPPORT, {"category_id": category_id}).first()
        return None if found is None else request.db.get(SupportCategory, category_id)

    return once_per_request(request, ("support", "category", category_id), find)


# -- who sees what -------------------------------------------------------------------------

@hookimpl
def forum_extra_principals(request, user):
    """The asker of a private conversation gets its principal (one indexed read)."""
    if user is None:
        return []
    rows = read_rows(request.db, _MY_PRIVATE, {"user_id": user.id})
    return [f"{_PRIVATE_PREFIX}{topic_id}" for (topic_id,) in rows]


@hookimpl
def forum_visibility_filter(viewer, model):
    """Private conversations are for their asker and staff (moderators and administrators);
    the category they are in decides the rest, as for any topic."""
    if model is not Topic or viewer.is_staff:
        return None
    return governed_topics_for(plugin.id, viewer.principals, _PRIVATE_PREFIX)


@hookimpl
def forum_extra_acl(request, resource):
    """Questions are asked through the plugin's form (it shows similar solved questions
    first), so the core's "new topic" is refused in a support category; an old solved
    question takes no more replies."""
    category = getattr(resource, "category", None)
    topic = getattr(resource, "topic", None)
    if topic is None and category is not None:
        return [(Deny, Everyone, "start_topic")] if support_of(request, category.id) else []
    if topic is None or getattr(resource, "post", None) is not None:
        return []
    support = support_of(request, topic.category_id)
    if support is None or not support.close_after_days:
        return []
    from .models import Question
    from .services import closed_for_replies

    question = request.db.get(Question, topic.id)
    if question is not None and closed_for_replies(question, support):
        return [(Deny, Everyone, "reply")]
    return []


# -- what happens --------------------------------------------------------------------------

@hookimpl
def forum_on_event_in_transaction(session, event):
    """A topic of a support category is a question; replies answer it; a hidden or deleted
    accepted answer stops being the answer."""
    from .services import ANSWERED_KIND, SupportService

    if isinstance(event, TopicCreated):
        topic = session.get(Topic, event.topic_id)
        SupportService(session).question_started(event.topic_id, event.category_id,
                                                 event.user_id, topic.created_at)
    elif isinstance(event, PostCreated):
        from forum_core.api import Post, notify

        from .models import Question
        from .services import PRIVATE_REPLY_KIND

        if session.get(Question, event.topic_id) is None:
            # the asker of a private conversation did not start its topic (staff did): the
            # core tells a topic's author of replies, this tells the asker
            private = session.get(Private, event.topic_id)
            post = session.get(Post, event.post_id)
            if private is not None and post.number > 1 and not post.is_held:
                notify(session, [private.asker_id], PRIVATE_REPLY_KIND.name, post,
                       actor=post.author)
            return
        post = session.get(Post, event.post_id)
        asker = SupportService(session).reply_posted(post)
        if asker is not None:
            notify(session, [asker], ANSWERED_KIND.name, session.get(Question, event.topic_id),
                   actor=post.author)
    elif isinstance(event, PostStateChanged):
        SupportService(session).post_changed(event.post_id, event.topic_id)
    elif isinstance(event, TopicMoved):
        SupportService(session).topic_moved(event.topic_id, event.to_category_id)


# -- declarations --------------------------------------------------------------------------

@hookimpl
def forum_register_content_types():
    from .contenttypes import QuestionType

    return [QuestionType()]


@hookimpl
def forum_register_notification_kinds():
    from .services import KINDS

    return list(KINDS)


@hookimpl
def forum_register_capabilities():
    from .services import AcceptedAnswers

    return {"accepted_answer": AcceptedAnswers()}


@hookimpl
def forum_register_badge_rules():
    """A first accepted answer (:mod:`.recognition`)."""
    from .recognition import badge_rules

    return badge_rules()


@hookimpl
def forum_register_point_actions():
    """Points for every question whose accepted answer the member wrote."""
    from .recognition import point_actions

    return point_actions()


@hookimpl
def forum_register_admin_pages():
    return [AdminPage("support.admin", _("Support categories"),
                      _("Make categories support categories: questions with accepted answers, "
                        "experts and a staff queue."))]


@hookimpl
def forum_register_api_endpoints():
    from .api import ENDPOINTS

    return ENDPOINTS


@hookimpl
def forum_demo_data(session, admin):
    from .demo import create_demo_questions

    create_demo_questions(session, admin)


# -- what pages show -----------------------------------------------------------------------

@hookimpl
def forum_extra_css_urls(request):
    return [static_file_path(request, STATIC / "support.css")]


@hookimpl
def forum_extra_script_urls(request):
    return [static_file_path(request, STATIC / "support.js")]


@hookimpl
def forum_tpl_nav(request):
    label = escape(request.translate(_("Support")))
    return Markup('<li><a class="nav-support" href="{}">{}</a></li>').format(
        request.route_path("support.index"), label)


@hookimpl
def forum_tpl_category(request, category):
    """The question list's filters and "Ask a question" on a support category's page."""
    if support_of(request, category.id) is None:
        return None
    from .views import category_links

    return category_links(request, category)


@hookimpl
def forum_tpl_topic(request, topic):
    """A question's state, its accepted answer, the asker's and the staff's controls; or
    what a private conversation is about."""
    if support_of(request, topic.category_id) is None:
        return None
    from .views import topic_box

    return topic_box(request, topic)


@hookimpl
def forum_tpl_post_author(request, post, posts):
    """"Staff" and "Expert" beside the authors of a question's replies."""
    if support_of(request, post.topic.category_id) is None:
        return None
    from .views import author_mark

    return author_mark(request, post, posts)


@hookimpl
def forum_tpl_post_body(request, post, posts):
    """The accepted answer under the question's text, and "Accepted answer" under the
    reply that is one."""
    if support_of(request, post.topic.category_id) is None:
        return None
    from .views import accepted_mark

    return accepted_mark(request, post)


@hookimpl
def forum_tpl_post_actions(request, post, posts):
    """"Accept as answer" (or take it back) for the asker and staff."""
    if post.number == 1 or request.user is None \
            or support_of(request, post.topic.category_id) is None:
        return None
    from .views import accept_button

    return accept_button(request, post)


def includeme(config):
    """Pages under /support (the fixed addresses before those with a category's slug)."""
    config.add_route("support.index", "/")
    config.add_route("support.queue", "/queue")
    config.add_route("support.dashboard", "/dashboard")
    config.add_route("support.dashboard_csv", "/dashboard.csv")
    config.add_route("support.admin", "/admin")
    config.add_route("support.accept", "/q/{topic_id}/accept")
    config.add_route("support.helpful", "/q/{topic_id}/helpful")
    config.add_route("support.claim", "/q/{topic_id}/claim")
    config.add_route("support.state", "/q/{topic_id}/state")
    config.add_route("support.escalate", "/q/{topic_id}/escalate")
    config.add_route("support.ask", "/c/{slug}/ask")
    config.add_route("support.category", "/c/{slug}")
    config.scan(".views")
    config.scan(".staff")
