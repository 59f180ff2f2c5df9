"""What the support plugin's tests share: a forum with the plugin, its people, a support
category, and the service as a given member sees it."""

from __future__ import annotations

from typing import Any

import pytest
from forum_support.models import Question
from forum_support.services import SupportService
from pyramid.authorization import Authenticated, Everyone
from sqlalchemy import select

from forum_core.api import Category, Post, User, Viewer, content_service

BACKENDS = [pytest.param(False, id="sqlite"),
            pytest.param(True, id="postgresql", marks=pytest.mark.postgres)]
PEOPLE = {"ada": "admin", "mod": "moderator", "mona": "moderator", "asker": "member",
          "helper": "member", "other": "member"}


def make_support(make_forum: Any, postgres: bool = False,
                 plugins: tuple[str, ...] = ("groups", "support"), **options: Any) -> Any:
    """A forum with a support category "Help" (address ``help``) and the people above."""
    forum = make_forum(plugins=plugins, postgres=postgres)
    for name, role in PEOPLE.items():
        forum.create_user(name, role=role)
    forum.create_category("General")
    forum.create_category("Help")
    make_support_category(forum, "help", **options)
    return forum


def make_support_category(forum: Any, slug: str, **options: Any) -> None:
    with forum.session() as session:
        category = session.scalar(select(Category).where(Category.slug == slug))
        SupportService(session).configure(category, True, **options)


def viewer_of(forum: Any, session: Any, username: str | None,
              extra: tuple[str, ...] = ()) -> Viewer:
    """The viewer of ``username`` (None: a visitor) with the principals the core gives."""
    if username is None:
        return Viewer(None, frozenset({Everyone}), forum.env.hooks)
    user = session.scalar(select(User).where(User.username == username))
    principals = {Everyone, Authenticated, f"user:{user.id}", f"role:{user.role}", *extra}
    return Viewer(user, frozenset(principals), forum.env.hooks)


def support_as(forum: Any, session: Any, username: str | None) -> SupportService:
    return SupportService(session, viewer_of(forum, session, username),
                          content_service(session))


def question_of(forum: Any, topic_id: int) -> Question:
    """The question's row as it is now (detached, for reading)."""
    with forum.session() as session:
        question = session.get(Question, topic_id)
        session.expunge(question)
        return question


def ask(forum: Any, username: str = "asker", title: str = "How do I reset my password?",
        body: str = "I forgot it and the link does not come.", slug: str = "help") -> int:
    return forum.create_topic(username, slug, title, body)


def post_number(forum: Any, post_id: int) -> int:
    with forum.session() as session:
        return session.get(Post, post_id).number


def user_id(forum: Any, username: str) -> int:
    with forum.session() as session:
        return session.scalar(select(User.id).where(User.username == username))
