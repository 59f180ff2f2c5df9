"""Demonstration content for ``forum init --demo``: the core's own, then every plugin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from .accounts.models import User
from .accounts.services import DatabaseUserService
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .plugins import Hooks

#: Demo members share this password so a visitor can sign in as any of them.
DEMO_PASSWORD = "demo-password"

DEMO_MEMBERS = (
    ("alice", "Alice Moderator", "moderator"),
    ("bob", "Bob Builder", "member"),
    ("carol", "Carol Customer", "member"),
    ("dmitri", "Дмитрий Партнёр", "member"),
    ("eva", "Eva de Vries", "member"),
)


def has_demo_content(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(User.is_demo.is_(True)))))


def create_demo_content(session: Session, hooks: Hooks, admin: User) -> bool:
    """Fill an empty forum with demo content, once. Returns False if it was there already."""
    if has_demo_content(session):
        return False
    hooks.pm.hook.forum_demo_data(session=session, admin=admin)
    return True


@hookimpl(tryfirst=True)
def forum_demo_data(session: Session, admin: User) -> None:
    users = DatabaseUserService(session)
    for username, display_name, role in DEMO_MEMBERS:
        users.create_user(username, f"{username}@example.com", DEMO_PASSWORD, role=role,
                          display_name=display_name, is_demo=True)
