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
    canonical = f"http://localhost/t/{topic}/solar-panels-on-a-flat-roof"
    # the short address, an old or a mistyped slug answer a permanent redirect there,
    # keeping the page
    for other in (f"/t/{topic}", f"/t/{topic}/solar-panels", f"/t/{topic}/x?after=2"):
        moved = forum.app.get(other, status=301)
        query = other.partition("?")[2]
        assert moved.location == canonical + (f"?{query}" if query else ""), other
        assert "Cache-Control" in moved.headers and "ETag" not in moved.headers
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


def test_a_hidden_topic_answers_not_available_at_every_address(site):
    forum, _topic = site
    forum.create_user("mod", role="moderator")
    secret = make_topic(forum, "mod", "staff", "Secret staff plans", "Only for staff.")
    for url in (f"/t/{secret}", f"/t/{secret}/x"):
        page = forum.app.get(url, status=404)
        assert "secret-staff-plans" not in page.text and "Location" not in page.headers
        assert "Secret staff" not in page.text
    staff = forum.browser("mod").app.get(f"/t/{secret}", status=301)
    assert staff.location.endswith(f"/t/{secret}/secret-staff-plans")


def test_public_pages_describe_themselves_and_have_link_previews(site):
    forum, topic = site
    forum.create_category("Plain")  # no description of its own: a sentence is made
    with forum.session() as session:
        from sqlalchemy import select

        from forum_core.content.models import Category
        session.scalar(select(Category).where(Category.slug == "plain")).description = ""
    expected = {
        "/c/general": "About General.",
        "/c/plain": "Topics about Plain on Community forum.",
        "/u/mira": "mira's profile and posts on Community forum.",
        "/login": "Sign in to Community forum to take part in its discussions.",
        "/register": "Create an account on Community forum to start topics and reply.",
    }
    descriptions = set()
    for url, description in {**expected, "/": None,
                             f"/t/{topic}/solar-panels-on-a-flat-roof": None}.items():
        page = forum.app.get(url)
        found = head(page, "meta[name=description]")
        if description is not None:
            assert found == description, url
        descriptions.add(found)
        assert head(page, "meta[property='og:description']") == found, url
        assert head(page, "meta[property='og:title']"), url
        assert head(page, "meta[property='og:url']") == \
            head(page, "link[rel=canonical]", "href"), url
        assert head(page, "meta[name='twitter:card']") == "summary_large_image", url
        image = head(page, "meta[property='og:image']")
        assert image.startswith("http://localhost/") and image.endswith(".png"), url
        assert head(page, "meta[property='og:image:width']") == "1200"
        assert head(page, "meta[property='og:image:height']") == "630"
    assert len(descriptions) == len(expected) + 2  # every page says something of its own
    assert "Community forum" not in descriptions  # never just the site's name


def test_the_preview_picture_is_drawn_once_and_kept_a_year(site):
    from io import BytesIO

    from PIL import Image

    forum, _topic = site
    url = head(forum.app.get("/"), "meta[property='og:image']").removeprefix("http://localhost")
    first = forum.app.get(url)
    assert first.content_type == "image/png"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with Image.open(BytesIO(first.body)) as picture:
        assert picture.size == (1200, 630)
    assert forum.app.get(url).body == first.body
    old = forum.app.get("/share/0123456789abcdef.png", status=301)
    assert old.location == "http://localhost" + url
    # a renamed forum gets a new picture at a new address
    forum.create_user("boss", role="admin")
    settings = forum.browser("boss").app.get("/admin/settings").forms["settings-form"]
    settings["site_name"] = "Rooftop Club"
    settings.submit(status=303)
    renamed = head(forum.app.get("/"), "meta[property='og:image']")
    assert renamed != "http://localhost" + url
    assert forum.app.get(renamed.removeprefix("http://localhost")).body != first.body
