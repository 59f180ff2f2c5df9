"""What the badges plugin's tests share: a forum with the plugin and some members, the
service, and reading who holds what."""

from __future__ import annotations

from typing import Any

import pytest
from forum_badges.models import Award, Badge, PointsEntry, PointsTotal
from forum_badges.services import Recognition
from sqlalchemy import func, select

from forum_core.api import User

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
PEOPLE = {"ada": "admin", "mod": "moderator", "mira": "member", "nils": "member",
          "olga": "member"}


def make_badges(make_forum: Any, postgres: bool = False,
                plugins: tuple[str, ...] = ("badges",)) -> Any:
    """A forum with the plugin, the people above, a category "General", the default badges
    made and the backfill done (as on a forum that has had the plugin a while)."""
    forum = make_forum(plugins=plugins, postgres=postgres)
    for name, role in PEOPLE.items():
        forum.create_user(name, role=role)
    forum.create_category("General")
    with forum.session() as session:
        from forum_badges.defaults import make_defaults

        make_defaults(session)
        Recognition(session).set_state("backfill", "done")
    return forum


def user_id(forum: Any, username: str) -> int:
    with forum.session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def badge_id(forum: Any, builtin: str) -> int:
    with forum.session() as session:
        return session.scalar(select(Badge.id).where(Badge.builtin == builtin))


def holders(forum: Any, badge: int) -> list[tuple[str, str]]:
    """``(username, item)`` of the badge's awards, by name."""
    with forum.session() as session:
        return sorted(session.execute(
            select(User.username, Award.item).join(Award, Award.user_id == User.id)
            .where(Award.badge_id == badge)).all())


def award_count(forum: Any, badge: int) -> int:
    with forum.session() as session:
        return session.scalar(select(Badge.award_count).where(Badge.id == badge))


def points(forum: Any, username: str) -> tuple[int, int]:
    """The member's kept total and the sum of their entries (always equal)."""
    uid = user_id(forum, username)
    with forum.session() as session:
        total = session.scalar(select(PointsTotal.total).where(PointsTotal.user_id == uid))
        summed = session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                                .where(PointsEntry.user_id == uid))
        return (total or 0), summed


def service(session: Any) -> Recognition:
    return Recognition(session)
