"""Counters stay exact when many members reply at once (real threads, real databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum_core.accounts.models import User
from forum_core.content.models import Category, Post, Topic
from forum_core.content.services import DatabaseContentService
from forum_core.db import make_session_factory, open_session
from forum_core.rendering import Cooker
from forum_core.testing import run_together

THREADS, REPLIES = 8, 15
COOKER = Cooker()


def run_in_threads(forum, work) -> None:
    """THREADS threads start together; each calls ``work(session, thread, n)`` REPLIES times,
    every call in its own committed transaction. Any thread's failure fails the test."""
    sessions = make_session_factory(forum.engine, write=True)

    def worker(index: int) -> None:
        for n in range(REPLIES):
            session = open_session(sessions, forum.env.registries)
            try:
                work(session, index, n)
                session.commit()
            finally:
                session.close()

    errors = run_together(THREADS, worker, timeout=120)
    assert not errors, errors[:3]


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_concurrent_replies_keep_numbers_and_counters_exact(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    for i in range(THREADS):
        forum.create_user(f"poster{i}")
    with forum.session() as session:
        service = DatabaseContentService(session, Cooker())
        category = service.create_category("General")
        author = session.scalar(select(User).where(User.username == "poster0"))
        topic_id = service.create_topic(author, category, "Busy topic", "Go!").id
        category_id = category.id

    def post_reply(session, index: int, n: int) -> None:
        user = session.scalar(select(User).where(User.username == f"poster{index}"))
        DatabaseContentService(session, COOKER).reply(
            user, session.get(Topic, topic_id), f"reply {index}-{n}")

    run_in_threads(forum, post_reply)

    total = THREADS * REPLIES
    with forum.session() as session:
        topic = session.get(Topic, topic_id)
        numbers = list(session.scalars(select(Post.number).where(Post.topic_id == topic_id)
                                       .order_by(Post.number)))
        assert numbers == list(range(1, total + 2)), "every post numbered once, no gaps"
        assert topic.reply_count == total
        assert topic.post_number_seq == total + 1
        category = session.get(Category, category_id)
        assert category.post_count == total + 1
        assert session.scalar(select(func.count()).select_from(Post)) == total + 1


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_concurrent_new_topics_keep_category_counters_exact(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    for i in range(THREADS):
        forum.create_user(f"author{i}")
    with forum.session() as session:
        category_id = DatabaseContentService(session, Cooker()).create_category("Busy").id
    def start_topic(session, index: int, n: int) -> None:
        user = session.scalar(select(User).where(User.username == f"author{index}"))
        DatabaseContentService(session, COOKER).create_topic(
            user, session.get(Category, category_id), f"Topic {index}-{n}", "Body")

    run_in_threads(forum, start_topic)
    with forum.session() as session:
        category = session.get(Category, category_id)
        assert category.topic_count == THREADS * REPLIES
        assert category.post_count == THREADS * REPLIES
        assert session.scalar(select(func.count()).select_from(Topic)) == THREADS * REPLIES
