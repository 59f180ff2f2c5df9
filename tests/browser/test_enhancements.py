"""What JavaScript adds, in real Chromium: live preview, @mention completion, replying
without a reload. The same pages work without it (test_flows.py, and WebTest everywhere)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import sign_in
from tests.functional.test_discussions import make_category, make_topic

pytestmark = pytest.mark.browser


def test_preview_mentions_and_reply_without_reload(live_forum, page):
    make_category(live_forum.forum, "General")
    for name in ("mira", "milan", "nils"):
        live_forum.create_user(name)
    topic = make_topic(live_forum.forum, "nils", "general", "Keyboard shortcuts", "Any tips?")
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}")
    page.evaluate("window.sameDocument = true")

    editor = page.locator("#reply-form textarea")
    editor.fill("Press **Ctrl+K** to search.")
    preview = page.locator(".preview-body")
    expect(preview.locator("strong")).to_have_text("Ctrl+K")

    # @mention completion: type the first letters, choose with the keyboard
    editor.press("End")
    editor.type(" Thanks @mil")
    options = page.locator(".mention-list [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@milan")
    editor.press("Enter")
    expect(editor).to_have_value("Press **Ctrl+K** to search. Thanks @milan ")
    expect(preview.locator("a.mention")).to_have_text("@milan")

    # the reply appears in place; the page was not reloaded
    page.click("#reply-form button[type=submit]")
    expect(page.locator("#post-2 .post-body")).to_contain_text("to search")
    expect(editor).to_have_value("")
    assert page.evaluate("window.sameDocument") is True
    page.reload()
    expect(page.locator("#post-2 .post-body strong")).to_have_text("Ctrl+K")
    page.evaluate("window.sameDocument = true")

    # a refused reply shows the server's message and keeps the text
    editor.fill(">" * 10_000)
    page.click("#reply-form button[type=submit]")
    expect(page.locator("#reply-form .form-error")).to_be_visible()
    expect(editor).not_to_have_value("")
    assert page.evaluate("window.sameDocument") is True


def test_a_new_topic_title_shows_topics_that_may_answer_it(live_forum, page):
    make_category(live_forum.forum, "General")
    make_category(live_forum.forum, "Staff", read_access="moderators",
                  topic_access="moderators", reply_access="moderators")
    for name in ("mira", "nils"):
        live_forum.create_user(name)
    live_forum.create_user("mod", role="moderator")
    make_topic(live_forum.forum, "nils", "general", "Printing invoices as PDF", "How?")
    make_topic(live_forum.forum, "mod", "staff", "Invoices audit", "Staff only.")
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/c/general/new")
    page.fill("#title", "Cannot print my invoices")
    box = page.locator(".similar")
    expect(box.locator("a")).to_have_text(["Printing invoices as PDF"])  # not the staff topic
    page.fill("#title", "Something else entirely")
    expect(box).to_be_hidden()
