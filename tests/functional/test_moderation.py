"""Moderation through the real app: topic switches, post states with exact counters, flags and
the queue, held first posts, suspensions and bans, the audit log, profiles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Category, Post, Topic
from forum_core.moderation.models import AuditEntry
from forum_core.moderation.services import DatabaseModerationService
from tests.functional.test_discussions import content, make_category, make_topic, topic_path


@pytest.fixture
def board(forum):
    forum.create_user("mira")
    forum.create_user("nils")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Archive")
    return forum


def counters(forum, topic_id):
    with forum.session() as session:
        topic = session.get(Topic, topic_id)
        category = session.get(Category, topic.category_id)
        return topic.reply_count, category.topic_count, category.post_count


def reply_as(forum, username, topic_id, text):
    with content(forum) as (service, session):
        user = session.scalar(select(User).where(User.username == username))
        return service.reply(user, session.get(Topic, topic_id), text).id


def post_form(page, post_id, action):
    for form in page.forms.values():
        if form.action == f"/p/{post_id}/moderate" and form["action"].value == action:
            return form
    raise AssertionError(f"no {action} button for post {post_id}")


def topic_form(page, action):
    for form in page.forms.values():
        if form.action.endswith("/moderate") and form["action"].value == action:
            return form
    raise AssertionError(f"no {action} button")


def test_hide_and_restore_keep_counters_exact(board):
    topic_id = make_topic(board, "mira", "general")
    reply_id = reply_as(board, "nils", topic_id, "A rude reply")
    assert counters(board, topic_id) == (1, 1, 2)
    moderator = board.another_browser()
    moderator.login("mod")
    page = moderator.app.get(topic_path(board, topic_id))
    page = post_form(page, reply_id, "hide").submit().follow()
    assert counters(board, topic_id) == (0, 1, 1)
    visitor = board.another_browser()
    assert "A rude reply" not in visitor.app.get(topic_path(board, topic_id)).text
    assert "A rude reply" in page.text, "moderators still see hidden posts"
    post_form(page, reply_id, "unhide").submit()
    assert counters(board, topic_id) == (1, 1, 2)
    with board.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["post.hide", "post.unhide"]


def test_topic_switches_move_and_delete(board):
    topic_id = make_topic(board, "mira", "general", title="Move me around")
    reply_as(board, "nils", topic_id, "reply")
    moderator = board.another_browser()
    moderator.login("mod")
    path = topic_path(board, topic_id)
    for action in ("pin", "close", "lock"):
        topic_form(moderator.app.get(path), action).submit()
    with board.session() as session:
        topic = session.get(Topic, topic_id)
        assert (topic.is_pinned, topic.is_closed, topic.is_locked) == (True, True, True)
    board.login("nils")
    page = board.app.get(path)
    assert "This topic is closed" in page.text and "reply-form" not in page.text
    board.app.post(f"{path}/reply", {"body": "sneaky", "csrf_token": board.app.cookies[
        "forum_csrf"]}, status=403)

    move = topic_form(moderator.app.get(path), "move")
    with board.session() as session:
        archive = session.scalar(select(Category).where(Category.slug == "archive"))
        general = session.scalar(select(Category).where(Category.slug == "general"))
    move["category"] = str(archive.id)
    move.submit()
    with board.session() as session:
        assert (session.get(Category, general.id).topic_count,
                session.get(Category, general.id).post_count) == (0, 0)
        assert (session.get(Category, archive.id).topic_count,
                session.get(Category, archive.id).post_count) == (1, 2)
    topic_form(moderator.app.get(path), "delete").submit()
    assert board.app.get(path, status=404)
    assert "Move me around" not in board.app.get("/c/archive").text
    assert counters(board, topic_id)[1:] == (0, 0)
    topic_form(moderator.app.get(path), "restore").submit()
    assert counters(board, topic_id)[1:] == (1, 2)


def test_members_cannot_moderate(board):
    topic_id = make_topic(board, "mod", "general")
    with board.session() as session:
        post_id = session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    board.login("mira")
    token = board.app.cookies["forum_csrf"]
    board.app.post(f"/p/{post_id}/moderate", {"action": "hide", "csrf_token": token},
                   status=403)
    board.app.post(f"{topic_path(board, topic_id)}/moderate",
                   {"action": "pin", "csrf_token": token}, status=403)
    board.app.get("/mod/queue", status=403)
    board.app.get("/mod/log", status=403)


def test_flag_goes_to_the_queue_and_hiding_resolves_it(board):
    topic_id = make_topic(board, "nils", "general", body="Buy cheap watches")
    with board.session() as session:
        post_id = session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    board.login("mira")
    form = board.app.get(topic_path(board, topic_id)).click("Flag").forms["flag-form"]
    form["reason"] = "Spam"
    form.submit().follow()
    again = board.app.get(f"/p/{post_id}/flag").forms["flag-form"]
    again["reason"] = "Spam again"
    assert "flagged this post already" in again.submit(status=400).text

    moderator = board.another_browser()
    moderator.login("mod")
    queue = moderator.app.get("/mod/queue")
    assert "Flagged by mira: Spam" in queue.text
    hide = next(f for f in queue.forms.values()
                if f.action.startswith("/mod/flags/") and f["action"].value == "hide")
    queue = hide.submit().follow()
    assert "No flagged posts." in queue.text
    with board.session() as session:
        assert session.get(Post, post_id).is_hidden
    log = moderator.app.get("/mod/log").text
    assert "flag.hide" in log and "post.hide" in log


def test_first_posts_of_new_members_wait_for_approval(make_forum):
    forum = make_forum(**{"forum.hold_first_posts": "1"})
    forum.create_user("newbie")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    forum.login("newbie")
    form = forum.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "My first question", "Hello all"
    own = form.submit().follow()
    assert "Awaiting approval" in own.text, "the author sees their held post"
    visitor = forum.another_browser()
    assert "My first question" not in visitor.app.get("/c/general").text
    with forum.session() as session:
        topic = session.scalar(select(Topic))
        assert topic.is_held and session.get(Category, topic.category_id).topic_count == 0
        post_id = session.scalar(select(Post.id))
    visitor.app.get(f"/t/{topic.id}", status=404)

    moderator = forum.another_browser()
    moderator.login("mod")
    queue = moderator.app.get("/mod/queue")
    assert "Hello all" in queue.text
    post_form(queue, post_id, "approve").submit()
    assert "My first question" in visitor.app.get("/c/general").text
    with forum.session() as session:
        topic = session.scalar(select(Topic))
        assert not topic.is_held and session.get(Category, topic.category_id).topic_count == 1
    # once approved, the member's next posts are not held
    reply = forum.app.get(topic_path(forum, topic.id)).forms["reply-form"]
    reply["body"] = "Second post"
    assert "Awaiting approval" not in reply.submit().follow().text


def test_suspended_members_read_but_cannot_post_and_banned_cannot_sign_in(board):
    topic_id = make_topic(board, "mira", "general")
    board.login("nils")
    moderator = board.another_browser()
    moderator.login("mod")
    form = moderator.app.get("/u/nils").forms["suspend-form"]
    form["days"], form["reason"] = "3", "cool down"
    form.submit()
    page = board.app.get(topic_path(board, topic_id))
    assert "reply-form" not in page.text
    board.app.get("/c/general/new", status=403)
    assert board.app.get("/account").status_int == 200, "they can still manage their account"

    moderator.app.get("/u/nils").forms["ban-form"].submit()
    assert board.app.get("/").html.find(class_="nav-user") is None, "banned: signed out"
    form = board.app.get("/login").forms[0]
    form["login"], form["password"] = "nils", "correct horse battery"
    assert "This account is banned." in form.submit(status=403).text
    moderator.app.get("/u/nils").forms["reinstate-form"].submit()
    assert board.another_browser().login("nils").html.find(class_="nav-user").text == "nils"
    with board.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["member.suspend", "member.ban", "member.reinstate"]


def test_members_cannot_moderate_members_and_moderators_not_admins(board):
    board.create_user("boss", role="admin")
    board.login("mira")
    board.app.post("/u/nils/moderate", {"action": "ban",
                                        "csrf_token": board.app.cookies["forum_csrf"]},
                   status=403)
    moderator = board.another_browser()
    moderator.login("mod")
    page = moderator.app.get("/u/boss").forms["ban-form"].submit(status=400)
    assert "Only administrators can moderate administrators." in page.text


def test_author_deletes_own_post(board):
    topic_id = make_topic(board, "mira", "general")
    reply_id = reply_as(board, "mira", topic_id, "Oops, wrong thread")
    board.login("mira")
    page = board.app.get(topic_path(board, topic_id))
    delete = next(f for f in page.forms.values() if f.action == f"/p/{reply_id}/delete")
    page = delete.submit().follow()
    assert "Oops, wrong thread" not in page.text
    assert counters(board, topic_id) == (0, 1, 1)


def test_profile_lists_only_what_the_viewer_may_see(board):
    make_category(board, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    make_topic(board, "mod", "general", title="Public hello", body="visible words")
    make_topic(board, "mod", "staff", title="Secret plans", body="secret words")
    page = board.app.get("/u/mod")
    assert "Public hello" in page.text and "visible words" in page.text
    assert "Secret plans" not in page.text and "secret words" not in page.text
    assert "Posts: 1" in page.text
    staff = board.another_browser()
    staff.login("mod")
    page = staff.app.get("/u/MOD")
    assert "Secret plans" in page.text and "Posts: 2" in page.text
    board.app.get("/u/nobody", status=404)


def test_mentions_link_to_profiles(board):
    board.login("mira")
    form = board.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "Hello", "Thanks @nils and @ghost!"
    page = form.submit().follow()
    link = page.html.find("a", class_="mention")
    assert link["href"] == "/u/nils" and link.text == "@nils"
    assert "@ghost" in page.text and page.html.find("a", href="/u/ghost") is None


def test_a_hidden_reply_does_not_mark_the_topic_unread(board):
    topic_id = make_topic(board, "mod", "general", title="Quiet topic")
    board.login("mira")
    board.app.get(topic_path(board, topic_id))
    reply_id = reply_as(board, "nils", topic_id, "soon hidden")
    with board.session() as session:
        moderator = session.scalar(select(User).where(User.username == "mod"))
        DatabaseModerationService(session).set_post_state(
            moderator, session.get(Post, reply_id), "hide")
    row = board.app.get("/c/general").html.find("a", string="Quiet topic").find_parent("li")
    assert row.find(class_="badge-unread") is None, "the hidden reply is not announced"
    staff = board.another_browser()
    staff.login("mod")
    staff.app.get(topic_path(board, topic_id) + "?after=0")
    reply_as(board, "nils", topic_id, "visible again")
    row = board.app.get("/c/general").html.find("a", string="Quiet topic").find_parent("li")
    assert row.find(class_="badge-unread") is not None


def test_hiding_the_newest_reply_takes_its_author_off_the_listing(board):
    topic_id = make_topic(board, "mira", "general", title="Who posted last")
    reply_id = reply_as(board, "nils", topic_id, "to be hidden")
    row = board.app.get("/c/general").html.find("a", string="Who posted last").find_parent("li")
    assert posters(row) == ["mira", "nils"]
    with board.session() as session:
        moderator = session.scalar(select(User).where(User.username == "mod"))
        DatabaseModerationService(session).set_post_state(
            moderator, session.get(Post, reply_id), "hide")
    row = board.app.get("/c/general").html.find("a", string="Who posted last").find_parent("li")
    assert posters(row) == ["mira"]


def posters(row) -> list[str]:
    """The names of the avatars a listing row shows (generated or uploaded)."""
    return [avatar.get("aria-label") or avatar.get("alt")
            for avatar in row.select(".topic-posters .avatar")]
