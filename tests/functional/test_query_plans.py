"""The busiest queries use an index on SQLite instead of reading a whole table.

Checked with EXPLAIN QUERY PLAN on a real SQLite file, for an anonymous visitor and a member
(whose own held posts add conditions): a plan that scans ``topics`` costs milliseconds per
request at 10,000 topics and grows with the forum.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Post
from forum_core.visibility import Viewer, visible_posts
from forum_core.visibility.queries import newest_topics
from tests.functional.test_discussions import make_category, make_topic


def plan(forum, query) -> str:
    sql = str(query.compile(forum.engine, compile_kwargs={"literal_binds": True}))
    with forum.engine.connect() as conn:
        return " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


@pytest.fixture
def viewers(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    for number in range(3):
        make_topic(forum, "mira", "general", f"Topic {number}", "Body")
    with forum.session() as session:
        mira = session.scalar(select(User).where(User.username == "mira"))
        session.expunge(mira)
    return [Viewer(None, frozenset(), forum.env.hooks),
            Viewer(mira, frozenset({"role:member"}), forum.env.hooks)]


def test_a_topic_page_reads_only_its_own_posts(forum, viewers):
    for viewer in viewers:
        found = plan(forum, visible_posts(viewer).where(Post.topic_id == 1, Post.number > 0)
                     .order_by(Post.number).limit(21))
        # its topic looked up by key, never a list of every visible topic
        assert "SEARCH topics USING INTEGER PRIMARY KEY" in found, found
        assert "SEARCH topics USING INDEX" not in found and "SCAN topics" not in found, found
        assert "SCAN posts" not in found, found


def test_a_category_feed_reads_its_newest_topics_from_an_index_in_order(forum, viewers):
    for viewer in viewers:
        found = plan(forum, newest_topics(viewer, 30, category_id=1))
        assert "TEMP B-TREE" not in found, found  # not: all the category's topics, sorted
