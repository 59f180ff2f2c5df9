"""Badges, points and ranks: recognition for what members contribute.

Administrators make badges from the rules the enabled plugins declare (the core's
``forum_register_badge_rules``: first post, N posts, days visited, first idea, an accepted
answer...), give and take them by hand, and set what each action is worth in points
(``forum_register_point_actions``). Members earn them after the change that earned them, in
a job (:mod:`.awarding`); every member is re-checked when the plugin is first enabled (a
backfill) and members seen lately every five minutes. Members see badges on their profile,
a rank beside their name on posts, badge pages listing who holds each, and a leaderboard.
What earned a badge is shown only to those who may see it (the content types' visibility).
"""

from __future__ import annotations

from pathlib import Path

from forum_core.api import (
    AdminPage,
    Markup,
    NotificationKind,
    Plugin,
    _,
    escape,
    hookimpl,
    static_file_path,
)

from . import models  # noqa: F401  (registers the plugin's tables)

plugin = Plugin(
    id="badges",
    description="Badges, points, ranks and leaderboards: recognition for what members "
                "contribute.",
    api_version=2,
)

#: served by the core under /static/plugins/badges
STATIC = Path(__file__).resolve().parent / "static"
AWARDED = NotificationKind("badges.awarded", _("You earned the badge ${title}"),
                           _("Badges I earn"), email="never")


@hookimpl
def forum_register_badge_rules():
    from .rules import RULES

    return list(RULES)


@hookimpl
def forum_register_point_actions():
    from .rules import ACTIONS

    return list(ACTIONS)


@hookimpl
def forum_on_event_in_transaction(session, event):
    """What a rule or a point action watches changed: re-check the members it concerns in
    a job after the commit (stored with the change, so a crash does not lose it)."""
    from .awarding import on_event

    on_event(session, event)


@hookimpl
def forum_register_jobs():
    from .awarding import jobs

    return jobs()


@hookimpl
def forum_register_content_types():
    from .contenttypes import BadgeType

    return [BadgeType()]


@hookimpl
def forum_register_notification_kinds():
    return [AWARDED]


@hookimpl
def forum_register_commands():
    from .cli import badges

    return [badges]


@hookimpl
def forum_register_admin_pages():
    return [AdminPage("badges.admin", _("Badges and points"),
                      _("Make badges from rules, give and take them by hand, set points and "
                        "ranks, feature members."))]


@hookimpl
def forum_register_api_endpoints():
    from .api import endpoints

    return endpoints()


@hookimpl(trylast=True)
def forum_demo_data(session, admin):
    """After the other plugins' demo content, so it has their ideas, articles and answers
    to award."""
    from .demo import demo_data

    demo_data(session, admin)


@hookimpl
def forum_extra_css_urls(request):
    return [static_file_path(request, STATIC / "badges.css")]


@hookimpl
def forum_tpl_nav(request):
    """A link to the badges and the leaderboard in the navigation bar."""
    label = request.localizer.translate(_("Badges"))
    return Markup('<li><a href="{}">{}</a></li>').format(request.route_path("badges.index"),
                                                          escape(label))


@hookimpl
def forum_tpl_post_author(request, post, posts):
    """The author's rank beside their name (ranks of the whole page read at once)."""
    from .views import post_author_html

    return post_author_html(request, post, posts)


@hookimpl
def forum_tpl_user_card(request, member):
    from .views import user_card_html

    return user_card_html(request, member)


@hookimpl
def forum_tpl_profile(request, member):
    from .views import profile_html

    return profile_html(request, member)


def includeme(config):
    """Pyramid configuration; the forum includes it under the URL prefix /badges."""
    from .views import add_routes

    add_routes(config)
