"""The members' badge pages: every badge, one badge with who holds it, the leaderboard, an
uploaded icon; and the slots: a rank beside an author's name, rank and points on a member's
card, their badges on their profile. Every page works without JavaScript.

What earned an award (its reason) names content that may be in a closed group: it is shown
only through the content type's ``items(request, keys)`` (what the viewer may see), and
anything that fails is shown as no reason at all.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import render
from pyramid.response import FileIter, Response
from pyramid.view import view_config
from sqlalchemy import select

from forum_core.api import (
    Markup,
    NotAvailable,
    NotFoundError,
    User,
    _,
    capability,
    once_per_request,
    parse_id,
    problem_page,
    recognition,
    static_file_path,
)

from . import STATIC
from .defaults import shown_description, shown_name
from .models import ICONS, LEVEL_LABELS, LEVELS, Badge
from .reasons import reason_of, visible_reasons
from .rules import described
from .services import PERIOD_LABELS, PERIODS, Recognition, decode_cursor, encode_cursor

#: holders on a badge's page
HOLDERS_PAGE = 30
LEADERBOARD_SIZE = 50


def add_routes(config):
    """The plugin's pages under /badges; the fixed ones before a badge's own address."""
    config.add_route("badges.index", "/")
    config.add_route("badges.leaderboard", "/leaderboard")
    config.add_route("badges.admin", "/admin")
    config.add_route("badges.admin_new", "/admin/new")
    config.add_route("badges.admin_points", "/admin/points")
    config.add_route("badges.admin_recount", "/admin/recount")
    config.add_route("badges.admin_ranks", "/admin/ranks")
    config.add_route("badges.admin_feature", "/admin/featured")
    config.add_route("badges.admin_unfeature", "/admin/featured/{featured_id}/remove")
    config.add_route("badges.admin_edit", "/admin/badge/{badge_id}")
    config.add_route("badges.admin_enabled", "/admin/badge/{badge_id}/enabled")
    config.add_route("badges.admin_grant", "/admin/badge/{badge_id}/grant")
    config.add_route("badges.admin_revoke", "/admin/badge/{badge_id}/revoke")
    config.add_route("badges.icon", "/icon/{badge_id}/{version}")
    config.add_route("badges.badge", "/{slug}")
    config.scan("forum_badges.views")
    config.scan("forum_badges.admin")


# -- what the pages share ------------------------------------------------------------------

def service_for(request) -> Recognition:
    return Recognition(request.db)


def icon_version(badge: Badge) -> str:
    """A short hash of the uploaded icon: its address changes with it (cached for long)."""
    return hashlib.sha256(badge.icon_data or b"").hexdigest()[:12]


def icon_html(request, badge: Badge, size: int = 40) -> Markup:
    """The badge's icon in its level's colour: a built-in one named for assistive technology
    ("Star"), or the uploaded picture (decorative: the badge's name is beside it)."""
    level = badge.level if badge.level in LEVELS else "bronze"
    if badge.icon_data is not None and not badge.icon:
        src = request.route_path("badges.icon", badge_id=badge.id,
                                 version=icon_version(badge))
        return Markup('<img class="badges-icon badges-icon-{}" src="{}" width="{}" height="{}" '
                      'alt="" loading="lazy">').format(level, src, size, size)
    name = badge.icon if badge.icon in ICONS else "star"
    sprite = static_file_path(request, STATIC / "icons.svg")
    return Markup('<svg class="badges-icon badges-icon-{}" width="{}" height="{}" '
                  'viewBox="0 0 24 24" role="img" aria-label="{}"><use href="{}#{}"/></svg>'
                  ).format(level, size, size, request.translate(ICONS[name]), sprite, name)


def level_labels(request) -> dict[str, str]:
    return {key: request.translate(label) for key, label in LEVEL_LABELS.items()}


def badge_text(request, badge: Badge) -> dict[str, str]:
    """The badge's name and what earns it, in the viewer's language."""
    description = shown_description(request.localizer, badge)
    if not description and badge.rule:
        rule = service_for(request).rule_of(badge)
        if rule is not None:
            description = request.translate(described(rule, Recognition.params_of(badge)))
    return {"name": shown_name(request.localizer, badge), "description": description}


def users_by_id(request, user_ids: Iterable[int]) -> dict[int, User]:
    """The members of a page, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {user.id: user for user in request.db.scalars(select(User).where(User.id.in_(ids)))}


def ranks_of(request) -> list[Any]:
    """The ranks, read once per request (every post on a topic page asks)."""
    return once_per_request(request, ("badges", "ranks"), lambda: service_for(request).ranks())


def rank_name(request, points: int) -> str:
    return Recognition.shown_rank(request.localizer,
                                  Recognition.rank_for(ranks_of(request), points))


def member_points(request, user_id: int) -> dict[str, Any]:
    """A member's points (in all, this week, this month) and rank, once per request."""
    def load() -> dict[str, Any]:
        total, week, month = service_for(request).totals(user_id)
        return {"total": total, "week": week, "month": month,
                "rank": rank_name(request, total)}

    return once_per_request(request, ("badges", "points", user_id), load)


def profile_path(request, member: User) -> str:
    return request.route_path("accounts.profile", username=member.username)


# -- pages ---------------------------------------------------------------------------------

@view_config(route_name="badges.index", renderer="badges/index.html")
def index(request):
    """Every enabled badge, gold first, with how many hold it; the members featured now."""
    service = service_for(request)
    badges = service.listing()
    groups = [(level, [b for b in badges if b.level == level]) for level in reversed(LEVELS)]
    featured = service.featured()
    users = users_by_id(request, [f.user_id for f in featured])
    return {"groups": [(level, items) for level, items in groups if items],
            "texts": {badge.id: badge_text(request, badge) for badge in badges},
            "icon": lambda badge: icon_html(request, badge),
            "levels": level_labels(request),
            "featured": [(f, users[f.user_id]) for f in featured if f.user_id in users],
            "profile_path": lambda member: profile_path(request, member)}


@view_config(route_name="badges.badge", renderer="badges/badge.html")
def badge_page(request):
    """A badge and who holds it, newest first, 30 a page (``?before=`` an earlier page's
    last award)."""
    service = service_for(request)
    try:
        badge = service.by_slug(request.matchdict["slug"])
    except NotFoundError:
        raise NotAvailable() from None
    raw = request.GET.get("before") or None
    before = None
    if raw is not None:
        before = decode_cursor(raw)
        if before is None:
            return problem_page(request, _("This page address is not valid; start from the "
                                           "first page."),
                                back=request.route_path("badges.badge", slug=badge.slug))
    awards = service.holders(badge, before=before, limit=HOLDERS_PAGE + 1)
    more = len(awards) > HOLDERS_PAGE
    awards = awards[:HOLDERS_PAGE]
    users = users_by_id(request, [award.user_id for award in awards])
    reasons = visible_reasons(request, awards)
    rows = [{"award": award, "member": users[award.user_id],
             "reason": reason_of(reasons, award)}
            for award in awards if award.user_id in users]
    next_url = (request.route_path("badges.badge", slug=badge.slug,
                                   _query={"before": encode_cursor(awards[-1])})
                if more else None)
    rule = service.rule_of(badge)
    return {"badge": badge, "text": badge_text(request, badge), "rows": rows,
            "icon": icon_html(request, badge, 64), "levels": level_labels(request),
            "next_url": next_url, "first_page": before is None,
            "rule_label": request.translate(rule.label) if rule is not None else "",
            "profile_path": lambda member: profile_path(request, member)}


@view_config(route_name="badges.icon")
def icon_file(request):
    """An uploaded icon, as stored (a re-encoded PNG or a checked SVG), sandboxed."""
    badge_id = parse_id(request.matchdict.get("badge_id"))
    badge = None if badge_id is None else request.db.get(Badge, badge_id)
    if badge is None or not badge.enabled or badge.icon_data is None:
        raise HTTPNotFound()
    data = bytes(badge.icon_data)
    response = Response(content_type=badge.icon_type or "image/png")
    # a file's answer: the forum's page caching leaves its headers alone
    response.app_iter = FileIter(io.BytesIO(data))
    response.content_length = len(data)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; "
                                                   "style-src 'unsafe-inline'; sandbox")
    if request.matchdict.get("version") == icon_version(badge):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


