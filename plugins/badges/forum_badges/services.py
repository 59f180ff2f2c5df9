"""Badges, points and ranks: the writes (awarding, granting, counting points) and the reads
pages and the API share.

Awarding is a re-check of some members (:meth:`Recognition.check`): every enabled badge's
rule is asked who of them has earned it now, and what is not held yet is inserted if absent
(a unique key per badge, member and item), so a re-check run twice, or by two workers at
once, awards nothing twice. Points are re-checked the same way: each action lists what earns
the members points now; entries that no longer hold go, new ones are added, and each
member's total is recounted from their entries under a lock of its row, so concurrent
re-checks of one member take turns and the total is always the sum of what is there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from forum_core.api import (
    BadgeRule,
    ConflictError,
    NotFoundError,
    ValidationError,
    _,
    capability,
    insert_all_if_absent,
    insert_if_absent,
    limits,
    lock_row,
    notify,
    parse_id,
    recognition,
    slugify,
    utcnow,
)

from .models import (
    ICONS,
    LEVELS,
    Award,
    Badge,
    Featured,
    PointsEntry,
    PointsTotal,
    PointsValue,
    Rank,
    Revoked,
    State,
)

AWARDED_KIND = "badges.awarded"
#: the periods of the leaderboard and of a member's totals
PERIODS = ("week", "month", "all")
PERIOD_LABELS = {"week": _("This week"), "month": _("This month"), "all": _("All time")}
#: the ranks a forum starts with (names translated where they are these)
DEFAULT_RANKS = ((0, _("Newcomer")), (50, _("Regular")), (250, _("Contributor")),
                 (1000, _("Expert")))
NAME_MAX = 80
#: the plugin's own pages under /badges, which no badge's address may take
RESERVED_SLUGS = {"leaderboard", "admin", "icon", "featured", "member"}
DESCRIPTION_MAX = 500
_CONTROLS = re.compile(f"[{limits.TEXT_CONTROLS}]")


def period_start(period: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When ``period`` began: Monday 00:00 UTC of this week, the 1st of this month, or None
    for all time."""
    now = now or utcnow()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return None


