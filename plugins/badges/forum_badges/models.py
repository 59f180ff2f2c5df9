"""The badges plugin's tables; their names start with 'badges_'.

A badge is made by an administrator from a rule (``forum_register_badge_rules``) with its
parameters; an award is one member holding it (per item for a repeatable badge), written
after the change that earned it, by a job, at most once (a unique key). Points are one entry
per thing that earned them (:class:`PointsEntry`), so taking back an action takes back its
entry, and a member's total (:class:`PointsTotal`) is the sum of their entries, recounted
under a lock of its row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum_core.api import Base, _, utcnow

BRONZE, SILVER, GOLD = "bronze", "silver", "gold"
#: a badge's level, lowest first
LEVELS = (BRONZE, SILVER, GOLD)
LEVEL_LABELS = {BRONZE: _("Bronze"), SILVER: _("Silver"), GOLD: _("Gold")}

#: the built-in icons (``static/icons.svg``), each with what it shows (its text alternative)
ICONS = {
    "star": _("Star"), "trophy": _("Trophy"), "medal": _("Medal"), "heart": _("Heart"),
    "chat": _("Speech bubble"), "lightbulb": _("Light bulb"), "book": _("Book"),
    "calendar": _("Calendar"), "check": _("Tick"), "flame": _("Flame"),
    "shield": _("Shield"), "rocket": _("Rocket"), "cake": _("Cake"), "user": _("Person"),
}
#: an uploaded icon's largest size in bytes
ICON_MAX = 64 * 1024


class Badge(Base):
    """A badge members can earn (or be given by hand)."""

    __tablename__ = "badges_badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    level: Mapped[str] = mapped_column(String(10), default=BRONZE)
    #: a built-in icon's name (:data:`ICONS`), or "" for the uploaded one
    icon: Mapped[str] = mapped_column(String(20), default="star")
    #: an uploaded icon, re-encoded PNG or checked SVG, with its media type
    icon_data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    icon_type: Mapped[str] = mapped_column(String(20), default="")
    #: the rule (``BadgeRule.name``) and its parameters as JSON; "" for a badge only given
    #: by hand
    rule: Mapped[str] = mapped_column(String(80), default="")
    params: Mapped[str] = mapped_column(Text, default="{}")
    #: awarded again for each item that earns it (rules with ``per_item``)
    repeatable: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: the key of a badge the plugin proposed itself (:data:`~.defaults.DEFAULTS`)
    builtin: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    #: how many awards it has (kept with each award and revocation)
    award_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Award(Base):
    """A member holding a badge; ``item`` tells apart the awards of a repeatable badge
    (``"idea:12"``), "" otherwise. ``reason_type`` and ``reason_key`` name what earned it,
    shown only to those who may see it."""

    __tablename__ = "badges_awards"
    __table_args__ = (
        UniqueConstraint("badge_id", "user_id", "item"),
        # the badge's page: holders newest first, by keyset
        Index("ix_badges_awards_badge_newest", "badge_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges_badges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(60), default="")
    reason_type: Mapped[str | None] = mapped_column(String(40), default=None)
    reason_key: Mapped[int | None] = mapped_column(default=None)
    #: who gave it by hand, and why (None: earned by its rule)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Revoked(Base):
    """A badge an administrator took away from a member, and why: its rule does not award
    it again (a grant by hand does, and removes this)."""

    __tablename__ = "badges_revoked"

    badge_id: Mapped[int] = mapped_column(ForeignKey("badges_badges.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    item: Mapped[str] = mapped_column(String(60), primary_key=True, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PointsEntry(Base):
    """Points a member earned with one thing (``subject``) of one action."""

    __tablename__ = "badges_points"
    __table_args__ = (UniqueConstraint("user_id", "action", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column()
    #: when the thing was done (weekly and monthly totals count by it)
    earned_at: Mapped[dt.datetime] = mapped_column(index=True)


class PointsTotal(Base):
    """A member's points: the sum of their entries."""

    __tablename__ = "badges_totals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    total: Mapped[int] = mapped_column(default=0, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PointsValue(Base):
    """What an action is worth, where an administrator changed it from its default."""

    __tablename__ = "badges_point_values"

    action: Mapped[str] = mapped_column(String(80), primary_key=True)
    points: Mapped[int] = mapped_column()


class Rank(Base):
    """A title members hold from a number of points on ("Regular" from 50)."""

    __tablename__ = "badges_ranks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    min_points: Mapped[int] = mapped_column(unique=True)


class Featured(Base):
    """A member staff feature ("Member of the month"), shown until ``until``."""

    __tablename__ = "badges_featured"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(500), default="")
    featured_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    until: Mapped[dt.datetime | None] = mapped_column(default=None)


class State(Base):
    """The plugin's own bookkeeping by key: the re-check's watermark, the backfill's
    progress."""

    __tablename__ = "badges_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")
