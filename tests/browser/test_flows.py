"""A member's and a moderator's day, clicked through in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.functional.test_discussions import make_category

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def sign_in(page, url, username):
    page.goto(f"{url}/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".nav-user")).to_have_text(username)


def test_member_and_moderator_flows(live_forum, page, other_page):
    url = live_forum.url
    make_category(live_forum.forum, "General")
    live_forum.create_user("mod", role="moderator")

    # a visitor registers and is signed in
    page.goto(url)
    page.click("text=Create an account")
    page.fill("#username", "alice")
    page.fill("#email", "alice@example.com")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("#register-form button[type=submit]")
    expect(page.locator(".nav-user")).to_have_text("alice")

    # signs out (in the account menu) and in again
    page.click(".account-menu > summary")
    page.click("text=Sign out")
    expect(page.locator(".nav-account")).to_contain_text("Sign in")
    sign_in(page, url, "alice")

    # starts a topic that mentions the moderator
    page.goto(url)
    page.click("text=General")
    page.click("text=Start a new topic")
    page.fill("#title", "Printing labels from the app")
    page.fill("#body", "How do I print **labels**? Maybe @mod knows.")
    page.click("#post-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Printing labels from the app")
    expect(page.locator("#post-1 .post-body strong")).to_have_text("labels")
    assert re.search(r"/t/\d+/printing-labels-from-the-app$", page.url)
    topic_url = page.url

    # the moderator is notified, opens the topic from the notification and replies
    sign_in(other_page, url, "mod")
    expect(other_page.locator(".nav-notifications .badge")).to_have_text("1")
    other_page.click(".nav-notifications")
    other_page.click("main >> text=alice mentioned you in Printing labels from the app")
    expect(other_page.locator("h1")).to_have_text("Printing labels from the app")
    other_page.fill("#reply-form #body", "Use the Print menu, then Labels.")
    other_page.click("#reply-form button[type=submit]")
    expect(other_page.locator("#post-2 .post-body")).to_contain_text("Print menu")

    # alice sees the reply notification, quotes the answer (in place) and edits her question
    page.goto(url)
    expect(page.locator(".nav-notifications .badge")).to_have_text("1")
    page.goto(topic_url)
    page.locator("#post-2").get_by_role("link", name="Quote").click()
    expect(page.locator("#body")).to_have_value(re.compile(r"^\[quote post=\d+ user=mod\]"))
    page.locator("#body").press("End")
    page.fill("#body", page.input_value("#body") + "Thanks, found it!")
    page.click("#reply-form button[type=submit]")  # the quote went into the reply box
    expect(page.locator("#post-3 blockquote")).to_contain_text("Print menu")
    expect(page.locator("#post-3 .post-body")).to_contain_text("Thanks, found it!")
    page.locator("#post-1").get_by_role("link", name="Edit").click()
    page.fill("#body", "How do I print **address labels**? Maybe @mod knows.")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#post-1 .post-body")).to_contain_text("address labels")
    expect(page.locator("#post-1 .post-meta")).to_contain_text("edited")

    # and finds the topic with the search form
    page.click(".nav-search")
    page.fill("#search-q", "print*")
    page.click("#search-form button[type=submit]")
    expect(page.locator(".search-results .listing-title").first).to_have_text(
        "Printing labels from the app")
    expect(page.locator(".snippet mark").first).to_be_visible()

    # the moderator hides alice's reply: alice no longer sees it, the moderator still does
    other_page.goto(topic_url)
    other_page.locator("#post-3").get_by_role("button", name="Hide").click()
    expect(other_page.locator("#post-3")).to_have_class(re.compile("post-hidden"))
    page.goto(topic_url)
    expect(page.locator("#post-2")).to_be_visible()
    expect(page.locator("#post-3")).to_have_count(0)

    # alice signs out
    page.click(".account-menu > summary")
    page.click("text=Sign out")
    expect(page.locator(".nav-account")).to_contain_text("Sign in")
    expect(page.locator(".nav-user")).to_have_count(0)
