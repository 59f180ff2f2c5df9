"""Idea boards: members submit ideas, vote for them and discuss them; staff set their status.

An administrator turns a category into an idea board (``/ideas/boards``). Each idea is a core
topic of that category (replies are its comments) with a row holding its status and votes, so
everything the core does for topics (visibility, closed groups, moderation, search, feeds)
applies to ideas as it is. The plugin adds the board pages, the roadmap, voting, statuses,
merging of duplicates, a searchable "idea" document type, JSON API endpoints, and the badge
rules and point actions about ideas (:mod:`.recognition`).
"""

from __future__ import annotations

from pathlib import Path

from pyramid.authorization import Deny, Everyone
from pyramid.renderers import render
from sqlalchemy import bindparam, select

from forum_core.api import (
    AdminPage,
    Markup,
    Plugin,
    _,
    escape,
    hookimpl,
    once_per_request,
    read_rows,
    static_file_path,
)

from . import models  # noqa: F401  (registers the plugin's tables)
from .models import Idea, IdeaBoard

plugin = Plugin(
    id="ideas",
    description="Idea boards: submit ideas, vote for them, follow their status on a roadmap.",
    api_version=2,
)

#: served by the core under /static/plugins/ideas (by path: an editable install has no
#: package resources to read)
STATIC = Path(__file__).resolve().parent / "static"


#: whether a category is a board (every topic and category page asks: built once)
_IS_BOARD = select(IdeaBoard.category_id).where(IdeaBoard.category_id == bindparam("category_id"))


def _board_of(request, category_id: int) -> IdeaBoard | None:
    # asked several times per page (permissions, slots) and on every topic and category page,
    # most of them not a board's: a plain read of one column tells, the board is loaded only
    # for a board
    def find():
        found = read_rows(request.db, _IS_BOARD, {"category_id": category_id}).first()
        return None if found is None else request.db.get(IdeaBoard, category_id)

    return once_per_request(request, ("ideas", "board", category_id), find)


@hookimpl
def forum_extra_acl(request, resource):
    """On an idea board, topics are started through the plugin's own form (which makes them
    ideas and shows similar ones first), so the core's "new topic" is refused there."""
    category = getattr(resource, "category", None)
    if category is None or getattr(resource, "topic", None) is not None:
        return []
    if _board_of(request, category.id) is None:
        return []
    return [(Deny, Everyone, "start_topic")]


@hookimpl
def forum_register_content_types():
    from .contenttypes import IdeaType

    return [IdeaType()]


@hookimpl
def forum_register_notification_kinds():
    from .services import STATUS_CHANGED

    return [STATUS_CHANGED]


@hookimpl
def forum_register_capabilities():
    from .services import IdeaVotes

    return {"votes": IdeaVotes()}


@hookimpl
def forum_register_badge_rules():
    """A first idea, and each idea that reaches a number of votes (:mod:`.recognition`)."""
    from .recognition import badge_rules

    return badge_rules()


@hookimpl
def forum_register_point_actions():
    """Points for every vote an idea receives from someone else."""
    from .recognition import point_actions

    return point_actions()


@hookimpl
def forum_register_admin_pages():
    return [AdminPage("ideas.boards", _("Idea boards"),
                      _("Turn categories into idea boards and set their voting rules."))]


@hookimpl
def forum_register_api_endpoints():
    from .api import ENDPOINTS

    return ENDPOINTS


@hookimpl
def forum_extra_script_urls(request):
    return [static_file_path(request, STATIC / "ideas.js")]


@hookimpl
def forum_extra_css_urls(request):
    return [static_file_path(request, STATIC / "ideas.css")]


@hookimpl
def forum_tpl_nav(request):
    label = escape(request.translate(_("Ideas")))
    return Markup(f'<li><a class="nav-ideas" href="{escape(request.route_path("ideas.index"))}">'
                  f'{label}</a></li>')


@hookimpl
def forum_tpl_category(request, category):
    """Links to the board, its roadmap and the new-idea form on a board's category page."""
    board = _board_of(request, category.id)
    if board is None:
        return None
    return Markup(render("ideas/_category_links.html", {"category": category}, request))


@hookimpl
def forum_tpl_topic(request, topic):
    """An idea's status, note, votes and voting buttons (and the staff's forms)."""
    board = _board_of(request, topic.category_id)
    idea = request.db.get(Idea, topic.id) if board is not None else None
    if idea is None:  # (a topic outside the boards is never an idea: no query for it)
        return None
    from .views import topic_box

    return Markup(render("ideas/_idea_box.html", topic_box(request, topic, idea, board),
                         request))


@hookimpl
def forum_demo_data(session, admin):
    from .demo import create_demo_ideas

    create_demo_ideas(session, admin)


def includeme(config):
    """Pages under /ideas; the static routes come before the board's ``/{slug}``."""
    config.add_route("ideas.index", "/")
    config.add_route("ideas.boards", "/boards")
    config.add_route("ideas.vote", "/i/{topic_id}/vote")
    config.add_route("ideas.status", "/i/{topic_id}/status")
    config.add_route("ideas.merge", "/i/{topic_id}/merge")
    config.add_route("ideas.board", "/{slug}")
    config.add_route("ideas.new", "/{slug}/new")
    config.add_route("ideas.roadmap", "/{slug}/roadmap")
    config.scan(".views")
