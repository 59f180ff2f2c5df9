"""Knowledge base: articles in sections, with revisions, review dates and feedback.

Sections form the knowledge base's own tree (not discussion categories), each with who may
read it and who may write, edit and publish in it; a section may live in a closed group's
space and is then as protected as the group's topics (:mod:`.access`, the plugin's one
visibility choke point). Every save of an article is a revision; readers see the published
one, editors the drafts too.
"""

from __future__ import annotations

from pathlib import Path

from forum_core.api import AdminPage, Markup, Plugin, Setting, _, escape, hookimpl, static_file_path

from . import models  # noqa: F401  (registers the plugin's tables)

plugin = Plugin(
    id="kb",
    description="Knowledge base: articles in sections, with revisions, review dates and feedback.",
    api_version=2,
    settings=(
        Setting("review_days", "int", 365, "Days after publishing when an article is due for "
                "review (0: no review date is set by itself).", minimum=0),
    ),
)

#: served by the core under /static/plugins/kb
STATIC = Path(__file__).resolve().parent / "static"


@hookimpl
def forum_extra_css_urls(request):
    return [static_file_path(request, STATIC / "kb.css")]


@hookimpl
def forum_tpl_nav(request):
    """A link to the knowledge base in the navigation bar."""
    label = escape(request.translate(_("Knowledge base")))
    return Markup('<li><a class="nav-kb" href="{}">{}</a></li>').format(
        request.route_path("kb.index"), label)


@hookimpl
def forum_register_admin_pages():
    return [AdminPage("kb.sections_admin", _("Knowledge base sections"),
                      _("Arrange the knowledge base's sections and who may write, edit and "
                        "publish in each."))]


def includeme(config):
    """Pages under /kb (the static routes before those with a slug)."""
    config.add_route("kb.index", "/")
    config.add_route("kb.search", "/search")
    config.add_route("kb.stale", "/stale")
    config.add_route("kb.sections_admin", "/admin/sections")
    config.add_route("kb.section_admin", "/admin/sections/{section_id}")
    config.add_route("kb.from_topic", "/from-topic/{topic_id}")
    config.add_route("kb.section_feed", "/s/{slug}/feed.atom")
    config.add_route("kb.new", "/s/{slug}/new")
    config.add_route("kb.section", "/s/{slug}")
    config.add_route("kb.edit", "/a/{article_id}/edit")
    config.add_route("kb.history", "/a/{article_id}/history")
    config.add_route("kb.diff", "/a/{article_id}/diff")
    config.add_route("kb.revision", "/a/{article_id}/v/{number}")
    config.add_route("kb.restore", "/a/{article_id}/restore")
    config.add_route("kb.publish", "/a/{article_id}/publish")
    config.add_route("kb.review", "/a/{article_id}/review")
    config.add_route("kb.feedback", "/a/{article_id}/feedback")
    config.add_route("kb.article_short", "/a/{article_id}")
    config.add_route("kb.article", "/a/{article_id}/{slug}")
    config.scan(".views")
    config.scan(".feedback")
    config.scan(".convert")
    config.scan(".editing")


# -- search, feeds, the sitemap, notifications, jobs, the API, badges, demo content -------

@hookimpl
def forum_register_content_types():
    from .contenttypes import ArticleType

    return [ArticleType()]


@hookimpl
def forum_register_notification_kinds():
    from .feedback import FEEDBACK
    from .reminders import REVIEW_DUE

    return [REVIEW_DUE, FEEDBACK]


@hookimpl
def forum_register_jobs():
    from .reminders import JOBS

    return JOBS


@hookimpl
def forum_register_badge_rules():
    """A first published article (:mod:`.recognition`)."""
    from .recognition import badge_rules

    return badge_rules()


@hookimpl
def forum_register_point_actions():
    """Points for every "Yes, this helped" another reader gives an article."""
    from .recognition import point_actions

    return point_actions()


@hookimpl
def forum_register_api_endpoints():
    from .api import ENDPOINTS

    return ENDPOINTS


@hookimpl
def forum_tpl_topic(request, topic):
    """The article a discussion became, and the staff's form turning it into one."""
    from .convert import topic_slot

    return topic_slot(request, topic)


@hookimpl
def forum_demo_data(session, admin):
    from .demo import create_demo_articles

    create_demo_articles(session, admin)