def _group_choices(request) -> dict[int, str] | None:
    """The groups the viewer may see a leaderboard of (their own; every group for staff),
    or None without the groups capability."""
    groups = capability(request, "groups")
    if groups is None:
        return None
    names = groups.group_names(request.db)
    if request.viewer.is_staff:
        return names
    if request.user is None:
        return {}
    mine = set(groups.group_ids_of(request.db, request.user.id))
    return {group_id: name for group_id, name in names.items() if group_id in mine}


@view_config(route_name="badges.leaderboard", renderer="badges/leaderboard.html")
def leaderboard(request):
    """The members with the most points this week, this month or of all time; with
    ``?group=``, only that group's (shown to its members and staff; 404 to anyone else)."""
    period = request.GET.get("period") or "week"
    back = request.route_path("badges.leaderboard")
    if period not in PERIODS:
        return problem_page(request, _("Unknown period; choose this week, this month or all "
                                       "time."), back=back)
    choices = _group_choices(request)
    raw_group = request.GET.get("group") or ""
    group_id = None
    if raw_group:
        group_id = parse_id(raw_group)
        if choices is None or group_id is None or group_id not in choices:
            raise NotAvailable()
    service = service_for(request)
    board = service.leaderboard(period, LEADERBOARD_SIZE, group_id)
    users = users_by_id(request, [user_id for user_id, _points in board])
    totals = service.totals_of([user_id for user_id, _points in board])
    rows = [{"place": place, "member": users[user_id], "points": points,
             "rank": rank_name(request, totals.get(user_id, 0))}
            for place, (user_id, points) in enumerate(board, start=1) if user_id in users]
    mine = member_points(request, request.user.id) if request.user is not None else None
    group_query = {"group": group_id} if group_id is not None else {}
    tabs = [(key, request.translate(PERIOD_LABELS[key]),
             request.route_path("badges.leaderboard", _query={"period": key, **group_query}))
            for key in PERIODS]
    actions = recognition(request).actions
    earning = [(request.translate(actions[name].label), worth)
               for name, worth in service.point_values().items() if worth]
    return {"rows": rows, "period": period, "tabs": tabs, "mine": mine, "earning": earning,
            "groups": choices or {}, "group_id": group_id,
            "group_name": (choices or {}).get(group_id) if group_id is not None else None,
            "period_label": request.translate(PERIOD_LABELS[period]),
            "profile_path": lambda member: profile_path(request, member)}


