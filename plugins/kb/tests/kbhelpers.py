"""What the knowledge base's tests share: a forum with the plugin (and groups), its people,
and the service as a given member sees it."""

from __future__ import annotations

from typing import Any

from forum_kb.services import KnowledgeBase
from pyramid.authorization import Authenticated, Everyone
from sqlalchemy import select

from forum_core.api import User, Viewer

PEOPLE = {"ada": "admin", "mod": "moderator", "wanda": "member", "rita": "member",
          "otto": "member"}


def make_kb(make_forum: Any, postgres: bool = False) -> Any:
    forum = make_forum(plugins=("groups", "kb"), postgres=postgres)
    for name, role in PEOPLE.items():
        forum.create_user(name, role=role)
    return forum


def viewer_of(forum: Any, session: Any, username: str | None,
              groups: tuple[int, ...] = ()) -> Viewer:
    """The viewer of ``username`` (None: a visitor) with the principals the core gives,
    plus ``group:<id>`` for ``groups``."""
    if username is None:
        return Viewer(None, frozenset({Everyone}), forum.env.hooks)
    user = session.scalar(select(User).where(User.username == username))
    principals = {Everyone, Authenticated, f"user:{user.id}", f"role:{user.role}",
                  *(f"group:{group}" for group in groups)}
    return Viewer(user, frozenset(principals), forum.env.hooks)


def kb_as(forum: Any, session: Any, username: str | None, groups: tuple[int, ...] = (),
          ) -> KnowledgeBase:
    return KnowledgeBase(session, viewer_of(forum, session, username, groups))
