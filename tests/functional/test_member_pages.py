"""Members' topic pages kept in memory: one page for every member who sees the same, served
with each member's own name and token, and never anything of one member to another."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from forum_core.accounts.models import AuthSession, User
from forum_core.content.models import Post, TopicRead
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

CACHE = "X-Forum-Cache"


def names(page):
    return page.html.select_one(".nav-user").get_text(strip=True)


@pytest.fixture
def topic(forum):
    for name in ("mira", "anna", "boris", "cyril"):
        forum.create_user(name)
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    reply_as(forum, "mira", topic_id, "Water in summer.")
    return topic_id


def test_members_who_see_the_same_share_one_page_with_their_own_name_and_token(forum, topic):
    anna, boris = forum.browser("anna"), forum.browser("boris")
    first = anna.app.get(f"/t/{topic}")
    assert CACHE not in first.headers  # rendered for anna (and, once, for the stand-in)
    again = anna.app.get(f"/t/{topic}")
    assert again.headers[CACHE] == "member"
    assert names(again) == "anna" and "Water in summer." in again.text
    assert again.forms["reply-form"]["csrf_token"].value == anna.csrf_token()
    # boris's first view moves his read marker: rendered for him; then he shares the page
    assert CACHE not in boris.app.get(f"/t/{topic}").headers
    shared = boris.app.get(f"/t/{topic}")
    assert shared.headers[CACHE] == "member" and names(shared) == "boris"
    assert "anna" not in shared.text and anna.csrf_token() not in shared.text
    assert "\x00" not in shared.text
    # the kept page's forms work with the member's token
    form = shared.forms["reply-form"]
    form["body"] = "Mulch in autumn."
    assert form.submit().status_int == 303
    # ...and that write makes the kept page stale: everyone sees the reply at once
    page = anna.app.get(f"/t/{topic}")
    assert CACHE not in page.headers and "Mulch in autumn." in page.text


def served(browser, url):
    """Two views: the first moves the read marker, the second is the one that counts."""
    browser.app.get(url)
    return browser.app.get(url)


def test_a_members_held_post_and_own_controls_never_reach_another_member(forum, topic):
    held = reply_as(forum, "cyril", topic, "CYRIL-HELD-REPLY")
    with forum.session() as session:
        session.get(Post, held).is_held = True
    anna, cyril, mira = (forum.browser(name) for name in ("anna", "cyril", "mira"))
    page = served(anna, f"/t/{topic}")
    assert page.headers[CACHE] == "member"
    assert "CYRIL-HELD-REPLY" not in page.text
    assert "/edit" not in page.text and "Delete" not in page.text
    # the author of a held post sees it, in a page rendered for him every time
    for _ in range(2):
        own = cyril.app.get(f"/t/{topic}")
        assert CACHE not in own.headers and "CYRIL-HELD-REPLY" in own.text
    # the author of posts on the page gets her own controls, never from the shared page
    for _ in range(2):
        hers = mira.app.get(f"/t/{topic}")
        assert CACHE not in hers.headers
        assert f"/p/{held}/edit" not in hers.text
        assert len(hers.html.select(".post-actions a[href$='/edit']")) == 2
    # and nothing of theirs went into the kept page
    again = anna.app.get(f"/t/{topic}")
    assert again.headers[CACHE] == "member" and again.text.count("/edit") == 0
    assert "CYRIL-HELD-REPLY" not in again.text


def test_a_member_with_unread_notifications_or_unread_posts_gets_a_page_of_their_own(forum,
                                                                                       topic):
    anna = forum.browser("anna")
    assert served(anna, f"/t/{topic}").headers[CACHE] == "member"
    reply_as(forum, "mira", topic, "Thanks @anna for asking")
    page = anna.app.get(f"/t/{topic}")  # a new post: the page changed, and her marker moves
    assert CACHE not in page.headers and "Thanks" in page.text
    for _ in range(2):  # the badge is hers: the page is rendered for her while it shows
        page = anna.app.get(f"/t/{topic}")
        assert CACHE not in page.headers
        assert page.html.select_one(".nav-notifications .badge").get_text() == "1"
    anna.post_form("/notifications/read")
    page = anna.app.get(f"/t/{topic}")
    assert page.headers[CACHE] == "member" and not page.html.select(".nav-notifications .badge")
    with forum.session() as session:
        marks = session.execute(select(User.username).join(
            TopicRead, TopicRead.user_id == User.id).where(TopicRead.topic_id == topic))
        assert sorted(marks.scalars()) == ["anna"]  # the stand-in left no read marker
    # a topic she has not read, kept already for boris: her first view moves her marker
    other = make_topic(forum, "mira", "general", "Pruning", "Cut in winter.")
    assert served(forum.browser("boris"), f"/t/{other}").headers[CACHE] == "member"
    assert served(anna, f"/t/{topic}").headers[CACHE] == "member"  # (she is known now)
    first = anna.app.get(f"/t/{other}")
    assert CACHE not in first.headers
    assert anna.app.get(f"/t/{other}").headers[CACHE] == "member"
    with forum.session() as session:
        mark = session.get(TopicRead, (session.scalar(
            select(User.id).where(User.username == "anna")), other))
        assert mark is not None and mark.last_read_number == 1


def test_a_signed_out_or_suspended_member_is_served_nothing_of_a_member(forum, topic):
    anna, boris = forum.browser("anna"), forum.browser("boris")
    assert served(anna, f"/t/{topic}").headers[CACHE] == "member"
    assert served(boris, f"/t/{topic}").headers[CACHE] == "member"
    with forum.session() as session:  # signed out everywhere (no write pages would show)
        anna_id = session.scalar(select(User.id).where(User.username == "anna"))
        session.execute(delete(AuthSession).where(AuthSession.user_id == anna_id))
    page = anna.app.get(f"/t/{topic}")
    assert CACHE not in page.headers or page.headers[CACHE] != "member"
    assert not page.html.select(".nav-user") and "Sign in to reply." in page.text
    with forum.session() as session:
        boris_user = session.scalar(select(User).where(User.username == "boris"))
        boris_user.status = "suspended"
    for _ in range(2):
        page = boris.app.get(f"/t/{topic}")
        assert page.headers.get(CACHE) != "member" and "reply-form" not in page.forms


def test_staff_languages_and_groups_each_have_their_own_kept_page(forum, topic):
    forum.create_user("modest", role="moderator")
    with forum.session() as session:
        session.scalar(select(User).where(User.username == "boris")).locale = "nl"
    anna, boris, mod = (forum.browser(name) for name in ("anna", "boris", "modest"))
    staff = served(mod, f"/t/{topic}")
    assert staff.headers[CACHE] == "member" and staff.html.select(".mod-panel")
    member = served(anna, f"/t/{topic}")
    assert member.headers[CACHE] == "member" and not member.html.select(".mod-panel")
    dutch = served(boris, f"/t/{topic}")
    assert dutch.headers[CACHE] == "member"
    assert dutch.html.html["lang"] == "nl" and member.html.html["lang"] == "en"
    assert "Reactie plaatsen" in dutch.text and "Post reply" in member.text


def test_a_kept_member_page_answers_head_and_escapes_the_name(forum, topic):
    with forum.session() as session:
        session.scalar(select(User).where(User.username == "anna")).display_name = \
            "<b>Anna & co</b>"
    anna = forum.browser("anna")
    page = served(anna, f"/t/{topic}")
    assert page.headers[CACHE] == "member"
    assert "&lt;b&gt;Anna &amp; co&lt;/b&gt;" in page.text and "<b>Anna" not in page.text
    head = anna.app.head(f"/t/{topic}")
    assert head.headers[CACHE] == "member" and head.body == b""
    assert int(head.headers["Content-Length"]) == len(page.body)


def test_members_pages_can_be_switched_off(make_forum):
    forum = make_forum(**{"forum.page_cache_members": "false"})
    forum.create_user("anna")
    make_category(forum, "General")
    topic_id = make_topic(forum, "anna", "general", "Garden tips", "Plant in spring.")
    forum.create_user("boris")
    boris = forum.browser("boris")
    for _ in range(3):
        assert CACHE not in boris.app.get(f"/t/{topic_id}").headers


@pytest.mark.parametrize("postgres", [False, True], ids=["sqlite", "postgresql"])
def test_kept_member_pages_on_either_database(make_forum, postgres):
    forum = make_forum(postgres=postgres)
    for name in ("mira", "anna"):
        forum.create_user(name)
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    anna = forum.browser("anna")
    assert served(anna, f"/t/{topic_id}").headers[CACHE] == "member"
    reply_as(forum, "mira", topic_id, "Water in summer.")
    assert "Water in summer." in anna.app.get(f"/t/{topic_id}").text


def test_a_plugin_filter_that_asks_who_the_member_is_keeps_its_members_pages_their_own(
        plugin_forum):
    """The test plugin 'gatekeeper' hides the posts of "loud" members from "quiet" ones, by
    username, not by principals: the stand-in is not quiet, so a quiet member's page is never
    the kept one."""
    forum = plugin_forum(plugins=["gatekeeper"])
    for name in ("mira", "loudlouis", "quietquinn", "anna"):
        forum.create_user(name)
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general", "Garden tips", "Plant in spring.")
    reply_as(forum, "loudlouis", topic_id, "LOUD-REPLY")
    reply_as(forum, "mira", topic_id, "Water in summer.")  # quinn reads up to the last post
    anna, quinn = forum.browser("anna"), forum.browser("quietquinn")
    kept = served(anna, f"/t/{topic_id}")
    assert kept.headers[CACHE] == "member" and "LOUD-REPLY" in kept.text
    for _ in range(3):
        page = quinn.app.get(f"/t/{topic_id}")
        assert page.headers.get(CACHE) != "member" and "LOUD-REPLY" not in page.text
        assert "Plant in spring." in page.text and "Water in summer." in page.text
