"""Every page has a title, a meta description and a canonical link; topics carry OpenGraph
tags; hidden content's address says it is unavailable without naming it."""

from __future__ import annotations

import pytest

from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_leaks import crawl
from tests.functional.test_moderation import reply_as


@pytest.fixture
def site(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    topic = make_topic(forum, "mira", "general", "Solar panels on a flat roof",
                       "Does anyone have **experience** with mounting solar panels on a flat "
                       "roof? We are planning twelve panels and wonder about ballast, wind "
                       "load, drainage and which installers in the region know their trade.")
    reply_as(forum, "mira", topic, "Following this.")
    return forum, topic


def head(page, selector, attribute="content"):
    found = page.html.select_one(f"head {selector}")
    return None if found is None else found.get(attribute)


def test_every_crawled_page_has_title_description_and_canonical(site):
    forum, _topic = site
    forum.login("mira")
    pages = crawl(forum, limit=60)
    assert len(pages) > 10
    for url in pages:
        page = forum.app.get(url, status="*", expect_errors=True)
        if page.content_type != "text/html":
            continue
        assert page.html.title and page.html.title.text.strip(), url
        assert (head(page, "meta[name=description]") or "").strip(), url
        assert (head(page, "link[rel=canonical]", "href") or "").startswith("http"), url


def test_topics_have_opengraph_tags_and_one_canonical_address(site):
    forum, topic = site
    short = forum.app.get(f"/t/{topic}")
    canonical = head(short, "link[rel=canonical]", "href")
    assert canonical == f"http://localhost/t/{topic}/solar-panels-on-a-flat-roof"
    full = forum.app.get(canonical)
    assert head(full, "link[rel=canonical]", "href") == canonical
    assert head(full, "meta[property='og:title']") == "Solar panels on a flat roof"
    assert head(full, "meta[property='og:type']") == "article"
    assert head(full, "meta[property='og:url']") == canonical
    description = head(full, "meta[name=description]")
    assert description.startswith("Does anyone have experience with mounting solar panels")
    assert description.endswith("…") and len(description) <= 161
    assert head(full, "meta[property='og:description']") == description
    assert head(forum.app.get("/search?q=solar"), "meta[name=robots]") == "noindex"


def test_hidden_content_is_unavailable_with_a_way_forward(site):
    forum, _topic = site
    page = forum.app.get("/c/staff", status=404)
    text = page.html.select_one("main").text
    assert "not available" in text and "Staff" not in text
    links = {a.text for a in page.html.select(".error-actions a")}
    assert {"Sign in", "Create an account", "Go to the home page"} <= links
    assert head(page, "meta[name=robots]") == "noindex"
