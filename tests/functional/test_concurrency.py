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


@pytest.mark.parametrize("postgres", [pytest.param(False, id="sqlite"),
                                      pytest.param(True, id="postgresql",
                                                   marks=pytest.mark.postgres)])
def test_concurrent_likes_keep_the_count_exact(make_forum, postgres):
    """Many members like and unlike the same posts at once, and each of them also from
    "two tabs" (two threads sending the same like): no error, one like per member and
    post, and every post's count equal to its likes."""
    from forum_core.content import likes
    from forum_core.content.models import PostLike

    forum = make_forum(postgres=postgres)
    for i in range(THREADS // 2):
        forum.create_user(f"liker{i}")
    forum.create_user("author")
    with forum.session() as session:
        service = DatabaseContentService(session, Cooker())
        category = service.create_category("General")
        author = session.scalar(select(User).where(User.username == "author"))
        topic = service.create_topic(author, category, "Popular", "Like me")
        post_ids = [session.scalar(select(Post.id).where(Post.topic_id == topic.id))]
        post_ids += [service.reply(author, topic, f"More {n}").id for n in range(4)]

    def like_and_unlike(session, index: int, n: int) -> None:
        # threads 2k and 2k+1 are one member in two tabs; the last round leaves a like
        user = session.scalar(select(User).where(User.username == f"liker{index // 2}"))
        post = session.get(Post, post_ids[n % len(post_ids)])
        if n < REPLIES - len(post_ids) and n % 2:
            likes.unlike(session, user, post)
        else:
            likes.like(session, user, post)

    run_in_threads(forum, like_and_unlike)

    with forum.session() as session:
        for post_id in post_ids:
            rows = session.scalar(select(func.count()).select_from(PostLike)
                                  .where(PostLike.post_id == post_id))
            assert session.get(Post, post_id).like_count == rows
        assert session.scalar(select(func.count()).select_from(PostLike)) \
            == len(post_ids) * (THREADS // 2), "every member likes every post once at the end"
