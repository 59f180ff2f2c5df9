"""Likes in real Chromium: the heart toggles in place with JavaScript (aria-pressed, the count,
an announcement), and the same heart is a plain form that works without it. Screenshots of
the topic page, "who liked this" and the notification settings at 375 and 1280 px, light
and dark, go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum_core.testing import PASSWORD
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser


def prepare(forum):
    for name in ("mira", "nils", "olga", "pavel"):
        forum.create_user(name)
    forum.create_category("General")
    forum.topic = forum.create_topic("mira", "general", "Garden tips",
                                     "Water in the morning, not at noon.")
    forum.reply("nils", forum.topic, "And mulch keeps the soil moist.")


@pytest.fixture
def board(make_live_forum):
    return make_live_forum(prepare=prepare)


def test_the_heart_toggles_in_place(board, page):
    sign_in(page, board.url, "nils")
    page.goto(f"{board.url}/t/{board.topic}")
    page.evaluate("window.sameDocument = true")
    heart = page.locator("#post-1 .like-button")
    count = page.locator("#post-1 .like-count")
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(count).to_be_hidden()

    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(count).to_be_visible()
    expect(count.locator(".like-number")).to_have_text("1")
    expect(page.locator(".like-status")).to_contain_text("You like this post.")
    heart.click()  # take it back
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(count).to_be_hidden()
    heart.dblclick()  # a double click: one like (or none), never two
    page.wait_for_timeout(500)
    assert page.evaluate("window.sameDocument") is True, "no reload"

    pressed = heart.get_attribute("aria-pressed")
    page.reload()
    expect(page.locator("#post-1 .like-button")).to_have_attribute("aria-pressed", pressed)
    expected = "1" if pressed == "true" else "0"
    expect(page.locator("#post-1 .like-number")).to_have_text(expected)
    # one's own post has no button to press
    expect(page.locator("#post-2 form.like-form")).to_have_count(0)
    expect(page.locator("#post-2 .like-off")).to_have_attribute(
        "title", "You cannot like your own post.")


def test_the_heart_works_without_javascript(board, chromium):
    context = chromium.new_context(java_script_enabled=False,
                                   viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{board.url}/login")
        page.fill("#login", "olga")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{board.url}/t/{board.topic}")
        page.click("#post-2 .like-button")
        page.wait_for_url(f"**/t/{board.topic}**#post-2")  # back on the page, at the post
        expect(page.locator("#post-2 .like-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#post-2 .like-number")).to_have_text("1")
        page.click("#post-2 .like-count")
        expect(page.locator("li.liker")).to_have_count(1)
        expect(page.locator("li.liker")).to_contain_text("olga")
    finally:
        context.close()


def _shoot(page, name, selector):
    """A full-page screenshot; what likes added (``selector``) stays inside the screen (the
    whole page's overflow is the design's test: the picture field of /account overflows
    at 375 px already) and axe finds no violation of any impact in it."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context={"include": [[selector.split(" *")[0]]]})
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in found.response["violations"]]
    assert violations == [], f"{name}: {violations}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    right = page.evaluate("(selector) => Math.max(...Array.from(document.querySelectorAll("
                          "selector), (e) => e.getBoundingClientRect().right))", selector)
    assert 0 < right <= page.viewport_size["width"], f"{name}: {selector} reaches {right}px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_likes(board, chromium, scheme, width):
    for name in ("olga", "pavel"):
        board.forum.browser(name).post_form(f"/p/{_first_post(board)}/like", action="like")
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, board.url, "nils")
        page.goto(f"{board.url}/t/{board.topic}")
        page.click("#post-1 .like-button")
        expect(page.locator("#post-1 .like-number")).to_have_text("3")
        _shoot(page, f"likes-topic-{width}-{scheme}", ".post-actions .like")
        page.click("#post-1 .like-count")
        expect(page.locator("li.liker")).to_have_count(3)
        _shoot(page, f"likes-likers-{width}-{scheme}", "main *")
        page.goto(f"{board.url}/account#notification-settings")
        expect(page.locator("#notifications-form input[name=notify]")).to_have_count(6)
        _shoot(page, f"likes-account-{width}-{scheme}", "#notification-settings *")
    finally:
        context.close()


def _first_post(board):
    from sqlalchemy import select

    from forum_core.content.models import Post

    with board.forum.session() as session:
        return session.scalar(select(Post.id).where(Post.topic_id == board.topic,
                                                    Post.number == 1))
