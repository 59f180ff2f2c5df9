"""Discussions through the real app: categories, topics, replies, quotes, edits, visibility,
keyset pagination and query counts."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from forum_core.accounts.models import User
from forum_core.content.models import Category, Post, PostRevision, Topic
from forum_core.content.services import DatabaseContentService
from forum_core.moderation.services import DatabaseModerationService
from forum_core.rendering import Cooker


@contextmanager
def content(forum):
    with forum.session() as session:
        yield DatabaseContentService(session, Cooker()), session


def make_category(forum, name="General", **options):
    with content(forum) as (service, _):
        return service.create_category(name, f"About {name}.", **options).slug


def make_topic(forum, username, category_slug, title="Hello there", body="First post"):
    with content(forum) as (service, session):
        author = session.scalar(select(User).where(User.username == username))
        category = session.scalar(select(Category).where(Category.slug == category_slug))
        topic = service.create_topic(author, category, title, body)
        return topic.id


def topic_path(forum, topic_id):
    with forum.session() as session:
        topic = session.get(Topic, topic_id)
        return f"/t/{topic.id}/{topic.slug}"


@pytest.fixture
def board(forum):
    forum.create_user("mira")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    return forum


def test_member_starts_a_topic_and_replies_through_the_forms(board):
    board.login("mira")
    form = board.app.get("/c/general").click("Start a new topic").forms["post-form"]
    form["title"], form["body"] = "How do I export?", "I need **CSV**."
    topic_page = form.submit().follow()
    assert topic_page.html.find("h1").text == "How do I export?"
    assert "<strong>CSV</strong>" in topic_page.text
    reply = topic_page.forms["reply-form"]
    reply["body"] = "Found it myself."
    page = reply.submit().follow()
    assert "Found it myself." in page.text
    listing = board.app.get("/c/general")
    row = listing.html.find("a", string="How do I export?").find_parent("li")
    assert row.find("dt", string="Replies").find_next("dd").text == "1", "one reply"
    home = board.app.get("/")
    assert "General" in home.text


def test_anonymous_visitors_read_but_are_asked_to_sign_in_to_post(board):
    topic_id = make_topic(board, "mira", "general")
    page = board.app.get(topic_path(board, topic_id))
    assert "Sign in to reply." in page.text
    forbidden = board.app.get("/c/general/new", status=403)
    assert "Sign in or register" in forbidden.text


def test_quote_prefills_the_reply(board):
    topic_id = make_topic(board, "mira", "general", body="Original words")
    board.login("mod")
    topic_page = board.app.get(topic_path(board, topic_id))
    form = topic_page.click("Quote").forms["post-form"]
    assert form["body"].value.startswith("[quote post=")
    assert "user=mira]\nOriginal words\n[/quote]" in form["body"].value
    page = form.submit().follow()
    quote = page.html.find("blockquote", class_="quote")
    assert quote is not None and "Original words" in quote.text


def test_edit_keeps_history_for_moderators(board):
    topic_id = make_topic(board, "mira", "general", body="First version")
    board.login("mira")
    page = board.app.get(topic_path(board, topic_id))
    form = page.click("Edit").forms["post-form"]
    form["body"] = "Second version"
    page = form.submit().follow()
    assert "Second version" in page.text and "First version" not in page.text
    with board.session() as session:
        post = session.scalar(select(Post).where(Post.topic_id == topic_id))
        assert [r.source for r in session.scalars(select(PostRevision))] == ["First version"]
        post_id = post.id
    board.app.get(f"/p/{post_id}/history", status=403)
    moderator = board.another_browser()
    moderator.login("mod")
    history = moderator.app.get(f"/p/{post_id}/history")
    assert "First version" in history.text and "Second version" in history.text


def test_members_cannot_edit_other_peoples_posts(board):
    topic_id = make_topic(board, "mod", "general")
    with board.session() as session:
        post_id = session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    board.login("mira")
    board.app.get(f"/p/{post_id}/edit", status=403)


def test_hidden_category_leaks_nowhere(board):
    secret = make_topic(board, "mod", "staff", title="Secret staff plans", body="Confidential")
    with board.session() as session:
        secret_post = session.scalar(select(Post.id).where(Post.topic_id == secret))
    public = make_topic(board, "mira", "general")
    public_path = topic_path(board, public)
    for who in (None, "mira"):
        viewer = board.another_browser()
        if who:
            viewer.login(who)
        pages = [viewer.app.get("/"), viewer.app.get("/c/general"),
                 viewer.app.get(public_path),
                 viewer.app.get(f"{public_path}/reply?quote={secret_post}",
                                status=200 if who else 403)]
        for page in pages:
            assert "Secret staff plans" not in page.text
            assert "Confidential" not in page.text
            assert "Staff" not in page.html.find("main").text
        for url in ("/c/staff", f"/t/{secret}", topic_path(board, secret),
                    f"/p/{secret_post}/edit", f"/p/{secret_post}/history"):
            page = viewer.app.get(url, status=404)
            assert "Secret staff plans" not in page.text
    staff = board.another_browser()
    staff.login("mod")
    assert "Secret staff plans" in staff.app.get("/c/staff").text


def test_unread_markers(board):
    topic_id = make_topic(board, "mod", "general", title="Release notes")
    board.login("mira")
    row = board.app.get("/c/general").html.find("a", string="Release notes").find_parent("li")
    assert row.find(class_="badge-new") is not None
    board.app.get(topic_path(board, topic_id))
    row = board.app.get("/c/general").html.find("a", string="Release notes").find_parent("li")
    assert row.find(class_="badge-new") is None and row.find(class_="badge-unread") is None
    with content(board) as (service, session):
        service.reply(session.scalar(select(User).where(User.username == "mod")),
                      session.get(Topic, topic_id), "An update")
    row = board.app.get("/c/general").html.find("a", string="Release notes").find_parent("li")
    unread = row.find(class_="badge-unread")
    assert unread is not None and "after=1" in unread["href"]

    # a later reply that mira may not see (hidden by a moderator) is not "unread" for her
    board.app.get(topic_path(board, topic_id))
    with content(board) as (service, session):
        mod = session.scalar(select(User).where(User.username == "mod"))
        hidden = service.reply(mod, session.get(Topic, topic_id), "Spam")
        session.flush()
        DatabaseModerationService(session).set_post_state(mod, hidden, "hide")
    row = board.app.get("/c/general").html.find("a", string="Release notes").find_parent("li")
    assert row.find(class_="badge-unread") is None


def test_bad_input_gets_a_clear_400(board):
    board.login("mira")
    form = board.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "x", "body"
    page = form.submit(status=400)
    assert "A title has 3 to 200 characters." in page.text
    board.app.get("/c/general?after=garbage", status=400)
    board.app.get("/t/abc", status=404)
    board.app.get("/t/99999999999999999999999", status=404)


# -- keyset pagination and query counts ----------------------------------------------------------


@contextmanager
def count_queries(forum):
    engine = forum.app.app.registry["forum.db_engine"]
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_topic_listing_pages_walk_every_topic_once_with_constant_queries(board):
    with content(board) as (service, session):
        authors = [service_user for service_user in session.scalars(select(User))]
        category = session.scalar(select(Category).where(Category.slug == "general"))
        for i in range(75):
            service.create_topic(authors[i % len(authors)], category, f"Topic number {i}", "x")
    board.login("mira")
    seen, counts, url = [], [], "/c/general"
    while url:
        with count_queries(board) as statements:
            page = board.app.get(url)
        counts.append(len(statements))
        seen += [a.text for a in page.html.find_all("a", class_="listing-title")]
        nxt = page.html.find("a", rel="next")
        url = nxt["href"] if nxt else None
    assert len(seen) == 75 and len(set(seen)) == 75
    assert len(counts) == 3
    assert counts[0] == counts[1] == counts[2], counts


def test_topic_page_query_count_does_not_grow_with_posts(board):
    topic_id = make_topic(board, "mira", "general")
    path = topic_path(board, topic_id)
    with content(board) as (service, session):  # mira has an unread notification throughout
        users = list(session.scalars(select(User)))
        mod = session.scalar(select(User).where(User.username == "mod"))
        service.reply(mod, session.get(Topic, topic_id), "a first reply")
    board.login("mira")
    assert board.app.get(path).html.select_one(".nav-notifications .badge").text == "1"
    with count_queries(board) as one:
        board.app.get(path)
    with content(board) as (service, session):
        topic = session.get(Topic, topic_id)
        for i in range(44):
            service.reply(users[i % len(users)], topic, f"reply {i}")
    board.app.get(path)
    with count_queries(board) as full:
        first = board.app.get(path)
    assert len(full) == len(one), (one, full)
    second_page = first.html.find("a", rel="next")["href"]
    board.app.get(second_page)  # the first visit also moves the read marker (one UPDATE)
    with count_queries(board) as later:
        board.app.get(second_page)
    assert len(later) == len(full), "page 2 costs what page 1 costs"


def test_sub_categories_are_listed_under_their_parent(forum):
    with content(forum) as (service, _session):
        parent = service.create_category("Products")
        service.create_category("Widgets", parent=parent)
        service.create_category("Secret sub", parent=parent, read_access="moderators")
    home = forum.app.get("/")
    titles = [a.text for a in home.html.find_all("a", class_="listing-title")]
    assert titles == ["Products"]
    subs = [a.text for a in home.html.find(class_="subcategories").find_all("a")]
    assert subs == ["Widgets"], "a sub-category the visitor may not read is not listed"


def test_plugins_extend_permissions_and_visibility(plugin_forum):
    forum = plugin_forum(plugins=["gatekeeper"])
    forum.create_user("vipanna")
    forum.create_user("mira")
    make_category(forum, "VIP lounge", slug="vip-lounge", topic_access="moderators")
    make_category(forum, "Read only")
    topic_id = make_topic(forum, "mira", "read-only")
    forum.login("mira")
    assert "VIP lounge" not in forum.app.get("/").text
    forum.app.get("/c/vip-lounge", status=404)
    assert "reply-form" not in forum.app.get(topic_path(forum, topic_id)).text
    vip = forum.another_browser()
    vip.login("vipanna")
    assert "VIP lounge" in vip.app.get("/").text
    form = vip.app.get("/c/vip-lounge/new").forms["post-form"]
    form["title"], form["body"] = "Members-only deal", "Details inside"
    assert "Details inside" in form.submit().follow().text
    assert "Members-only deal" not in forum.app.get("/c/vip-lounge", status=404).text


def test_topic_page_answers_while_another_process_holds_the_write_lock(board, caplog):
    """Reading never fails because the read marker cannot be written right now."""
    import logging
    import sqlite3

    topic_id = make_topic(board, "mod", "general", title="Busy times")
    path = topic_path(board, topic_id)
    board.login("mira")
    database = board.settings["forum.database_url"].removeprefix("sqlite:///")
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET display_name = 'locked' WHERE username = 'mod'")
        with caplog.at_level(logging.INFO, logger="forum_core.views.content"):
            page = board.app.get(path)
        assert page.status_int == 200 and "Busy times" in page.text
        assert "read marker of topic" in caplog.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    board.app.get(path)
    row = board.app.get("/c/general").html.find("a", string="Busy times").find_parent("li")
    assert row.find(class_="badge-new") is None, "the next view moved the marker"


def test_topic_page_answers_when_another_tab_added_the_read_marker_first(board, monkeypatch):
    """Two tabs opening a topic for the first time at once both find no read marker and both
    add one; the second's insert fails. Simulated by hiding the marker from both checks."""
    import forum_core.content.services
    import forum_core.views.content

    topic_id = make_topic(board, "mod", "general", title="Twin tabs")
    path = topic_path(board, topic_id)
    board.login("mira")
    board.app.get(path)  # the first tab's marker
    for module in (forum_core.content.services, forum_core.views.content):
        monkeypatch.setattr(module, "read_marker", lambda db, user_id, topic_id: None)
    page = board.app.get(path)
    assert page.status_int == 200 and "Twin tabs" in page.text
