"""The groups plugin in real Chromium: an owner invites, a member accepts and posts in the
group's space, an announcement reaches them, an outsider meets the "not available" page; the
group pages have no serious accessibility violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser


def people(forum):
    forum.create_user("boss", role="admin")
    for name in ("mira", "outsider"):
        forum.create_user(name)


def test_a_group_from_invitation_to_announcement(make_live_forum, chromium, page, other_page):
    live = make_live_forum(plugins=["groups"], prepare=people)
    url = live.url
    sign_in(page, url, "boss")
    page.goto(f"{url}/groups/new")
    page.fill("#group-name", "Partners")
    page.select_option("#group-kind", "invite")
    page.click("#group-form button[type=submit]")
    page.fill("#space-name", "Partner lounge")
    page.click("#space-form button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("Partner lounge")
    page.fill("#invite-username", "mira")
    page.click("#invite-form button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("told by e-mail")
    assert serious(page) == []

    sign_in(other_page, url, "mira")
    other_page.goto(f"{url}/groups/partners")
    other_page.click("#membership-form button[type=submit]")
    expect(other_page.locator("#membership-form button")).to_have_text("Leave the group")
    other_page.click("#email-form button[type=submit]")
    assert serious(other_page) == []

    page.goto(f"{url}/groups/announce")
    page.check("input[name=group][value=partners]")
    page.fill("#title", "Price list 2027")
    page.fill("#body", "New prices from January.")
    page.click("#announce-form button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("1 member will get it by e-mail")
    topic_url = page.locator(".announced a").get_attribute("href")

    other_page.goto(f"{url}/notifications")
    expect(other_page.locator(".notifications li").first).to_contain_text(
        "posted an announcement: Price list 2027")
    other_page.goto(f"{url}/c/partner-lounge")
    expect(other_page.locator(".topic-row.is-pinned")).to_contain_text("Price list 2027")

    context = chromium.new_context()
    outsider = context.new_page()
    sign_in(outsider, url, "outsider")
    response = outsider.goto(url + topic_url)
    assert response.status == 404
    expect(outsider.locator(".groups-help")).to_contain_text("ask the group's owner")
    expect(outsider.locator("body")).not_to_contain_text("Price list")
    context.close()
