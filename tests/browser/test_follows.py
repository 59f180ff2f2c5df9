"""Follow levels in real Chromium: chosen from a category, a topic and the account page
without JavaScript's help, with no serious accessibility violation (axe) in either colour
scheme, on a wide screen and a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum_core.content.follows import Follow
from tests.browser.test_accessibility import serious
from tests.browser.test_flows import sign_in
from tests.functional.test_discussions import make_category, make_topic

pytestmark = pytest.mark.browser
#: where the test leaves its screenshots for a person to look at (FORUM_TEST_SHOTS=folder)
SHOTS = os.environ.get("FORUM_TEST_SHOTS")


def levels(forum):
    with forum.session() as session:
        return {(row.place, row.level) for row in session.scalars(
            select(Follow).where(Follow.source == "member"))}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_follow_levels_from_a_category_a_topic_and_the_account_page(live_forum, page,
                                                                    other_page, scheme):
    make_category(live_forum.forum, "General")
    live_forum.create_user("mira")
    live_forum.create_user("nils")
    topic = make_topic(live_forum.forum, "nils", "general", "Tide tables", "Where are they?")
    url = live_forum.url
    for tab in (page, other_page):
        tab.emulate_media(color_scheme=scheme)
    sign_in(page, url, "mira")

    page.goto(f"{url}/c/general")
    menu = page.get_by_label("Notifications", exact=True)
    expect(menu).to_have_value("normal")
    menu.select_option("watching")
    page.locator(".follow-form button").click()
    expect(page.get_by_label("Notifications", exact=True)).to_have_value("watching")
    expect(page.locator(".follow-help")).to_contain_text("every new post")
    assert serious(page) == []
    _shot(page, f"category-{scheme}-1280")

    page.goto(f"{url}/t/{topic}")
    page.get_by_label("Notifications", exact=True).select_option("muted")
    page.locator(".follow-form button").click()
    assert serious(page) == []
    assert levels(live_forum.forum) == {("category", "watching"), ("topic", "muted")}

    page.goto(f"{url}/account#following")
    rows = page.locator("#following ul.followed li")
    expect(rows).to_have_count(2)
    assert serious(page) == []
    _shot(page, f"account-{scheme}-1280", selector="#following")

    sign_in(other_page, url, "nils")
    other_page.goto(f"{url}/c/general")
    width = other_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the category page is {width} px wide on a phone"
    assert serious(other_page) == []
    _shot(other_page, f"category-{scheme}-375")


def _shot(page, name, selector=None):
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    target = page.locator(selector) if selector else page
    target.screenshot(path=str(folder / f"follows-{name}.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_since_your_last_visit_and_marking_it_seen(live_forum, page, other_page, scheme):
    import datetime as dt

    from sqlalchemy import update

    from forum_core.accounts.models import User
    from forum_core.db import utcnow

    make_category(live_forum.forum, "General")
    for name in ("mira", "nils"):
        live_forum.create_user(name)
    for n in range(3):
        make_topic(live_forum.forum, "nils", "general", f"While you were away {n}", "News.")
    with live_forum.session() as session:
        session.execute(update(User).values(last_seen_at=utcnow() - dt.timedelta(hours=5)))
    url = live_forum.url
    for tab, width in ((page, 1280), (other_page, 375)):
        tab.emulate_media(color_scheme=scheme)
        sign_in(tab, url, "mira" if tab is page else "nils")
        tab.goto(f"{url}/whats-new")
        expect(tab.locator("h1")).to_have_text("Since your last visit")
        assert serious(tab) == []
        _shot(tab, f"whats-new-{scheme}-{width}")
    expect(page.locator(".topic-list .listing-title")).to_have_count(3)
    expect(page.locator(".list-intro time")).to_have_text("5 hours ago")
    expect(other_page.locator(".topic-list")).to_have_count(0)  # nils wrote them all
    page.get_by_role("button", name="Mark all as seen").click()
    expect(page.locator("main")).to_contain_text("Nothing new since your last visit.")
    expect(page.locator(".topic-list .listing-title")).to_have_count(0)
    assert serious(page) == []
