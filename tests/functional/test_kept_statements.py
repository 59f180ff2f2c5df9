"""The pages' statements are built once per kind of viewer and kept in the process
(forum_core/visibility/kept.py). Kept or not, every viewer sees exactly what they may: the
statement of one member never answers for another, whatever order they come in."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from forum_core.accounts.models import User
from forum_core.content.models import Topic
from forum_core.visibility import Viewer
from forum_core.visibility.kept import kept
from forum_core.visibility.queries import _posts_page
from tests.functional.test_discussions import make_category, make_topic, topic_path
from tests.functional.test_moderation import reply_as


def test_a_held_reply_shows_to_its_author_only_whoever_asked_first(make_forum):
    forum = make_forum(**{"forum.hold_first_posts": "1"})
    for name in ("mira", "newbie"):
        forum.create_user(name)
    make_category(forum, "General")
    path = topic_path(forum, make_topic(forum, "mira", "general", title="Welcome"))
    newbie = forum.browser("newbie")
    form = newbie.app.get(path).forms["reply-form"]
    form["body"] = "HELD-REPLY-TEXT"
    form.submit()
    mira = forum.browser("mira")
    # the same kind of viewer (a member, no plugins): one kept statement, each id bound
    for _ in range(2):
        assert "HELD-REPLY-TEXT" in newbie.app.get(path).text
        assert "HELD-REPLY-TEXT" not in mira.app.get(path).text
        assert "HELD-REPLY-TEXT" not in forum.browser().app.get(path).text


def test_a_plugin_clause_makes_its_own_kind_of_viewer(plugin_forum):
    # gatekeeper: VIPs see the vip- categories; "quiet" members do not see "loud" members'
    # posts, a clause by who the viewer is, not by their role
    forum = plugin_forum(plugins=["gatekeeper"])
    for name in ("vipanna", "mira", "quietq", "loudl"):
        forum.create_user(name)
    make_category(forum, "VIP lounge", slug="vip-lounge")
    make_category(forum, "General")
    make_topic(forum, "vipanna", "vip-lounge", title="VIP-ONLY-TOPIC")
    topic = make_topic(forum, "mira", "general", title="Open topic")
    reply_as(forum, "loudl", topic, "LOUD-REPLY-TEXT")
    path = topic_path(forum, topic)
    vip, mira, quiet = (forum.browser(name) for name in ("vipanna", "mira", "quietq"))
    for _ in range(2):
        assert "VIP-ONLY-TOPIC" in vip.app.get("/c/vip-lounge").text
        mira.app.get("/c/vip-lounge", status=404)
        assert "VIP lounge" not in mira.app.get("/").text
        assert "LOUD-REPLY-TEXT" in mira.app.get(path).text
        assert "LOUD-REPLY-TEXT" not in quiet.app.get(path).text
        assert "LOUD-REPLY-TEXT" in vip.app.get(path).text


def test_viewers_differ_in_kind_exactly_when_their_clauses_differ(plugin_forum):
    forum = plugin_forum(plugins=["gatekeeper"])
    for name in ("mira", "nils", "quietq", "quietr", "vipanna"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    hooks = forum.env.hooks
    with forum.session() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        kinds = {name: Viewer(user, frozenset({f"role:{user.role}"}
                                               | ({"club:vip"} if name.startswith("vip")
                                                  else set())), hooks).kind
                 for name, user in users.items()}
    anonymous = Viewer(None, frozenset(), hooks).kind
    assert kinds["mira"] == kinds["nils"], "two members alike share their statements"
    assert kinds["quietq"] == kinds["quietr"]
    assert len({kinds["mira"], kinds["quietq"], kinds["vipanna"], kinds["mod"],
                anonymous}) == 5


def test_a_kept_statement_run_without_the_viewer_fails(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general")
    with forum.session() as session:
        viewer = Viewer(session.scalar(select(User).where(User.username == "mira")),
                        frozenset({"role:member"}), forum.env.hooks)
        statement = kept(viewer, _posts_page, 20)
        assert kept(viewer, _posts_page, 20) is statement
        found = session.scalars(statement, {**viewer.params, "topic_id": topic_id,
                                            "after_number": 0}).all()
        assert [post.topic_id for post in found] == [topic_id]
        assert session.get(Topic, topic_id) is not None
        with pytest.raises(StatementError, match="forum_viewer_id"):
            session.scalars(statement, {"topic_id": topic_id, "after_number": 0}).all()
