"""The badges plugin's JSON API endpoints (under /api/v1/badges and
/api/v1/users/{username}/badges, tag "badges", in the OpenAPI document).

Disabled badges answer 404, exactly like ones that do not exist. What earned an award (its
reason) is given only when the content type that names it lists the item among those the
caller may see (``content_types(request).get(type).items(request, keys)``); anything else,
an unknown type or a content type that fails, gives ``null``: the reason's title never
reaches a caller who may not read it. Giving and taking badges by hand is for
administrators; a service's refusal answers by its kind (404, 409 or 422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from forum_core.api import (
    USERNAME,
    ApiEndpoint,
    ApiProblem,
    IUserService,
    User,
    _,
    capability,
    cursor_parameter,
    limits,
    parse_id,
    query_parameter,
    same_for_every_visitor,
    text_schema,
    utcnow,
)

from .defaults import shown_description, shown_name
from .models import ICONS, LEVEL_LABELS, LEVELS, Award, Badge, Featured
from .reasons import reason_of, visible_reasons
from .rules import described
from .services import (
    CURSOR_PATTERN,
    PERIOD_LABELS,
    PERIODS,
    Recognition,
    decode_cursor,
    encode_cursor,
)

#: holders on one page of a badge
HOLDERS_PER_PAGE = 30
#: members on the leaderboard
LEADERBOARD_SIZE = 50

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}
LINKS = {"$ref": "#/components/schemas/Links"}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


BADGE = _object(
    id=INTEGER, slug=STRING, name=STRING, description=STRING,
    level={"type": "string", "enum": list(LEVELS)}, level_label=STRING,
    icon={**STRING, "description": "A built-in icon's name, or the address of the badge's "
                                   "uploaded icon."},
    icon_label=STRING,
    rule={**NULLABLE_STRING, "description": "The rule it is earned by; null for a badge only "
                                            "given by hand."},
    how=STRING, repeatable={"type": "boolean"}, holders=INTEGER, url=STRING)
BADGES = _object(items={"type": "array", "items": BADGE})
REASON = {"type": ["object", "null"], "required": ["type", "key", "title", "url"],
          "description": "What earned it, when the caller may see it; null otherwise.",
          "properties": {"type": STRING, "key": INTEGER, "title": STRING, "url": STRING}}
HOLDER = _object(username=STRING, name=STRING, url=STRING, awarded_at=DATETIME,
                 reason=REASON)
BADGE_PAGE = _object(badge=BADGE, items={"type": "array", "items": HOLDER}, links=LINKS)
MEMBER_BADGES = _object(
    username=STRING, name=STRING, url=STRING,
    badges={"type": "array", "items": _object(
        badge=BADGE, awards={"type": "array", "items": _object(awarded_at=DATETIME,
                                                               reason=REASON)})},
    points=_object(total=INTEGER, week=INTEGER, month=INTEGER),
    rank=NULLABLE_STRING, featured=NULLABLE_STRING)
LEADERBOARD = _object(
    period={"type": "string", "enum": list(PERIODS)}, period_label=STRING,
    group={"type": ["integer", "null"]},
    items={"type": "array", "items": _object(position=INTEGER, username=STRING, name=STRING,
                                              url=STRING, points=INTEGER,
                                              rank=NULLABLE_STRING)})
REVOKED = _object(username=STRING, revoked=INTEGER)

REASON_TEXT = text_schema(limits.REASON_MAX)
GRANT_BODY = {"type": "object", "required": ["username", "reason"],
              "additionalProperties": False,
              "properties": {"username": USERNAME, "reason": REASON_TEXT}}
REVOKE_BODY = {"type": "object", "required": ["reason"], "additionalProperties": False,
               "properties": {"reason": REASON_TEXT}}

CURSOR_PARAM = cursor_parameter(CURSOR_PATTERN)
PERIOD_PARAM = query_parameter("period", "week (default: since Monday), month or all.",
                               {"type": "string", "enum": list(PERIODS)})
GROUP_PARAM = query_parameter("group", "Only the members of this group (its id); for its "
                              "members and staff.",
                              {"type": "integer", "minimum": 1, "maximum": limits.MAX_ID})


# -- reading ----------------------------------------------------------------------------------

def _no_badge() -> ApiProblem:
    return ApiProblem(404, _("Not found"), _("There is no such badge."))


def _no_member() -> ApiProblem:
    return ApiProblem(404, _("Not found"), _("There is no member with this username."))


def _badge(request, enabled_only: bool = True) -> Badge:
    """The badge of the address; a disabled one is a 404 but for administrators giving or
    taking it (who are told it is disabled)."""
    slug = request.matchdict.get("slug", "")
    badge = request.db.scalar(select(Badge).where(Badge.slug == slug))
    if badge is None or (enabled_only and not badge.enabled):
        raise _no_badge()
    return badge


def _member(request, username: str) -> User:
    member = request.find_service(IUserService).get_by_username(username)
    if member is None or member.status == "banned":
        raise _no_member()
    return member


def icon_of(request, badge: Badge) -> str:
    """A built-in icon's name, or the address of the uploaded one."""
    if badge.icon or badge.icon_data is None:
        return badge.icon or "star"
    from .views import icon_version

    return request.route_url("badges.icon", badge_id=badge.id, version=icon_version(badge))


