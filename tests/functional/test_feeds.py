"""Atom feeds, the sitemap and robots.txt: valid documents that list only what may be seen."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.content.models import Post
from forum_core.moderation.services import DatabaseModerationService
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def board(forum):
    for name in ("mira", "nils"):
        forum.create_user(name)
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    public = make_topic(forum, "mira", "general", "Release notes & <plans>",
                        "Version **2** is out.")
    make_topic(forum, "mod", "staff", "Salaries", "Confidential.")
    reply_as(forum, "nils", public, "Great news")
    hidden = reply_as(forum, "nils", public, "Spam spam")
    with forum.session() as session:
        mod = session.scalar(select(User).where(User.username == "mod"))
        DatabaseModerationService(session).set_post_state(mod, session.get(Post, hidden), "hide")
    return public


def entries(response):
    assert response.content_type == "application/atom+xml"
    feed = ET.fromstring(response.body)
    return [(e.find(f"{ATOM}title").text, e.find(f"{ATOM}summary").text)
            for e in feed.findall(f"{ATOM}entry")]


def test_feeds_list_what_the_reader_may_see(forum):
    public = board(forum)
    latest = entries(forum.app.get("/latest.atom"))
    assert latest == [("Release notes & <plans>", "Version 2 is out.")]
    category = entries(forum.app.get("/c/general/feed.atom"))
    assert category == latest
    posts = entries(forum.app.get(f"/t/{public}/feed.atom"))
    assert [summary for _, summary in posts] == ["Great news", "Version 2 is out."]
    forum.app.get("/c/staff/feed.atom", status=404)
    home = forum.app.get("/")
    assert home.html.select_one("link[type='application/atom+xml']")["href"] == "/latest.atom"

    forum.login("mod")
    staff = [title for title, _ in entries(forum.app.get("/latest.atom"))]
    assert staff == ["Salaries", "Release notes & <plans>"]
    response = forum.app.get(f"/t/{public}/feed.atom")
    assert "Spam spam" in response.text  # staff see hidden posts, as on the page
    assert "private" in response.headers["Cache-Control"]


def test_the_sitemap_is_public_whoever_asks(forum):
    public = board(forum)
    forum.login("mod")  # even staff get the anonymous visitor's sitemap
    response = forum.app.get("/sitemap.xml")
    locations = [loc.text for loc in ET.fromstring(response.body).iter(f"{SITEMAP}loc")]
    assert locations[0] == "http://localhost/"
    assert "http://localhost/c/general" in locations
    assert any(f"/t/{public}/" in url for url in locations)
    assert not any("staff" in url or "salaries" in url for url in locations)
    robots = forum.app.get("/robots.txt")
    assert "Sitemap: http://localhost/sitemap.xml" in robots.text
    assert "Disallow: /admin" in robots.text