# -- the slots -----------------------------------------------------------------------------

def post_author_html(request, post, posts):
    """The author's rank beside their name; the totals of every author on the page are
    read in one query, once per request."""
    def load() -> dict[int, int]:
        return service_for(request).totals_of(
            sorted({p.user_id for p in posts if p.user_id is not None}))

    if post.user_id is None:
        return None
    key = ("badges", "page_totals", tuple(p.id for p in posts))
    totals = once_per_request(request, key, load)
    name = rank_name(request, totals.get(post.user_id, 0))
    if not name:
        return None
    label = request.translate(_("Rank"))
    return Markup('<span class="badges-rank"><span class="visually-hidden">{}: </span>{}'
                  '</span>').format(label, name)


def user_card_html(request, member):
    """Rank and points on a member's card."""
    return Markup(render("badges/_card.html", {"figures": member_points(request, member.id)},
                         request))


def profile_html(request, member):
    """The member's badges (a repeatable one counted), their points and rank, and what
    they are featured for now."""
    service = service_for(request)
    held = service.awards_of(member.id)
    reasons = visible_reasons(request, [award for _badge, awards in held for award in awards])
    items = []
    for badge, awards in held:
        shown = [reason for reason in (reason_of(reasons, award) for award in awards)
                 if reason is not None]
        items.append({"badge": badge, "text": badge_text(request, badge),
                      "icon": icon_html(request, badge, 32), "count": len(awards),
                      "repeatable": badge.repeatable, "reasons": shown[:5],
                      "latest": awards[0].created_at})
    return Markup(render("badges/_profile.html", {
        "member": member, "items": items, "figures": member_points(request, member.id),
        "featured": service.featured_of(member.id), "levels": level_labels(request)},
        request))

