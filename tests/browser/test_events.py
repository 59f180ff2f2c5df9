"""The events plugin in real Chromium on a phone (375 px): an organiser creates an event
with one seat through the form, a member takes the seat, a second member joins the waiting
list, and the organiser checks the first one in at the door from the searchable list. axe
finds no serious or critical violation on the form, the event page (as organiser, attendee
and waiting member), the check-in list, the upcoming list and the month view, in both colour
schemes, at 375 and 1280 px. ``FORUM_TEST_SHOTS=<dir>`` saves each checked page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FORUM_TEST_SHOTS")
WIDTHS = (375, 1280)
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "timezone_id": "Europe/Amsterdam"}


def _check(page, name, scheme):
    size = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert (name, width, serious(page)) == (name, width, [])
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / f"events-{name}-{scheme}-{width}.png"),
                                full_page=True)
    finally:
        page.set_viewport_size(size)


def _prepare(forum):
    for name in ("olga", "mira", "nils"):
        forum.create_user(name)
    forum.create_category("General")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_create_answer_wait_and_check_in_on_a_phone(make_live_forum, chromium, scheme):
    live = make_live_forum(plugins=["events"], prepare=_prepare)
    url = live.url
    contexts = [chromium.new_context(color_scheme=scheme, **PHONE) for _ in range(3)]
    try:
        olga, mira, nils = (context.new_page() for context in contexts)
        for page, name in ((olga, "olga"), (mira, "mira"), (nils, "nils")):
            page.set_default_timeout(10_000)
            sign_in(page, url, name)

        # the organiser creates an event with one seat
        olga.goto(f"{url}/events/new")
        _check(olga, "form", scheme)
        day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
        olga.get_by_label("Title").fill("Garden tour")
        olga.get_by_label("Description (Markdown)").fill("We walk through the **gardens**.")
        olga.locator("#event-start-date").fill(day)
        olga.locator("#event-start-time").fill("14:00")
        olga.locator("#event-end-date").fill(day)
        olga.locator("#event-end-time").fill("16:00")
        olga.get_by_label("Time zone of these times").select_option("Europe/Amsterdam")
        olga.get_by_label("Address").fill("Hortus, Amsterdam")
        olga.get_by_label("Seats (empty: no limit)").fill("1")
        olga.get_by_role("button", name="Create the event").click()
        expect(olga.locator("h1")).to_have_text("Garden tour")
        expect(olga.locator(".events-seats")).to_have_text("0 of 1 taken")
        event_url = olga.url
        _check(olga, "event-organiser", scheme)

        # a member takes the seat, and sees the address
        mira.goto(event_url)
        expect(mira.locator(".events-location")).to_have_count(0)
        mira.get_by_role("button", name="Going", exact=True).click()
        expect(mira.locator(".events-mine")).to_have_text("Your answer: Going")
        expect(mira.locator(".events-location")).to_have_text("Hortus, Amsterdam")
        _check(mira, "event-going", scheme)

        # the next one waits
        nils.goto(event_url)
        nils.get_by_role("button", name="Join the waiting list").click()
        expect(nils.locator(".events-mine")).to_contain_text("place 1 on the waiting list")
        expect(nils.locator(".events-location")).to_have_count(0)
        _check(nils, "event-waiting", scheme)

        # at the door: the organiser finds mira and checks her in
        olga.goto(event_url)
        olga.locator("#event-invite summary").click()
        olga.get_by_role("link", name="Check attendees in").click()
        expect(olga.locator(".events-checkin-count")).to_have_text("0 of 1 checked in")
        olga.get_by_label("Find an attendee").fill("mir")
        olga.get_by_role("button", name="Search").click()
        _check(olga, "checkin", scheme)
        olga.get_by_role("button", name="Check in mira").click()
        expect(olga.locator(".events-checkin-count")).to_have_text("1 of 1 checked in")
        expect(olga.locator(".events-checked")).to_have_text("✓ Checked in")
        box = olga.get_by_role("button", name="Check in mira")
        expect(box).to_have_count(0)

        for path, name in (("/events/", "upcoming"), ("/events/month", "month"),
                           ("/events/mine", "mine")):
            mira.goto(url + path)
            expect(mira.locator("main")).to_contain_text("Garden tour")
            _check(mira, name, scheme)
    finally:
        for context in contexts:
            context.close()