def badge_json(request, service: Recognition, badge: Badge) -> dict[str, Any]:
    rule = service.rule_of(badge)
    how = (described(rule, service.params_of(badge)) if rule is not None
           else _("Given by an administrator"))
    return {"id": badge.id, "slug": badge.slug, "name": shown_name(request.localizer, badge),
            "description": shown_description(request.localizer, badge),
            "level": badge.level,
            "level_label": request.translate(LEVEL_LABELS.get(badge.level, badge.level)),
            "icon": icon_of(request, badge),
            "icon_label": request.translate(ICONS[badge.icon]) if badge.icon in ICONS
            else shown_name(request.localizer, badge),
            "rule": badge.rule or None, "how": request.translate(how),
            "repeatable": badge.repeatable, "holders": badge.award_count,
            "url": request.route_url("badges.badge", slug=badge.slug)}


def reasons_for(request, awards: Iterable[Award]) -> dict[tuple[str, int], dict[str, Any]]:
    """The reasons of ``awards`` the caller may see, as the API gives them, by
    ``(type, key)`` (see :mod:`.reasons`)."""
    found = {}
    for (type_name, key), item in visible_reasons(request, awards).items():
        url = item.url if "://" in item.url else request.application_url + item.url
        found[(type_name, key)] = {"type": type_name, "key": key, "title": item.title,
                                   "url": url}
    return found


def _users(request, ids: Sequence[int]) -> dict[int, User]:
    """The members of a page, in one query."""
    if not ids:
        return {}
    return {user.id: user for user in request.db.scalars(
        select(User).where(User.id.in_(sorted(set(ids)))))}


def _profile(request, user: User) -> str:
    return request.route_url("accounts.profile", username=user.username)


def list_badges(context, request):
    same_for_every_visitor(request)
    service = Recognition(request.db)
    return {"items": [badge_json(request, service, badge) for badge in service.listing()]}


def _parse_cursor(request) -> tuple[dt.datetime, int] | None:
    raw = request.GET.get("cursor")
    if raw is None:
        return None
    before = decode_cursor(raw)
    if before is None:
        raise ApiProblem(400, _("Invalid cursor"), _(
            "The cursor was not made by this forum; start again from the first page."))
    return before


def read_badge(context, request):
    same_for_every_visitor(request)
    service = Recognition(request.db)
    badge = _badge(request)
    before = _parse_cursor(request)
    awards = service.holders(badge, before, limit=HOLDERS_PER_PAGE + 1)
    more = len(awards) > HOLDERS_PER_PAGE
    awards = awards[:HOLDERS_PER_PAGE]
    users = _users(request, [award.user_id for award in awards])
    reasons = reasons_for(request, awards)
    items: list[dict[str, Any]] = []
    for award in awards:
        user = users.get(award.user_id)
        if user is None:
            continue
        items.append({"username": user.username, "name": user.name,
                      "url": _profile(request, user), "awarded_at": award.created_at,
                      "reason": reason_of(reasons, award)})
    link = None
    if more and awards:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        link = request.path_url + "?" + urlencode({**query, "cursor": encode_cursor(awards[-1])})
    return {"badge": badge_json(request, service, badge), "items": items,
            "links": {"next": link}}


def _featured_title(request, user_id: int) -> str | None:
    now = utcnow()
    return request.db.scalar(
        select(Featured.title).where(Featured.user_id == user_id,
                                     Featured.until.is_(None) | (Featured.until > now))
        .order_by(Featured.created_at.desc(), Featured.id.desc()).limit(1))


def member_badges(context, request):
    same_for_every_visitor(request)
    member = _member(request, request.matchdict.get("username", ""))
    service = Recognition(request.db)
    held = service.awards_of(member.id)
    reasons = reasons_for(request, [award for _badge_, awards in held for award in awards])
    total, week, month = service.totals(member.id)
    rank = service.rank_for(service.ranks(), total)
    return {"username": member.username, "name": member.name,
            "url": _profile(request, member),
            "badges": [{"badge": badge_json(request, service, badge),
                        "awards": [{"awarded_at": award.created_at,
                                    "reason": reason_of(reasons, award)} for award in awards]}
                       for badge, awards in held],
            "points": {"total": total, "week": week, "month": month},
            "rank": service.shown_rank(request.localizer, rank) or None,
            "featured": _featured_title(request, member.id)}


