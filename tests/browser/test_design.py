"""The default theme in real Chromium: a one-row header whose menus work with the keyboard,
no horizontal overflow on a 375 px phone, and user cards that open on focus and hover and
close with Escape. Screenshots of the pages (375 and 1280 px, light and dark) are saved
under test-artifacts/design/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_flows import sign_in
from tests.browser.test_ideas import idea_board

pytestmark = pytest.mark.browser
PAGES = {"home": "/", "topic": "/t/{topic}", "account": "/account",
         "admin-categories": "/admin/categories", "ideas-board": "/ideas/ideas"}


def design_forum(forum):
    idea_board(forum)
    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    forum.create_category("Garden talk", colour="teal", icon="chat")
    topic = forum.create_topic("mira", "garden-talk", "Tomatoes in the shade of a wall",
                               "Which varieties ripen with four hours of sun?\n\n"
                               "| Variety | Hours |\n|---|---:|\n| Stupice | 4 |")
    forum.reply("boss", topic, "Try *Stupice* and @mira's favourite cherry tomatoes.")
    forum.topic_id = topic


@pytest.fixture
def live(make_live_forum):
    return make_live_forum(plugins=["ideas"], prepare=design_forum)


@pytest.fixture
def phone(chromium, request):
    from tests.browser.conftest import _new_page

    yield from _new_page(chromium, request, "phone", viewport={"width": 375, "height": 812})


def test_the_header_is_one_row_on_a_phone_and_its_menu_works_with_the_keyboard(live, phone):
    sign_in(phone, live.url, "boss")
    phone.goto(live.url + "/")
    assert phone.locator(".site-header").bounding_box()["height"] <= 64
    expect(phone.locator(".nav-brand")).to_be_visible()
    expect(phone.locator(".nav-search")).to_be_visible()
    expect(phone.locator("a.nav-notifications")).to_be_visible()
    expect(phone.locator(".nav-main")).to_be_hidden()
    admin_link = phone.locator(".nav-menu .nav-admin")
    expect(admin_link).to_be_hidden()
    # Tab reaches the menu button; Enter opens it, its links are reachable, Escape closes it
    summary = phone.locator(".nav-menu > summary")
    for _ in range(12):
        phone.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the menu button")
    expect(summary).to_have_accessible_name("Menu")
    phone.keyboard.press("Enter")
    expect(admin_link).to_be_visible()
    phone.keyboard.press("Escape")
    expect(admin_link).to_be_hidden()
    expect(summary).to_be_focused()
    # the account menu: Sign out is inside it
    account = phone.locator(".account-menu > summary")
    account.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    expect(phone.get_by_role("link", name="Account settings")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_is_wider_than_a_phone(live, chromium, request, scheme):
    found = {}
    for width in (375, 1280):
        context = chromium.new_context(viewport={"width": width, "height": 900},
                                       color_scheme=scheme)
        page = context.new_page()
        sign_in(page, live.url, "boss")
        for name, path in PAGES.items():
            page.goto(live.url + path.format(topic=live.topic_id))
            expect(page.locator("main h1").first).to_be_visible()
            target = ARTIFACTS / "design" / f"{name}-{width}-{scheme}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
            if width == 375:
                found[name] = page.evaluate("document.documentElement.scrollWidth")
        context.close()
    assert found == {name: 375 for name in PAGES}


def test_a_user_card_opens_on_focus_and_hover_and_closes_with_escape(live, page):
    sign_in(page, live.url, "boss")
    page.goto(f"{live.url}/t/{live.topic_id}")
    author = page.locator("#post-1 .post-author")
    card = page.locator(".user-card")
    author.focus()
    expect(card).to_be_visible()
    expect(card.locator(".user-card-name")).to_have_text("mira")
    expect(card.locator(".user-card-activity a").first).to_have_text(
        "Tomatoes in the shade of a wall")
    expect(author).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(card).to_have_count(0)
    expect(author).to_be_focused()
    page.locator("h1").hover()
    page.locator("#post-2 .post-author").hover()
    expect(card.locator(".user-card-name")).to_have_text("boss")
    page.locator(".site-footer").hover()
    expect(card).to_have_count(0)
