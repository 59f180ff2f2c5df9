"""The browser's time zone, in real headless Chromium set to Tokyo: signing in makes it the
member's zone, and /account says what the browser says and offers it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_signing_in_from_tokyo_sets_the_members_zone(live_forum, chromium):
    live_forum.forum.create_user("mira")
    context = chromium.new_context(timezone_id="Asia/Tokyo",
                                   viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        page.goto(f"{live_forum.url}/login")
        page.fill("#login", "mira")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        with live_forum.forum.session() as session:
            zone = session.scalar(select(User.time_zone).where(User.username == "mira"))
        assert zone == "Asia/Tokyo"
        page.goto(f"{live_forum.url}/account")
        expect(page.locator("#browser-time-zone")).to_have_text("Your browser says Asia/Tokyo.")
        expect(page.locator("#time_zone")).to_have_value("Asia/Tokyo")
    finally:
        context.close()