def _group(request) -> int | None:
    """The ``group`` filter: only for the group's members and staff; an unknown group, one
    the caller is not in, or a forum without groups answers 404."""
    raw = request.GET.get("group")
    if raw is None:
        return None
    group_id = parse_id(raw)
    if group_id is None:
        raise ApiProblem(400, _("Invalid parameter"), _("Give a group's id in 'group'."))
    groups = capability(request, "groups")
    if groups is None:
        raise ApiProblem(404, _("Not found"), _(
            "This forum has no groups; leave out 'group' for everyone's leaderboard."))
    hidden = ApiProblem(404, _("Not found"), _(
        "There is no such group, or only its members may see its leaderboard."))
    if group_id not in groups.group_names(request.db):
        raise hidden
    viewer = request.viewer
    if viewer.user_id is None:
        raise hidden
    if not viewer.is_staff and not groups.members_among(request.db, group_id,
                                                        [viewer.user_id]):
        raise hidden
    return group_id


def leaderboard(context, request):
    same_for_every_visitor(request)
    period = request.GET.get("period", "week")
    if period not in PERIODS:
        raise ApiProblem(400, _("Invalid parameter"), _(
            "Choose the period: ${periods}.", mapping={"periods": ", ".join(PERIODS)}))
    group_id = _group(request)
    service = Recognition(request.db)
    rows = service.leaderboard(period, LEADERBOARD_SIZE, group_id)
    ids = [user_id for user_id, _points in rows]
    users = _users(request, ids)
    totals = service.totals_of(ids)
    ranks = service.ranks()
    items: list[dict[str, Any]] = []
    for user_id, points in rows:
        user = users.get(user_id)
        if user is None or user.status == "banned":
            continue
        rank = service.rank_for(ranks, totals.get(user_id, 0))
        items.append({"position": len(items) + 1, "username": user.username,
                      "name": user.name, "url": _profile(request, user), "points": points,
                      "rank": service.shown_rank(request.localizer, rank) or None})
    return {"period": period, "period_label": request.translate(PERIOD_LABELS[period]),
            "group": group_id, "items": items}


# -- by hand ------------------------------------------------------------------------------------

def _admin(request) -> None:
    if "role:admin" not in request.principals:
        raise ApiProblem(403, _("Forbidden"), _("Only administrators give and take badges."))


def grant(context, request):
    _admin(request)
    service = Recognition(request.db)
    badge = _badge(request, enabled_only=False)
    data = request.api_data
    member = _member(request, data["username"])
    award = service.grant(badge, member, request.user, data["reason"])
    return {"username": member.username, "name": member.name,
            "url": _profile(request, member), "awarded_at": award.created_at,
            "reason": None}


def revoke(context, request):
    _admin(request)
    service = Recognition(request.db)
    badge = _badge(request, enabled_only=False)
    member = _member(request, request.matchdict.get("username", ""))
    gone = service.revoke(badge, member, request.user, request.api_data["reason"])
    return {"username": member.username, "revoked": gone}


_BADGE = "/badges/{slug}"
ENDPOINTS = [
    ApiEndpoint("badges.list", "GET", "/badges", list_badges,
                "The badges members can earn, gold first", response_schema=BADGES,
                tag="badges"),
    # before /badges/{slug}: no badge's address is "leaderboard" (services.RESERVED_SLUGS)
    ApiEndpoint("badges.leaderboard", "GET", "/badges/leaderboard", leaderboard,
                "The members with the most points this week, this month or in all, "
                "optionally of one group (for its members and staff)",
                parameters=(PERIOD_PARAM, GROUP_PARAM), response_schema=LEADERBOARD,
                tag="badges"),
    ApiEndpoint("badges.read", "GET", _BADGE, read_badge,
                "A badge and who holds it, newest first", parameters=(CURSOR_PARAM,),
                response_schema=BADGE_PAGE, tag="badges",
                description="Each holder's `reason` names what earned the badge when the "
                            "caller may see it, and is null otherwise."),
    ApiEndpoint("badges.grant", "POST", _BADGE + "/grants", grant,
                "Give a member the badge by hand, with a reason (administrators)",
                request_schema=GRANT_BODY, response_schema=HOLDER, status=201,
                signed_in=True, tag="badges"),
    ApiEndpoint("badges.revoke", "DELETE", _BADGE + "/grants/{username}", revoke,
                "Take the badge away from a member, with a reason (administrators); its rule "
                "does not award it again", request_schema=REVOKE_BODY,
                response_schema=REVOKED, signed_in=True, tag="badges"),
    ApiEndpoint("badges.member", "GET", "/users/{username}/badges", member_badges,
                "A member's badges (each award with what earned it, where the caller may "
                "see it), points, rank and featured title", response_schema=MEMBER_BADGES,
                tag="badges"),
]


def endpoints() -> list[ApiEndpoint]:
    return list(ENDPOINTS)
