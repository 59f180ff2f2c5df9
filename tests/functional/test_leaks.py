"""Hidden content appears nowhere a viewer without the right may reach.

Hidden content is planted (a closed category, a deleted topic, a hidden reply, a held post, a
mention inside closed content), then every page reachable by following links from the home
page is crawled as an anonymous visitor and as a member, and the direct addresses of the
hidden things are tried. No page may contain any of the secret words, and direct addresses
answer 403/404 without the title.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlencode, urlsplit

import pytest
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Post, Topic
from forum_core.moderation.services import DatabaseModerationService
from tests.functional.test_discussions import make_category, make_topic, topic_path
from tests.functional.test_moderation import reply_as

SECRETS = ("ZEBRA-STAFF-TITLE", "ZEBRA-STAFF-BODY", "ZEBRA-DELETED-TITLE", "ZEBRA-HIDDEN-REPLY",
           "ZEBRA-HELD-TITLE", "ZEBRA-HELD-BODY", "ZEBRA-MENTION")


@pytest.fixture
def planted(make_forum):
    forum = make_forum(**{"forum.hold_first_posts": "1"})
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_user("newbie")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    # mira and nils are established members: one approved post each
    public = make_topic(forum, "mira", "general", title="Public topic", body="Hello")
    reply_as(forum, "nils", public, "Welcome")
    staff = make_topic(forum, "mod", "staff", title="ZEBRA-STAFF-TITLE", body="ZEBRA-STAFF-BODY")
    reply_as(forum, "mod", staff, "ZEBRA-MENTION for @mira and @nils")
    deleted = make_topic(forum, "mira", "general", title="ZEBRA-DELETED-TITLE", body="gone")
    hidden = reply_as(forum, "nils", public, "ZEBRA-HIDDEN-REPLY @mira")
    # the newbie posts through the form, so forum.hold_first_posts applies
    newbie = forum.another_browser()
    newbie.login("newbie")
    form = newbie.app.get("/c/general/new").forms["post-form"]
    form["title"], form["body"] = "ZEBRA-HELD-TITLE", "ZEBRA-HELD-BODY @mira"
    form.submit()
    with forum.session() as session:
        held = session.scalar(select(Topic.id).where(Topic.title == "ZEBRA-HELD-TITLE"))
        assert session.get(Topic, held).is_held
    with forum.session() as session:
        moderator = session.scalar(select(User).where(User.username == "mod"))
        service = DatabaseModerationService(session)
        service.delete_topic(moderator, session.get(Topic, deleted))
        service.set_post_state(moderator, session.get(Post, hidden), "hide")
        hidden_ids = {
            "public": public,
            "topics": [staff, deleted, held],
            "posts": list(session.scalars(select(Post.id).where(
                Post.topic_id.in_([staff, deleted, held])))) + [hidden],
        }
    return forum, hidden_ids


def crawl(browser, limit: int = 150) -> dict[str, str]:
    """GET every internal page reachable from the home page (no forms are sent)."""
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = browser.app.get(url, status="*", expect_errors=True)
        seen[url] = response.text if response.content_type == "text/html" else ""
        if response.content_type != "text/html":
            continue
        for link in response.html.find_all("a", href=True):
            href = urldefrag(link["href"])[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(("/static/", "/avatars/")) or href in seen:
                continue
            queue.append(href)
    return seen


@pytest.mark.parametrize("who", [None, "mira", "newbie-other"])
def test_crawl_finds_no_hidden_content(planted, who):
    forum, hidden = planted
    browser = forum.another_browser()
    if who == "mira":
        browser.login("mira")
    elif who == "newbie-other":
        browser.login("nils")
    pages = crawl(browser)
    profiles = [url for url in pages if url.startswith("/u/")]
    assert {"/u/mira", "/u/nils"} <= set(profiles), sorted(pages)
    for url, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaks on {url} for {who}"


@pytest.mark.parametrize("who", [None, "mira"])
def test_direct_addresses_of_hidden_content_reveal_nothing(planted, who):
    forum, hidden = planted
    browser = forum.another_browser()
    if who:
        browser.login(who)
    urls = [f"/t/{topic_id}" for topic_id in hidden["topics"]]
    urls += [topic_path(forum, topic_id) for topic_id in hidden["topics"]]
    for post_id in hidden["posts"]:
        urls += [f"/p/{post_id}/edit", f"/p/{post_id}/history", f"/p/{post_id}/flag"]
    reply_form = f"{topic_path(forum, hidden['public'])}/reply"
    urls += [f"{reply_form}?quote={post_id}" for post_id in hidden["posts"]]
    urls += ["/c/staff", "/u/mod", "/u/newbie", "/notifications"]
    # search, on the page and in the API, by word, prefix and phrase
    for query in ("zebra", "zeb*", '"zebra staff"', "gone", "zebra -hello"):
        urls += [f"/search?{urlencode({'q': query})}",
                 f"/search?{urlencode({'q': query, 'sort': 'newest', 'type': 'post'})}",
                 f"/api/v1/search?{urlencode({'q': query})}"]
    # the JSON API's addresses of the same things
    urls += [f"/api/v1/topics/{topic_id}" for topic_id in hidden["topics"]]
    urls += [f"/api/v1/topics/{topic_id}/posts" for topic_id in hidden["topics"]]
    urls += [f"/api/v1/posts/{post_id}" for post_id in hidden["posts"]]
    urls += ["/api/v1/categories", "/api/v1/categories/staff/topics", "/api/v1/users/mod",
             "/api/v1/categories/general/topics", f"/api/v1/topics/{hidden['public']}/posts",
             "/api/v1/notifications"]
    for url in urls:
        response = browser.app.get(url, status="*", expect_errors=True)
        assert response.status_int in (200, 401, 403, 404), url
        if url.startswith("/search"):
            assert response.html.select_one(".search-count").text == "0 results", url
        for secret in SECRETS:
            assert secret not in response.text, f"{secret} on {url} for {who}"


def test_the_author_and_staff_do_see_it(planted):
    forum, _hidden = planted
    newbie = forum.another_browser()
    newbie.login("newbie")
    assert "ZEBRA-HELD-TITLE" in newbie.app.get("/c/general").text
    staff = forum.another_browser()
    staff.login("mod")
    pages = crawl(staff)
    everything = "\n".join(pages.values())
    for secret in ("ZEBRA-STAFF-TITLE", "ZEBRA-DELETED-TITLE", "ZEBRA-HIDDEN-REPLY",
                   "ZEBRA-HELD-TITLE"):
        assert secret in everything, secret
    found = staff.app.get("/search", params={"q": "zebra"})
    titles = {a.text for a in found.html.select(".search-results .listing-title")}
    assert {"ZEBRA-STAFF-TITLE", "ZEBRA-DELETED-TITLE", "ZEBRA-HELD-TITLE"} <= titles
