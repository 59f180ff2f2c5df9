"""Reading in real Chromium: a topic loads further posts as one scrolls, the reading position
follows what was seen and brings the member back to it; topic lists load more in place; the
lists and the topic page fit a phone and a desktop, light and dark (screenshots saved)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum_core.content.models import TopicRead
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser


def long_topic(forum, posts: int = 45) -> int:
    forum.create_user("mira")
    forum.create_user("nils")
    forum.create_category("General")
    topic = forum.create_topic("nils", "general", "A long story", "Chapter 1")
    for number in range(2, posts + 1):
        forum.reply("nils", topic, f"Chapter {number}\n\n" + "Some words. " * 30)
    return topic


def marker(forum, topic: int) -> int:
    with forum.session() as session:
        return session.scalar(select(TopicRead.last_read_number).where(
            TopicRead.topic_id == topic)) or 0


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_scrolling_loads_further_posts_and_the_position_is_restored(live_forum, page):
    forum = live_forum.forum
    topic = long_topic(forum)
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}/a-long-story")
    progress = page.locator("[data-reading-range]")
    # the last post in view, of the topic's last post
    expect(progress).to_have_text(re.compile(r"^[1-9] / 45$"))
    expect(page.locator("article.post")).to_have_count(20)

    # scrolling to the end fetches the next pages in place, without a reload
    page.evaluate("window.sameDocument = true")
    for expected in (40, 45):
        page.mouse.wheel(0, 100_000)
        expect(page.locator("article.post")).to_have_count(expected)
    expect(page.locator("p.pager[data-load-more]")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True
    assert "after=40" in page.url, "the address follows the pages read"
    page.mouse.wheel(0, 100_000)
    expect(progress).to_have_text("45 / 45")

    # the server keeps the highest post seen
    assert wait_for(lambda: marker(forum, topic) == 45), marker(forum, topic)

    # read partly: open again, read to chapter 30, leave
    forum.create_user("olga")
    for number in range(46, 50):
        forum.reply("olga", topic, f"Chapter {number}")
    with forum.session() as session:
        session.query(TopicRead).update({"last_read_number": 10})
    page.goto(f"{live_forum.url}/t/{topic}/a-long-story")
    expect(page.locator("a[data-first-unread]")).to_have_attribute("href", "#post-11")
    # back where one stopped: the first unread post is brought into view
    expect(page.locator("#post-11")).to_be_in_viewport()
    page.mouse.wheel(0, 100_000)
    expect(page.locator("article.post")).to_have_count(40)
    page.locator("#post-30").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('post-30').scrollIntoView({block: 'end'})")
    page.locator(".breadcrumbs a").first.click()  # leaving sends the position
    assert wait_for(lambda: marker(forum, topic) >= 30), marker(forum, topic)
    reached = marker(forum, topic)
    assert reached < 45, "posts never scrolled to are not read"

    # the lists lead to the first unread post
    page.goto(f"{live_forum.url}/unread")
    link = page.locator(".topic-list a.listing-title", has_text="A long story")
    expect(link).to_have_attribute("href", f"/t/{topic}/a-long-story?after={reached}")
    link.click()
    expect(page.locator("article.post").first).to_have_attribute("id", f"post-{reached + 1}")
    expect(page.locator(f"#post-{reached + 1}")).to_be_in_viewport()


def test_load_more_appends_topics_in_place_and_moves_focus(live_forum, page):
    forum = live_forum.forum
    forum.create_user("nils")
    forum.create_category("General")
    for number in range(34):
        forum.create_topic("nils", "general", f"Topic number {number:02}")
    page.goto(f"{live_forum.url}/latest")
    rows = page.locator("ol.topic-list > li")
    expect(rows).to_have_count(30)
    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name="Load more topics").click()
    expect(rows).to_have_count(34)
    expect(rows.nth(30)).to_be_focused()
    expect(page.locator("[role=status]")).to_have_text("More topics loaded.")
    expect(page.get_by_role("link", name="Load more topics")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True
    assert "after=" in page.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_lists_and_topic_fit_the_screen(make_live_forum, chromium, scheme, width):
    def prepare(forum):
        topic = long_topic(forum, posts=25)
        forum.create_category("Ideas and suggestions for a much better product")
        forum.create_topic("mira", "ideas-and-suggestions-for-a-much-better-product",
                           "A rather long title that has to wrap on a phone without "
                           "pushing anything out of the screen", "Body")
        for name in ("olga", "pia", "quinn"):
            forum.create_user(name)
            forum.reply(name, topic, "Me too")

    live = make_live_forum(prepare=prepare)
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   color_scheme=scheme)
    page = context.new_page()
    try:
        sign_in(page, live.url, "mira")
        page.goto(f"{live.url}/t/1/a-long-story")  # read partly: unread later
        live.forum.reply("olga", 1, "Something new")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, path in (("home", "/"), ("latest", "/latest"), ("unread", "/unread"),
                           ("top", "/top?period=month"), ("category", "/c/general"),
                           ("topic", "/t/1/a-long-story")):
            page.goto(live.url + path)
            page.screenshot(path=str(ARTIFACTS / f"lists-{name}-{width}-{scheme}.png"),
                            full_page=True)
            if name == "topic":  # scrolled to the first unread post, the progress stays
                expect(page.locator("[data-reading]")).to_be_in_viewport()
                page.screenshot(path=str(ARTIFACTS / f"lists-topic-view-{width}-{scheme}.png"))
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide at {width} px"
    finally:
        context.close()
