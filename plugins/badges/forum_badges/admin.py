"""The administrators' badge pages: every badge (disabled ones too) with enabling and
disabling, making and changing a badge from a rule, giving and taking a badge by hand, what
actions are worth in points (and recounting everyone), the ranks, and featured members.

Every form posts with the CSRF token (the core refuses a POST without it); a refused form is
shown again with what to change (status 400, or 409 for a conflict) and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from forum_core.api import (
    ConflictError,
    ForumError,
    IUserService,
    NotFoundError,
    ValidationError,
    _,
    enqueue,
    limits,
    parse_id,
    recognition,
    static_file_path,
)

from . import STATIC
from .awarding import BACKFILL_JOB
from .icons import checked_icon
from .models import ICON_MAX, ICONS, LEVELS, Badge
from .rules import described
from .services import Recognition
from .views import (
    badge_text,
    icon_html,
    level_labels,
    service_for,
    users_by_id,
)

#: empty rows under the ranks, to add new ones
EMPTY_RANK_ROWS = 3
FEATURE_DAYS_MAX = 366
DONE = {
    "created": _("The badge was made."),
    "saved": _("The badge was saved."),
    "enabled": _("The badge is enabled: members can earn and see it."),
    "disabled": _("The badge is disabled: nobody earns or sees it now; its awards are kept."),
    "granted": _("The badge was given."),
    "revoked": _("The badge was taken away; its rule will not award it to them again."),
    "points": _("The points were saved. Members' points follow at their next re-check."),
    "recount": _("Everyone's badges and points are being recounted in the background."),
    "ranks": _("The ranks were saved."),
    "featured": _("The member is featured."),
    "unfeatured": _("The member is no longer featured."),
}


def _field(request, name: str) -> str:
    value = request.POST.get(name, "")
    return value[:limits.FORM_FIELD_MAX] if isinstance(value, str) else ""


def _status(error: ForumError) -> int:
    return 409 if isinstance(error, ConflictError) else (
        404 if isinstance(error, NotFoundError) else 400)


def _refused(request, error: ForumError) -> str:
    """Nothing of the refused request is saved; the page says why, with its status."""
    request.tm.doom()
    request.response.status = _status(error)
    return request.translate(error.message)


def _notice(request) -> str | None:
    message = DONE.get(request.GET.get("done", ""))
    return request.translate(message) if message is not None else None


def _badge_of(request) -> Badge:
    badge_id = parse_id(request.matchdict.get("badge_id"))
    badge = None if badge_id is None else request.db.get(Badge, badge_id)
    if badge is None:
        raise HTTPNotFound()
    return badge


def _member(request, username: str) -> Any:
    username = username.strip().lstrip("@")
    member = request.find_service(IUserService).get_by_username(username) if username else None
    if member is None:
        raise ValidationError(_("There is no member with the username “${name}”.",
                                mapping={"name": username[:40]}))
    return member


# -- the overview --------------------------------------------------------------------------

def _home(request, error: str | None = None, section: str | None = None,
          posted: dict[str, Any] | None = None) -> dict[str, Any]:
    service = service_for(request)
    badges = service.listing(include_disabled=True)
    rules = recognition(request).rules
    actions = recognition(request).actions
    values = service.point_values()
    if posted and "points" in posted:
        values = {**values, **posted["points"]}
    ranks = [(rank.name, str(rank.min_points)) for rank in service.ranks()]
    if posted and "ranks" in posted:
        ranks = [row for row in posted["ranks"] if row[0] or row[1]]
    featured = service.featured(limit=100)
    users = users_by_id(request, [item.user_id for item in featured])
    return {
        "badges": badges, "texts": {badge.id: badge_text(request, badge) for badge in badges},
        "icon": lambda badge: icon_html(request, badge, 32), "levels": level_labels(request),
        "rule_texts": {badge.id: request.translate(described(rules[badge.rule],
                                                             service.params_of(badge)))
                       for badge in badges if badge.rule in rules},
        "actions": [(name, request.translate(action.label), values.get(name, ""))
                    for name, action in actions.items()],
        "ranks": ranks + [("", "")] * EMPTY_RANK_ROWS,
        "featured": [(item, users.get(item.user_id)) for item in featured],
        "feature": (posted or {}).get("feature", {}),
        "error": error, "section": section, "notice": _notice(request),
        "backfill": service.state("backfill")}


@view_config(route_name="badges.admin", permission="administer",
             renderer="badges/admin.html")
def admin(request):
    return _home(request)


@view_config(route_name="badges.admin_points", permission="administer",
             request_method="POST", renderer="badges/admin.html")
def save_points(request):
    posted = {name: _field(request, f"points.{name}") for name in recognition(request).actions
              if f"points.{name}" in request.POST}
    try:
        service_for(request).set_point_values(posted)
    except ForumError as exc:
        return _home(request, _refused(request, exc), "points", {"points": posted})
    return HTTPSeeOther(request.route_path("badges.admin", _query={"done": "points"},
                                           _anchor="badges-points"))


@view_config(route_name="badges.admin_recount", permission="administer",
             request_method="POST")
def recount(request):
    """Re-check every member in the background, a batch at a time (the backfill job)."""
    service_for(request).set_state("backfill", "after:0")
    enqueue(request.db, BACKFILL_JOB, after=0)
    return HTTPSeeOther(request.route_path("badges.admin", _query={"done": "recount"},
                                           _anchor="badges-points"))


@view_config(route_name="badges.admin_ranks", permission="administer",
             request_method="POST", renderer="badges/admin.html")
def save_ranks(request):
    names = [name[:200] for name in request.POST.getall("rank_name")][:100]
    points = [value[:20] for value in request.POST.getall("rank_points")][:100]
    rows = list(zip(names, points, strict=False))
    try:
        for name, value in rows:
            if not name.strip() and value.strip():
                raise ValidationError(_("Give each rank a name."))
        service_for(request).set_ranks(rows)
    except ForumError as exc:
        return _home(request, _refused(request, exc), "ranks", {"ranks": rows})
    return HTTPSeeOther(request.route_path("badges.admin", _query={"done": "ranks"},
                                           _anchor="badges-ranks"))


@view_config(route_name="badges.admin_feature", permission="administer",
             request_method="POST", renderer="badges/admin.html")
def feature(request):
    posted = {key: _field(request, key) for key in ("username", "title", "note", "days")}
    try:
        member = _member(request, posted["username"])
        raw_days = posted["days"].strip()
        days = None
        if raw_days:
            days = parse_id(raw_days, maximum=FEATURE_DAYS_MAX)
            if days is None or days < 1:
                raise ValidationError(_("Feature a member for 1 to 366 days."))
        service_for(request).feature(member, request.user, posted["title"], posted["note"],
                                     days)
    except ForumError as exc:
        return _home(request, _refused(request, exc), "featured", {"feature": posted})
    return HTTPSeeOther(request.route_path("badges.admin", _query={"done": "featured"},
                                           _anchor="badges-featured"))


@view_config(route_name="badges.admin_unfeature", permission="administer",
             request_method="POST")
def unfeature(request):
    featured_id = parse_id(request.matchdict.get("featured_id"))
    if featured_id is None:
        raise HTTPNotFound()
    service_for(request).unfeature(featured_id)
    return HTTPSeeOther(request.route_path("badges.admin", _query={"done": "unfeatured"},
                                           _anchor="badges-featured"))


# -- one badge -----------------------------------------------------------------------------

def _rule_choices(request) -> list[dict[str, Any]]:
    return [{"name": name, "label": request.translate(rule.label),
             "description": request.translate(rule.description),
             "per_item": rule.per_item,
             "parameters": [{"name": p.name, "label": request.translate(p.label),
                             "default": p.default, "minimum": p.minimum,
                             "maximum": p.maximum} for p in rule.parameters]}
            for name, rule in sorted(recognition(request).rules.items(),
                                     key=lambda pair: request.translate(pair[1].label))]


def _values_of(badge: Badge | None) -> dict[str, Any]:
    if badge is None:
        return {"name": "", "description": "", "level": "bronze", "icon": "star", "rule": "",
                "params": {}, "repeatable": False}
    return {"name": badge.name, "description": badge.description, "level": badge.level,
            "icon": badge.icon or "upload", "rule": badge.rule,
            "params": Recognition.params_of(badge), "repeatable": badge.repeatable}


def _posted_values(request) -> dict[str, Any]:
    """The badge form as the service takes it; ``params`` are the chosen rule's
    (``params.<rule>.<name>``, or ``params.<name>``)."""
    rule = _field(request, "rule")
    params: dict[str, str] = {}
    if rule:
        prefix = f"params.{rule}."
        for key in request.POST:
            if key.startswith("params.") and "." not in key[len("params."):]:
                params[key[len("params."):]] = _field(request, key)
        for key in request.POST:
            if key.startswith(prefix):
                params[key[len(prefix):]] = _field(request, key)
    return {"name": _field(request, "name"), "description": _field(request, "description"),
            "level": _field(request, "level"), "icon": _field(request, "icon") or "star",
            "rule": rule, "params": params, "repeatable": bool(request.POST.get("repeatable"))}


def _uploaded_icon(request) -> tuple[bytes, str] | None:
    """The uploaded icon, checked (``icons.checked_icon``); None when none was sent."""
    upload = request.POST.get("icon_file")
    stream = getattr(upload, "file", None)
    if stream is None:
        return None
    data = stream.read(ICON_MAX + 1)
    if not data:
        return None
    return checked_icon(data)


def _form(request, badge: Badge | None, values: dict[str, Any] | None = None,
          error: str | None = None, section: str | None = None) -> dict[str, Any]:
    values = values or _values_of(badge)
    sprite = static_file_path(request, STATIC / "icons.svg")
    return {"badge": badge, "values": values, "rules": _rule_choices(request),
            "icons": [(name, request.translate(label)) for name, label in ICONS.items()],
            "sprite": sprite, "levels": level_labels(request), "level_order": LEVELS[::-1],
            "text": badge_text(request, badge) if badge is not None else None,
            "icon": icon_html(request, badge, 64) if badge is not None else None,
            "error": error, "section": section, "notice": _notice(request),
            "icon_max_kb": ICON_MAX // 1024,
            # each rule's parameter fields: the chosen rule's values, the others' defaults
            "param_values": {values["rule"]: values["params"]} if values["rule"] else {},
            "grant": {}, "revoke": {}}


@view_config(route_name="badges.admin_new", permission="administer",
             renderer="badges/admin_badge.html")
def new_badge(request):
    if request.method != "POST":
        return _form(request, None)
    values = _posted_values(request)
    try:
        badge = service_for(request).create(values, icon=_uploaded_icon(request))
    except ForumError as exc:
        return _form(request, None, values, _refused(request, exc), "badge")
    return HTTPSeeOther(request.route_path("badges.admin_edit", badge_id=badge.id,
                                           _query={"done": "created"}))


@view_config(route_name="badges.admin_edit", permission="administer",
             renderer="badges/admin_badge.html")
def edit_badge(request):
    badge = _badge_of(request)
    if request.method != "POST":
        return _form(request, badge)
    values = _posted_values(request)
    try:
        service_for(request).update(badge, values, icon=_uploaded_icon(request))
    except ForumError as exc:
        return _form(request, badge, values, _refused(request, exc), "badge")
    return HTTPSeeOther(request.route_path("badges.admin_edit", badge_id=badge.id,
                                           _query={"done": "saved"}))


@view_config(route_name="badges.admin_enabled", permission="administer",
             request_method="POST")
def set_enabled(request):
    badge = _badge_of(request)
    enabled = request.POST.get("enabled") == "1"
    service_for(request).set_enabled(badge, enabled)
    back = request.POST.get("back") == "list"
    done = {"done": "enabled" if enabled else "disabled"}
    if back:
        return HTTPSeeOther(request.route_path("badges.admin", _query=done))
    return HTTPSeeOther(request.route_path("badges.admin_edit", badge_id=badge.id, _query=done))


def _by_hand(request, action: str):
    badge = _badge_of(request)
    posted = {"username": _field(request, "username"), "reason": _field(request, "reason")}
    service = service_for(request)
    try:
        member = _member(request, posted["username"])
        if action == "grant":
            service.grant(badge, member, request.user, posted["reason"])
        else:
            service.revoke(badge, member, request.user, posted["reason"])
    except ForumError as exc:
        result = _form(request, badge, error=_refused(request, exc), section=action)
        result[action] = posted
        return result
    return HTTPSeeOther(request.route_path(
        "badges.admin_edit", badge_id=badge.id,
        _query={"done": "granted" if action == "grant" else "revoked"}))


@view_config(route_name="badges.admin_grant", permission="administer",
             request_method="POST", renderer="badges/admin_badge.html")
def grant(request):
    return _by_hand(request, "grant")


@view_config(route_name="badges.admin_revoke", permission="administer",
             request_method="POST", renderer="badges/admin_badge.html")
def revoke(request):
    return _by_hand(request, "revoke")
