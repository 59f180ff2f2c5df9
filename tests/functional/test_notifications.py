"""Notifications for replies, quotes and mentions, with read state, through the real app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.content.models import Post
from tests.functional.test_discussions import make_category, make_topic, topic_path
from tests.functional.test_moderation import reply_as


@pytest.fixture
def board(forum):
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    return forum


def inbox(forum):
    page = forum.app.get("/notifications")
    return [li.find("a").text.strip() for li in page.html.select("ul.notifications li")]


def test_reply_quote_and_mention(board):
    topic_id = make_topic(board, "mira", "general", title="Release plans", body="Ideas?")
    with board.session() as session:
        first = session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    reply_as(board, "nils", topic_id, "A plain reply")
    reply_as(board, "olga", topic_id, f"[quote post={first} user=mira]\nIdeas?\n[/quote]\n\n"
                                      "Agreed, and @nils should see this")
    reply_as(board, "mira", topic_id, "Replying to my own topic notifies nobody about me")

    board.login("mira")
    assert board.app.get("/").html.find(class_="nav-notifications").find(class_="badge").text \
        == "2"
    assert inbox(board) == ["olga quoted you in Release plans",
                            "nils replied to Release plans"]
    nils = board.another_browser()
    nils.login("nils")
    assert inbox(nils) == ["olga mentioned you in Release plans"]


def test_opening_marks_read_and_mark_all(board):
    topic_id = make_topic(board, "mira", "general", title="Read me")
    reply_as(board, "nils", topic_id, "one")
    reply_as(board, "olga", topic_id, "two")
    board.login("mira")
    page = board.app.get("/notifications")
    # (the header's notifications menu lists the same link)
    opened = page.click("olga replied to Read me", index=0).follow()
    assert opened.request.path == topic_path(board, topic_id)
    assert board.app.get("/").html.find(class_="nav-notifications").find(class_="badge").text \
        == "1"
    board.app.get("/notifications").forms["read-all-form"].submit().follow()
    assert board.app.get("/").html.find(class_="nav-notifications").find(class_="badge") is None


def test_notifications_never_reveal_what_the_member_may_not_see(board):
    secret = make_topic(board, "mod", "staff", title="Staff only")
    reply_as(board, "mod", secret, "Hey @mira, look at Staff only")
    public = make_topic(board, "mira", "general", title="Public")
    hidden_reply = reply_as(board, "nils", public, "Soon hidden")
    with board.session() as session:
        session.get(Post, hidden_reply).is_hidden = True
    board.login("mira")
    assert inbox(board) == []
    assert board.app.get("/").html.find(class_="nav-notifications").find(class_="badge") is None
    with board.session() as session:
        from forum_core.notifications.models import Notification

        ids = list(session.scalars(select(Notification.id)))
    assert len(ids) == 2, "stored, but not shown"
    for notification_id in ids:
        board.app.get(f"/notifications/{notification_id}", status=404)


def test_others_cannot_open_my_notifications(board):
    topic_id = make_topic(board, "mira", "general")
    reply_as(board, "nils", topic_id, "hi")
    with board.session() as session:
        from forum_core.notifications.models import Notification

        notification_id = session.scalar(select(Notification.id))
    board.login("olga")
    board.app.get(f"/notifications/{notification_id}", status=404)
    board.another_browser().app.get("/notifications", status=403)
