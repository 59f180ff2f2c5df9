"""The composer and the keyboard shortcuts in real Chromium: the Markdown toolbar, drafts
kept on the server and restored after a reload, quoting a post into the reply box in place,
j/k between posts announced in a live region, the "?" list, and shortcuts switched off.
Screenshots of the composer and the shortcuts list land in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_flows import sign_in
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

pytestmark = pytest.mark.browser


def topic_forum(live_forum):
    make_category(live_forum.forum, "General")
    for name in ("mira", "nils"):
        live_forum.create_user(name)
    topic = make_topic(live_forum.forum, "nils", "general", "Exporting invoices",
                       "How do I export **all** invoices at once?")
    reply_as(live_forum.forum, "nils", topic, "I found the export page under Billing.")
    return topic


def no_horizontal_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        "the page is wider than the screen"


def test_the_toolbar_wraps_the_selection_and_its_edits_can_be_undone(live_forum, page):
    topic = topic_forum(live_forum)
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}")
    editor = page.locator("#reply-form textarea")
    toolbar = page.locator("#reply-form [role=toolbar]")
    expect(toolbar).to_be_visible()
    editor.fill("Export every invoice")
    editor.evaluate("t => t.setSelectionRange(7, 12)")  # "every"
    toolbar.get_by_role("button", name="Bold (Ctrl+B)").click()
    expect(editor).to_have_value("Export **every** invoice")
    expect(page.locator(".preview-body strong")).to_have_text("every")
    # undo takes the edit back (the browser's own history)
    editor.press("Control+z")
    expect(editor).to_have_value("Export every invoice")
    # the keyboard shortcut and a placeholder where nothing is selected
    editor.evaluate("t => t.setSelectionRange(t.value.length, t.value.length)")
    editor.press("Control+i")
    expect(editor).to_have_value("Export every invoice_italic text_")
    assert editor.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)") == \
        "italic text"
    # lines become a list; the toolbar is one tab stop with arrow keys between its buttons
    editor.fill("one\ntwo")
    editor.evaluate("t => t.setSelectionRange(0, t.value.length)")
    toolbar.get_by_role("button", name="Numbered list").click()
    expect(editor).to_have_value("1. one\n2. two")
    toolbar.get_by_role("button", name="Bold (Ctrl+B)").focus()
    page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Italic (Ctrl+I)")).to_be_focused()
    page.keyboard.press("End")
    expect(toolbar.get_by_role("button", name="Numbered list")).to_be_focused()
    # a selection of several lines becomes a code block
    editor.fill("a = 1\nb = 2")
    editor.evaluate("t => t.setSelectionRange(0, t.value.length)")
    toolbar.get_by_role("button", name="Code").click()
    expect(editor).to_have_value("```\na = 1\nb = 2\n```\n")


def test_a_draft_is_saved_while_typing_and_restored_after_a_reload(live_forum, page):
    topic = topic_forum(live_forum)
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}")
    editor = page.locator("#reply-form textarea")
    editor.fill("The export is under **Billing**")
    status = page.locator("#reply-form .draft-status")
    expect(status).to_have_text("Draft saved")
    expect(page.locator("#reply-form .draft-discard")).to_be_visible()
    page.reload()
    expect(editor).to_have_value("The export is under **Billing**")
    # typing and leaving at once: the page keeps it on the way out (fetch keepalive)
    editor.fill("The export is under Billing, then Export")
    page.goto(f"{live_forum.url}/c/general")
    page.wait_for_timeout(1000)
    page.goto(f"{live_forum.url}/t/{topic}")
    expect(editor).to_have_value("The export is under Billing, then Export")
    # posting the reply inline discards it
    page.click("#reply-form button[type=submit]:not([name])")
    expect(page.locator("#post-3 .post-body")).to_contain_text("then Export")
    page.reload()
    expect(editor).to_have_value("")
    # a new topic's title and text are kept too; "Discard draft" empties the form
    page.goto(f"{live_forum.url}/c/general/new")
    page.fill("#title", "Invoices in PDF")
    page.fill("#body", "Could the export make PDF files?")
    expect(page.locator("#post-form .draft-status")).to_have_text("Draft saved")
    page.reload()
    expect(page.locator("#title")).to_have_value("Invoices in PDF")
    expect(page.locator("#body")).to_have_value("Could the export make PDF files?")
    page.click("#post-form .draft-discard")
    expect(page.locator("#post-form .draft-status")).to_have_text("Draft discarded")
    expect(page.locator("#body")).to_have_value("")
    expect(page.locator("#post-form .draft-discard")).to_be_hidden()
    page.wait_for_timeout(1800)  # past the autosave's pause: nothing is saved again
    page.reload()
    expect(page.locator("#title")).to_have_value("")
    expect(page.locator("#body")).to_have_value("")


def test_quote_puts_the_post_into_the_reply_box_in_place(live_forum, page):
    topic = topic_forum(live_forum)
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}")
    page.evaluate("window.sameDocument = true")
    editor = page.locator("#reply-form textarea")
    editor.fill("Thanks!")
    page.locator("#post-1 .post-actions").get_by_role("link", name="Quote").click()
    # the post's Markdown (not its HTML), after what was written, and the box focused
    expect(editor).to_have_value(
        "Thanks!\n\n[quote post=1 user=nils]\nHow do I export **all** invoices at once?\n"
        "[/quote]\n\n")
    expect(editor).to_be_focused()
    expect(page.locator(".preview-body blockquote")).to_contain_text("invoices at once")
    # a selection inside a post quotes only that part
    editor.fill("")
    page.evaluate("""() => {
        const text = document.querySelector('#post-2 .post-body p').firstChild;
        const range = document.createRange();
        range.setStart(text, 12);
        range.setEnd(text, 23);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
    }""")
    page.locator("#post-2 .post-actions").get_by_role("link", name="Quote").press("Enter")
    expect(editor).to_have_value("[quote post=2 user=nils]\nexport page\n[/quote]\n\n")
    assert page.evaluate("window.sameDocument") is True


def test_keyboard_shortcuts_move_between_posts_and_are_announced(live_forum, page):
    topic = topic_forum(live_forum)
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/t/{topic}")
    announcer = page.locator("#shortcuts-announcer")
    page.keyboard.press("j")
    expect(page.locator("#post-1")).to_be_focused()
    expect(announcer).to_have_text("Post 1 of 2 by nils")
    page.keyboard.press("j")
    expect(page.locator("#post-2")).to_be_focused()
    expect(announcer).to_have_text("Post 2 of 2 by nils")
    page.keyboard.press("k")
    expect(page.locator("#post-1")).to_be_focused()
    # r: the reply box; letters typed there are text, not shortcuts
    page.keyboard.press("r")
    editor = page.locator("#reply-form textarea")
    expect(editor).to_be_focused()
    page.keyboard.type("jk?")
    expect(editor).to_have_value("jk?")
    expect(page.locator("#shortcuts-dialog")).not_to_be_visible()
    # ?: the list, closed with Escape
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    # with a modifier key nothing happens
    page.keyboard.press("Control+j")
    expect(announcer).to_have_text("Post 1 of 2 by nils")
    # j/k on a list page go between the topics; / goes to the search page
    page.goto(f"{live_forum.url}/c/general")
    page.keyboard.press("j")
    expect(page.locator("main .listing-title").first).to_be_focused()
    expect(announcer).to_have_text("Topic 1 of 1: Exporting invoices")
    page.keyboard.press("/")
    expect(page).to_have_url(f"{live_forum.url}/search")


def test_shortcuts_are_off_when_switched_off(live_forum, page):
    topic = topic_forum(live_forum)
    # a visitor switches them off in the list, in this browser
    page.goto(f"{live_forum.url}/t/{topic}")
    page.keyboard.press("?")
    page.locator("#shortcuts-toggle").uncheck()
    page.keyboard.press("Escape")
    page.reload()
    page.keyboard.press("j")
    expect(page.locator("#post-1")).not_to_be_focused()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).not_to_be_visible()
    # the button under the page still opens the list, to switch them on again
    page.click("#shortcuts-open")
    page.locator("#shortcuts-toggle").check()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.locator("#post-1")).to_be_focused()
    # a member switches them off on the account page
    sign_in(page, live_forum.url, "mira")
    page.goto(f"{live_forum.url}/account")
    page.locator("#shortcuts-form input[name=keyboard_shortcuts]").uncheck()
    page.click("#shortcuts-form button[type=submit]")
    expect(page.locator("main .notice")).to_have_text("Your keyboard shortcuts were saved.")
    page.goto(f"{live_forum.url}/t/{topic}")
    page.keyboard.press("j")
    expect(page.locator("#post-1")).not_to_be_focused()
    page.keyboard.press("r")
    expect(page.locator("#reply-form textarea")).not_to_be_focused()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).not_to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_the_composer_and_the_shortcuts(live_forum, chromium, scheme, width):
    topic = topic_forum(live_forum)
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   color_scheme=scheme, is_mobile=width < 500,
                                   has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_forum.url, "mira")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.goto(f"{live_forum.url}/t/{topic}")
        page.locator("#reply-form textarea").fill(
            "Thanks, **found it**:\n\n- open _Billing_\n- choose [Export](https://example.com)")
        expect(page.locator(".preview-body li")).to_have_count(2)
        if width < 1024:  # phones switch between the text and its preview
            expect(page.locator("#reply-form .preview")).to_be_hidden()
            page.locator("#reply-form .editor-tab[data-pane=preview]").click()
            expect(page.locator("#reply-form .preview")).to_be_visible()
            expect(page.locator("#reply-form textarea")).to_be_hidden()
            page.locator("#reply-form .editor-tab[data-pane=write]").click()
        else:  # wide screens show both, side by side
            box = page.locator("#reply-form textarea").bounding_box()
            preview = page.locator("#reply-form .preview").bounding_box()
            assert preview["x"] > box["x"] + box["width"] - 1
        no_horizontal_overflow(page)
        page.locator(".reply-box").screenshot(
            path=str(ARTIFACTS / f"composer-topic-{width}-{scheme}.png"))
        page.goto(f"{live_forum.url}/c/general/new")
        page.fill("#title", "Invoices as PDF")
        page.fill("#body", "Could the export *also* make PDF files?")
        expect(page.locator("#post-form .draft-status")).to_have_text("Draft saved")
        no_horizontal_overflow(page)
        page.screenshot(path=str(ARTIFACTS / f"composer-new-topic-{width}-{scheme}.png"),
                        full_page=True)
        page.goto(f"{live_forum.url}/t/{topic}")
        page.keyboard.press("?")
        expect(page.locator("#shortcuts-dialog")).to_be_visible()
        no_horizontal_overflow(page)
        page.screenshot(path=str(ARTIFACTS / f"shortcuts-{width}-{scheme}.png"))
        page.goto(f"{live_forum.url}/account")
        page.locator("#keyboard").screenshot(
            path=str(ARTIFACTS / f"shortcuts-account-{width}-{scheme}.png"))
    finally:
        context.close()
