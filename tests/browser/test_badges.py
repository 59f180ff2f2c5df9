"""The badges plugin in real Chromium: the badges index (with a featured member and an
uploaded icon), a badge's page with its holders, the leaderboard, a member's profile with
their badges and rank, a topic page with ranks beside the authors, and the administrators'
pages. axe finds no serious or critical violation on any of them, in both colour schemes, on
a wide screen (1280 px) and a phone (375 px). ``FORUM_TEST_SHOTS=<dir>`` saves each checked
page as a screenshot."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FORUM_TEST_SHOTS")
#: every page is checked at these widths (px): a wide screen and a phone
WIDTHS = (1280, 375)


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"badges-{name}.png"), full_page=True)


def _check(page, name, scheme):
    """axe at each width, with a screenshot at each."""
    size = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert (width, serious(page)) == (width, [])
            _shot(page, f"{name}-{scheme}-{width}")
    finally:
        page.set_viewport_size(size)


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 60, 60), fill=(30, 130, 200, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _prepare(forum):
    """People, posts (so badges and points are earned), a badge with an uploaded icon given
    by hand, and a featured member."""
    from forum_badges.defaults import make_defaults
    from forum_badges.icons import checked_icon
    from forum_badges.services import Recognition
    from sqlalchemy import select

    from forum_core.api import User

    forum.create_user("ada", role="admin")
    for name in ("mira", "nils", "olga"):
        forum.create_user(name)
    forum.create_category("General", "Talk about anything.")
    with forum.session() as session:
        make_defaults(session)
    topic = forum.create_topic("mira", title="Hello everyone",
                               body="Glad to be here. What are you all working on?")
    forum.reply("nils", topic, "Welcome! A garden, mostly.")
    forum.reply("olga", topic, "Welcome, mira.")
    forum.reply("mira", topic, "Thanks both!")
    forum.run_jobs()
    with forum.session() as session:
        people = {user.username: user for user in session.scalars(select(User))}
        service = Recognition(session)
        helper = service.create({"name": "Community helper",
                                 "description": "Helps others find their way",
                                 "level": "gold", "icon": "upload"},
                                icon=checked_icon(_png()))
        service.grant(helper, people["mira"], people["ada"], "Answered many questions")
        service.feature(people["mira"], people["ada"], "Member of the month",
                        "Always kind and helpful", days=30)
    return topic


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_badge_pages_are_accessible(make_live_forum, page, scheme):
    live = make_live_forum(plugins=("badges",), prepare=_prepare)
    url = live.url
    page.emulate_media(color_scheme=scheme)

    page.goto(f"{url}/badges/")
    expect(page.locator("h1")).to_have_text("Badges")
    expect(page.locator(".badges-featured")).to_contain_text("Member of the month")
    expect(page.locator(".badges-card-item").filter(has_text="First post")).to_contain_text(
        "3 members hold it")
    _check(page, "index", scheme)

    page.get_by_role("link", name="First post").click()
    expect(page.locator("h1")).to_have_text("First post")
    expect(page.locator(".badges-holders li")).to_have_count(3)
    expect(page.locator(".badges-holders")).to_contain_text("Hello everyone")
    _check(page, "badge", scheme)

    page.goto(f"{url}/badges/leaderboard?period=all")
    expect(page.locator(".badges-board tbody tr")).to_have_count(3)
    _check(page, "leaderboard", scheme)

    sign_in(page, url, "mira")
    page.goto(f"{url}/badges/leaderboard")
    expect(page.locator(".badges-mine")).to_contain_text("Your points")
    _check(page, "leaderboard-member", scheme)

    page.goto(f"{url}/u/mira")
    section = page.locator("section.badges-profile")
    expect(section.get_by_role("heading", name="Badges")).to_be_visible()
    expect(section).to_contain_text("Community helper")
    expect(section).to_contain_text("Featured: Member of the month")
    _check(page, "profile", scheme)

    page.goto(f"{url}/t/1")
    expect(page.locator("#post-1 .badges-rank")).to_contain_text("Newcomer")
    _check(page, "topic", scheme)

    sign_in(page, url, "ada")
    page.goto(f"{url}/badges/admin")
    expect(page.locator("h1")).to_have_text("Badges and points")
    _check(page, "admin", scheme)
    page.get_by_role("link", name="Community helper").click()
    expect(page.locator("h1")).to_have_text("Community helper")
    _check(page, "admin-badge", scheme)
    page.goto(f"{url}/badges/admin/new")
    page.get_by_label("Name", exact=True).fill("   ")
    page.get_by_label("Rocket").check()
    page.get_by_label("Earned by").select_option(label="A number of posts")
    page.locator("summary").filter(has_text="numbers").click()
    page.get_by_label("Posts (1–1000000)").fill("25")
    page.get_by_role("button", name="Make the badge").click()
    expect(page.locator(".form-error")).to_contain_text("Name cannot be empty")
    _check(page, "admin-new-error", scheme)