def _text(value: Any, maximum: int, what: Any, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if _CONTROLS.search(text) or len(text) > maximum:
        raise ValidationError(_("${what} may have at most ${maximum} characters and no "
                                "control characters.", mapping={"what": what,
                                                                "maximum": maximum}))
    if required and not text:
        raise ValidationError(_("${what} cannot be empty.", mapping={"what": what}))
    return text


@dataclass(frozen=True)
class Totals:
    """A member's points: in all, this week and this month, and their rank."""

    total: int
    week: int
    month: int
    rank: str


class Recognition:
    """Badges and points of one database session."""

    def __init__(self, session: Any) -> None:
        self.db = session

    # -- badges ----------------------------------------------------------------------------

    def rule_of(self, badge: Badge) -> BadgeRule | None:
        """The badge's rule, or None when it is given by hand or its plugin is not enabled."""
        return recognition(self.db).rules.get(badge.rule) if badge.rule else None

    @staticmethod
    def params_of(badge: Badge) -> dict[str, int]:
        try:
            params = json.loads(badge.params or "{}")
        except ValueError:
            return {}
        return params if isinstance(params, dict) else {}

    def _checked(self, values: Mapping[str, Any]) -> dict[str, Any]:
        name = _text(values.get("name"), NAME_MAX, _("Name"))
        description = _text(values.get("description"), DESCRIPTION_MAX, _("Description"),
                            required=False)
        level = str(values.get("level") or "bronze")
        if level not in LEVELS:
            raise ValidationError(_("Choose bronze, silver or gold as the level."))
        icon = str(values.get("icon") or "star")
        if icon not in ICONS and icon != "upload":
            raise ValidationError(_("Choose one of the icons, or upload one."))
        rule_name = str(values.get("rule") or "")
        params: dict[str, int] = {}
        repeatable = bool(values.get("repeatable"))
        if rule_name:
            rule = recognition(self.db).rules.get(rule_name)
            if rule is None:
                raise ValidationError(_("There is no rule ${rule}; choose one from the list.",
                                        mapping={"rule": rule_name[:80]}))
            params = rule.check(values.get("params") or {})
            if repeatable and not rule.per_item:
                raise ValidationError(_("Only a rule that counts items one by one can make a "
                                        "repeatable badge."))
        return {"name": name, "description": description, "level": level,
                "icon": "" if icon == "upload" else icon, "rule": rule_name,
                "params": json.dumps(params, sort_keys=True), "repeatable": repeatable}

    def _unique_slug(self, name: str, badge_id: int | None = None) -> str:
        base = slugify(name)[:70] or "badge"
        if base in RESERVED_SLUGS:
            base = f"{base}-badge"
        slug, n = base, 1
        while True:
            taken = self.db.scalar(select(Badge.id).where(Badge.slug == slug))
            if taken is None or taken == badge_id:
                return slug
            n += 1
            slug = f"{base}-{n}"

    def create(self, values: Mapping[str, Any], icon: tuple[bytes, str] | None = None,
               builtin: str | None = None) -> Badge:
        """A new badge from the administrator's ``values`` (name, description, level, icon,
        rule, params, repeatable); ``icon`` is a checked upload (``icons.checked_icon``).

        :raises ValidationError: saying what to change; nothing is saved.
        """
        checked = self._checked(values)
        if not checked["icon"] and icon is None:
            raise ValidationError(_("Upload an icon, or choose one of the icons."))
        badge = Badge(slug=self._unique_slug(checked["name"]), builtin=builtin, **checked)
        if icon is not None:
            badge.icon_data, badge.icon_type = icon
            badge.icon = ""
        self.db.add(badge)
        self.db.flush()
        return badge

    def update(self, badge: Badge, values: Mapping[str, Any],
               icon: tuple[bytes, str] | None = None) -> Badge:
        """Change a badge; its awards stay (a stricter rule takes nothing back)."""
        checked = self._checked(values)
        if not checked["icon"] and icon is None and badge.icon_data is None:
            raise ValidationError(_("Upload an icon, or choose one of the icons."))
        for key, value in checked.items():
            if key != "icon" or value or icon is not None:
                setattr(badge, key, value)
        if icon is not None:
            badge.icon_data, badge.icon_type = icon
            badge.icon = ""
        elif checked["icon"]:
            badge.icon_data, badge.icon_type = None, ""
        self.db.flush()
        return badge

    def set_enabled(self, badge: Badge, enabled: bool) -> None:
        """A disabled badge is awarded no more and shown nowhere; its awards are kept."""
        badge.enabled = enabled
        self.db.flush()

    def by_slug(self, slug: str, enabled_only: bool = True) -> Badge:
        badge = self.db.scalar(select(Badge).where(Badge.slug == slug))
        if badge is None or (enabled_only and not badge.enabled):
            raise NotFoundError(_("There is no such badge."))
        return badge

    def listing(self, include_disabled: bool = False) -> list[Badge]:
        """Every badge, gold first, then by name."""
        query = select(Badge)
        if not include_disabled:
            query = query.where(Badge.enabled.is_(True))
        badges = list(self.db.scalars(query))
        badges.sort(key=lambda b: (-LEVELS.index(b.level) if b.level in LEVELS else 0,
                                   b.name.lower()))
        return badges

    # -- by hand ---------------------------------------------------------------------------

    def grant(self, badge: Badge, member: Any, by: Any, note: str) -> Award:
        """Give ``member`` the badge by hand, with a reason; a revocation is lifted.

        :raises ValidationError: for an empty or overlong reason.
        :raises ConflictError: for a suspended or banned member, a disabled badge, or a
            badge the member holds already.
        """
        note = _text(note, limits.REASON_MAX, _("Reason"))
        if member.is_restricted(utcnow()):
            raise ConflictError(_("${name} is suspended or banned; badges cannot be given to "
                                  "them now.", mapping={"name": member.name}))
        if not badge.enabled:
            raise ConflictError(_("This badge is disabled; enable it before giving it."))
        self.db.execute(delete(Revoked).where(Revoked.badge_id == badge.id,
                                              Revoked.user_id == member.id,
                                              Revoked.item == ""))
        if not self._award(badge, member.id, "", None, None, granted_by=by.id, note=note):
            raise ConflictError(_("${name} has this badge already.",
                                  mapping={"name": member.name}))
        notify(self.db, [member.id], AWARDED_KIND, ("badge", badge.id), actor=by)
        return self.db.scalars(select(Award).where(Award.badge_id == badge.id,
                                                   Award.user_id == member.id,
                                                   Award.item == "")).one()

    def revoke(self, badge: Badge, member: Any, by: Any, note: str) -> int:
        """Take the badge away from ``member`` (every award of a repeatable one), with a
        reason; its rule will not award it again. Returns how many awards went.

        :raises NotFoundError: when the member does not have it.
        """
        note = _text(note, limits.REASON_MAX, _("Reason"))
        items = list(self.db.scalars(select(Award.item).where(Award.badge_id == badge.id,
                                                               Award.user_id == member.id)))
        if not items:
            raise NotFoundError(_("${name} does not have this badge.",
                                  mapping={"name": member.name}))
        gone = self.db.execute(delete(Award).where(Award.badge_id == badge.id,
                                                   Award.user_id == member.id)
                               .execution_options(synchronize_session=False)).rowcount
        self._count(badge.id, -gone)
        for item in items:
            insert_if_absent(self.db, Revoked, {"badge_id": badge.id, "user_id": member.id,
                                                "item": item, "revoked_by_id": by.id,
                                                "note": note})
        return gone

    # -- awarding by rule ------------------------------------------------------------------

    def _count(self, badge_id: int, step: int) -> None:
        if step:
            self.db.execute(update(Badge).where(Badge.id == badge_id)
                            .values(award_count=Badge.award_count + step)
                            .execution_options(synchronize_session=False))

    def _award(self, badge: Badge, user_id: int, item: str, reason_type: str | None,
               reason_key: int | None, granted_by: int | None = None, note: str = "") -> bool:
        inserted = insert_if_absent(self.db, Award, {
            "badge_id": badge.id, "user_id": user_id, "item": item,
            "reason_type": reason_type, "reason_key": reason_key,
            "granted_by_id": granted_by, "note": note}, ("badge_id", "user_id", "item"))
        if inserted:
            self._count(badge.id, 1)
        return inserted

    def check(self, user_ids: Iterable[int], tell: bool = True) -> int:
        """Re-check ``user_ids``: award what they earned, count their points. With ``tell``,
        each new award is notified. Returns how many badges were awarded."""
        users = sorted(set(user_ids))
        if not users:
            return 0
        awarded = self.check_badges(users, tell)
        self.count_points(users)
        return awarded

    def check_badges(self, users: Sequence[int], tell: bool = True) -> int:
        awarded = 0
        for badge in self.db.scalars(select(Badge).where(Badge.enabled.is_(True),
                                                         Badge.rule != "")):
            rule = self.rule_of(badge)
            if rule is None:
                continue
            held = set(self.db.execute(
                select(Award.user_id, Award.item).where(Award.badge_id == badge.id,
                                                        Award.user_id.in_(users))).all())
            held |= set(self.db.execute(
                select(Revoked.user_id, Revoked.item).where(Revoked.badge_id == badge.id,
                                                            Revoked.user_id.in_(users))).all())
            per_item = badge.repeatable and rule.per_item
            new: dict[tuple[int, str], dict[str, Any]] = {}
            for earned in rule.earned(self.db, self.params_of(badge), users):
                item = (f"{earned.type_name}:{earned.key}"[:60]
                        if per_item and earned.type_name else "")
                if (earned.user_id, item) not in held and (earned.user_id, item) not in new:
                    new[(earned.user_id, item)] = {
                        "badge_id": badge.id, "user_id": earned.user_id, "item": item,
                        "reason_type": earned.type_name, "reason_key": earned.key,
                        "granted_by_id": None, "note": "", "created_at": utcnow()}
            if not new:
                continue
            # a concurrent re-check may have inserted some: only what this one inserted
            # counts and is told
            inserted = insert_all_if_absent(self.db, Award, list(new.values()),
                                            ("badge_id", "user_id", "item"),
                                            returning=("user_id",))
            self._count(badge.id, len(inserted))
            awarded += len(inserted)
            if tell:
                for user_id in sorted({row.user_id for row in inserted}):
                    notify(self.db, [user_id], AWARDED_KIND, ("badge", badge.id))
        return awarded

    # -- points ----------------------------------------------------------------------------

    def point_values(self) -> dict[str, int]:
        """What each declared action is worth now, by name."""
        changed = dict(self.db.execute(select(PointsValue.action, PointsValue.points)).all())
        return {name: changed.get(name, action.default_points)
                for name, action in recognition(self.db).actions.items()}

    def set_point_values(self, values: Mapping[str, Any]) -> None:
        """Set what actions are worth (whole numbers from -1000 to 1000); members' points
        follow at their next re-check (``forum badges backfill`` recounts everyone).

        :raises ValidationError: naming the action whose value is not such a number.
        """
        actions = recognition(self.db).actions
        checked: dict[str, int] = {}
        for name, raw in values.items():
            action = actions.get(name)
            if action is None:
                raise ValidationError(_("There is no action ${name}.",
                                        mapping={"name": str(name)[:80]}))
            text = str(raw).strip()
            value = int(text) if re.fullmatch(r"-?[0-9]{1,4}", text) else None
            if value is None or not -1000 <= value <= 1000:
                raise ValidationError(_("Points for “${action}” must be a whole number from "
                                        "-1000 to 1000.", mapping={"action": action.label}))
            checked[name] = value
        for name, value in checked.items():
            self.db.merge(PointsValue(action=name, points=value))
        self.db.flush()

    def count_points(self, users: Sequence[int]) -> None:
        """Bring the points entries and totals of ``users`` in line with what earns them
        points now."""
        for user_id in users:  # (one order everywhere: two re-checks never wait in a circle)
            insert_if_absent(self.db, PointsTotal, {"user_id": user_id, "total": 0})
            lock_row(self.db, PointsTotal, user_id)
        values = self.point_values()
        actions = recognition(self.db).actions
        truth: dict[tuple[int, str, str], tuple[int, dt.datetime]] = {}
        for name, points in values.items():
            if points:
                for user_id, subject, when in actions[name].earned(self.db, users):
                    truth[(user_id, name, subject[:60])] = (points, when)
        held = {(user_id, action, subject): (entry_id, points)
                for entry_id, user_id, action, subject, points in self.db.execute(
                    select(PointsEntry.id, PointsEntry.user_id, PointsEntry.action,
                           PointsEntry.subject, PointsEntry.points)
                    .where(PointsEntry.user_id.in_(users)))}
        stale = [entry_id for key, (entry_id, _points) in held.items() if key not in truth]
        for start in range(0, len(stale), 500):
            self.db.execute(delete(PointsEntry).where(PointsEntry.id.in_(stale[start:start + 500]))
                            .execution_options(synchronize_session=False))
        missing = [{"user_id": key[0], "action": key[1], "subject": key[2], "points": points,
                    "earned_at": when}
                   for key, (points, when) in truth.items() if key not in held]
        insert_all_if_absent(self.db, PointsEntry, missing, ("user_id", "action", "subject"))
        for key, (points, _when) in truth.items():
            found = held.get(key)
            if found is not None and found[1] != points:
                self.db.execute(update(PointsEntry).where(PointsEntry.id == found[0])
                                .values(points=points)
                                .execution_options(synchronize_session=False))
        summed = (select(func.coalesce(func.sum(PointsEntry.points), 0))
                  .where(PointsEntry.user_id == PointsTotal.user_id).scalar_subquery())
        self.db.execute(update(PointsTotal).where(PointsTotal.user_id.in_(users))
                        .values(total=summed, updated_at=utcnow())
                        .execution_options(synchronize_session=False))

    # -- reading ---------------------------------------------------------------------------

    def ranks(self) -> list[Rank]:
        """The ranks, lowest first."""
        return list(self.db.scalars(select(Rank).order_by(Rank.min_points)))

    @staticmethod
    def shown_rank(localizer: Any, rank: Rank | None) -> str:
        """The rank's name in the viewer's language (a default one), else as written."""
        if rank is None:
            return ""
        for _points, name in DEFAULT_RANKS:
            if rank.name == str(name):
                return str(localizer.translate(name))
        return rank.name

    @staticmethod
    def rank_for(ranks: Sequence[Rank], points: int) -> Rank | None:
        found = None
        for rank in ranks:
            if points >= rank.min_points:
                found = rank
        return found

    def totals_of(self, user_ids: Sequence[int]) -> dict[int, int]:
        """The all-time points of each of ``user_ids`` who has any (one query)."""
        if not user_ids:
            return {}
        return dict(self.db.execute(select(PointsTotal.user_id, PointsTotal.total)
                                    .where(PointsTotal.user_id.in_(list(user_ids)))).all())

    def totals(self, user_id: int) -> tuple[int, int, int]:
        """A member's points in all, this week and this month."""
        total = self.totals_of([user_id]).get(user_id, 0)
        week, month = (self.db.scalar(
            select(func.coalesce(func.sum(PointsEntry.points), 0))
            .where(PointsEntry.user_id == user_id, PointsEntry.earned_at >= period_start(p)))
            for p in ("week", "month"))
        return total, int(week or 0), int(month or 0)

    def leaderboard(self, period: str, limit: int = 50,
                    group_id: int | None = None) -> list[tuple[int, int]]:
        """``(member id, points)`` of the members with the most points in ``period``, most
        first (ties: the longer-standing member first); with ``group_id``, only that group's
        members (the ``groups`` capability decides who they are)."""
        start = period_start(period)
        if start is None:
            query = (select(PointsTotal.user_id, PointsTotal.total.label("points"))
                     .where(PointsTotal.total > 0)
                     .order_by(PointsTotal.total.desc(), PointsTotal.user_id))
        else:
            points = func.sum(PointsEntry.points).label("points")
            query = (select(PointsEntry.user_id, points)
                     .where(PointsEntry.earned_at >= start).group_by(PointsEntry.user_id)
                     .having(func.sum(PointsEntry.points) > 0)
                     .order_by(points.desc(), PointsEntry.user_id))
        if group_id is None:
            return [(user_id, int(p)) for user_id, p in self.db.execute(query.limit(limit))]
        groups = capability(self.db, "groups")
        if groups is None:
            return []
        found: list[tuple[int, int]] = []
        offset, chunk = 0, max(limit * 4, 200)
        while len(found) < limit:
            rows = [(user_id, int(p)) for user_id, p in
                    self.db.execute(query.offset(offset).limit(chunk))]
            if not rows:
                break
            members = groups.members_among(self.db, group_id, [user_id for user_id, _p in rows])
            found.extend(row for row in rows if row[0] in members)
            offset += chunk
        return found[:limit]

    def holders(self, badge: Badge, before: tuple[dt.datetime, int] | None = None,
                limit: int = 30) -> list[Award]:
        """The badge's awards, newest first, ``limit`` after the keyset ``before``."""
        query = select(Award).where(Award.badge_id == badge.id)
        if before is not None:
            at, award_id = before
            query = query.where(or_(Award.created_at < at,
                                    and_(Award.created_at == at, Award.id < award_id)))
        return list(self.db.scalars(query.order_by(Award.created_at.desc(), Award.id.desc())
                                    .limit(limit)))

    def awards_of(self, user_id: int) -> list[tuple[Badge, list[Award]]]:
        """The member's enabled badges, each with its awards (newest first), the badge
        earned last first."""
        rows = self.db.execute(
            select(Badge, Award).join(Award, Award.badge_id == Badge.id)
            .where(Award.user_id == user_id, Badge.enabled.is_(True))
            .order_by(Award.created_at.desc(), Award.id.desc())).all()
        grouped: dict[int, tuple[Badge, list[Award]]] = {}
        for badge, award in rows:
            grouped.setdefault(badge.id, (badge, []))[1].append(award)
        return list(grouped.values())

    def featured(self, limit: int = 6) -> list[Featured]:
        """The members featured now, newest first."""
        now = utcnow()
        return list(self.db.scalars(
            select(Featured).where((Featured.until.is_(None)) | (Featured.until > now))
            .order_by(Featured.created_at.desc(), Featured.id.desc()).limit(limit)))

    def featured_of(self, user_id: int) -> list[Featured]:
        """The member's features that hold now, newest first (their profile shows them)."""
        now = utcnow()
        return list(self.db.scalars(
            select(Featured).where(Featured.user_id == user_id,
                                   (Featured.until.is_(None)) | (Featured.until > now))
            .order_by(Featured.created_at.desc(), Featured.id.desc())))

    def feature(self, member: Any, by: Any, title: str, note: str = "",
                days: int | None = None) -> Featured:
        """Feature ``member`` ("Member of the month") for ``days`` (None: until removed).

        :raises ValidationError: for an empty or overlong title or note, or a number of days
            outside 1 to 366.
        """
        title = _text(title, NAME_MAX, _("Title"))
        note = _text(note, DESCRIPTION_MAX, _("Note"), required=False)
        if member.is_restricted(utcnow()):
            raise ConflictError(_("${name} is suspended or banned; they cannot be featured "
                                  "now.", mapping={"name": member.name}))
        if days is not None and not 1 <= days <= 366:
            raise ValidationError(_("Feature a member for 1 to 366 days."))
        until = None if days is None else utcnow() + dt.timedelta(days=days)
        featured = Featured(user_id=member.id, title=title, note=note, featured_by_id=by.id,
                            until=until)
        self.db.add(featured)
        self.db.flush()
        return featured

    def unfeature(self, featured_id: int) -> None:
        self.db.execute(delete(Featured).where(Featured.id == featured_id))

    # -- ranks -----------------------------------------------------------------------------

    def set_ranks(self, ranks: Iterable[tuple[Any, Any]]) -> None:
        """Replace the ranks with ``(name, from points)`` pairs (empty names skipped).

        :raises ValidationError: for a rank without points or a number used twice.
        """
        checked: dict[int, str] = {}
        for name, raw in ranks:
            text = _text(name, 60, _("Rank"), required=False)
            if not text:
                continue
            try:
                points = int(str(raw).strip())
            except ValueError:
                raise ValidationError(_("Give each rank the points it starts from, as a "
                                        "whole number.")) from None
            if not 0 <= points <= 10_000_000 or points in checked:
                raise ValidationError(_("Each rank starts from a different number of points, "
                                        "from 0 to 10,000,000."))
            checked[points] = text
        self.db.execute(delete(Rank))
        for points, text in sorted(checked.items()):
            self.db.add(Rank(name=text, min_points=points))
        self.db.flush()

    # -- the plugin's bookkeeping ----------------------------------------------------------

    def state(self, key: str) -> str | None:
        row = self.db.get(State, key)
        return None if row is None else row.value

    def set_state(self, key: str, value: str) -> None:
        self.db.merge(State(key=key, value=value))
        self.db.flush()


#: where a page of a badge's holders starts: the last award's time on the page before
#: (microseconds since 1970, UTC; 17 digits reach the year 5138, so every value of this form
#: is a time) and its id
CURSOR_PATTERN = f"^([0-9]{{1,17}})_([0-9]{{1,{limits.ID_DIGITS}}})$"
_CURSOR = re.compile(CURSOR_PATTERN, re.ASCII)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def encode_cursor(award: Award) -> str:
    at = award.created_at if award.created_at.tzinfo else award.created_at.replace(tzinfo=dt.UTC)
    return f"{max(0, (at - _EPOCH) // dt.timedelta(microseconds=1))}_{award.id}"


def decode_cursor(raw: str) -> tuple[dt.datetime, int] | None:
    """The keyset of :meth:`Recognition.holders` from :func:`encode_cursor`'s form; None
    for anything else."""
    match = _CURSOR.match(raw)
    award_id = parse_id(match.group(2)) if match else None
    if match is None or award_id is None:
        return None
    return _EPOCH + dt.timedelta(microseconds=int(match.group(1))), award_id
