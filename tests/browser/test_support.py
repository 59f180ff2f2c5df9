"""The support plugin in real Chromium: a member asks a question through the ask form, another
member answers it, the asker accepts the reply and says it helped; a moderator claims an open
question in the staff queue. axe finds no serious or critical violation on the category's
question list, the ask form, the question's page (as the asker, and as the moderator with the
staff controls open), the queue, the service-level dashboard, the support index and the core's
category page with the support links, in both colour schemes, on a wide screen (1280 px) and
a phone (375 px). ``FORUM_TEST_SHOTS=<dir>`` saves each checked page as a screenshot."""

from __future__ import annotations

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
        page.screenshot(path=str(Path(SHOTS) / f"support-{name}.png"), full_page=True)


def _check(page, name, scheme):
    """axe at each width, with a screenshot at each; the tab keeps its own size afterwards
    (a layout that only breaks on a phone is what the narrow width is for)."""
    size = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert (width, serious(page)) == (width, [])
            _shot(page, f"{name}-{scheme}-{width}")
    finally:
        page.set_viewport_size(size)


def _prepare(forum):
    """The people, and "Help" made a support category (as the admin page does)."""
    from forum_support.services import SupportService
    from sqlalchemy import select

    from forum_core.api import Category

    forum.create_user("mod", role="moderator")
    forum.create_user("mira")
    forum.create_user("nils")
    slug = forum.create_category("Help", "Questions about the app.")
    with forum.session() as session:
        category = session.scalar(select(Category).where(Category.slug == slug))
        SupportService(session).configure(category, True)


def _ask(page, url, scheme, title, body):
    """Ask through the form; a first submit that finds similar solved questions shows them
    and asks to confirm ("Ask my question anyway"; that page is checked too), one that finds
    none asks at once. Returns the question's address."""
    page.goto(f"{url}/support/c/help/ask")
    page.get_by_label("Your question in one line").fill(title)
    page.get_by_label("Details", exact=False).fill(body)
    page.locator("#support-ask-form button[type=submit]").click()
    anyway = page.get_by_role("button", name="Ask my question anyway")
    heading = page.locator("h1")
    expect(anyway.or_(heading.filter(has_text=title))).to_be_visible()
    if anyway.is_visible():
        expect(page.locator("#support-suggestions li").first).to_be_visible()
        expect(page.get_by_label("Your question in one line")).to_have_value(title)
        _check(page, "ask-similar", scheme)
        anyway.click()
    expect(heading).to_have_text(title)
    return page.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_ask_answer_accept_and_claim_in_the_queue(make_live_forum, page, other_page, scheme):
    live = make_live_forum(plugins=("groups", "kb", "support"), prepare=_prepare)
    url = live.url
    for tab in (page, other_page):
        tab.emulate_media(color_scheme=scheme)

    # mira asks, through the ask form the category's list links to
    sign_in(page, url, "mira")
    page.goto(f"{url}/support/c/help")
    page.get_by_role("link", name="Ask a question").first.click()
    expect(page.locator("h1")).to_have_text("Ask a question")
    _check(page, "ask", scheme)
    question = _ask(page, url, scheme, "How do I export my data?",
                    "I looked in the settings but found no export button.")
    box = page.locator("#support-question")
    expect(box.locator(".support-state")).to_contain_text("Open")

    # nils answers with the core's reply form, on a phone
    sign_in(other_page, url, "nils")
    other_page.goto(question)
    other_page.fill("#reply-form #body", "Open your profile, then Download my data.")
    other_page.click("#reply-form button[type=submit]")
    expect(other_page.locator("#post-2 .post-body")).to_contain_text("Download my data")
    expect(other_page.get_by_role("button", name="Accept as answer")).to_have_count(0)

    # mira accepts the reply: the question box shows it, solved; she says it helped
    page.goto(question)
    page.locator("#post-2").get_by_role("button", name="Accept as answer").click()
    # the answer is shown under the question's own text, with a link to its place
    under = page.locator("#post-1 .support-answer")
    expect(under.get_by_role("heading", name="Accepted answer")).to_be_visible()
    expect(under).to_contain_text("Download my data")
    expect(box.locator(".support-state")).to_contain_text("Solved")
    expect(page.locator("#post-2 .support-accepted-mark")).to_contain_text("Accepted answer")
    helped = box.get_by_role("group", name="Did this answer help you?")
    helped.get_by_role("button", name="Yes").click()
    expect(helped.get_by_role("status")).to_contain_text("You said it helped")
    expect(helped.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    _check(page, "topic-asker", scheme)

    # a second question that nobody answers yet
    waiting = _ask(page, url, scheme, "Can I export my data as a spreadsheet?",
                   "A CSV file would be enough for me.")
    page.goto(f"{url}/support/c/help")
    expect(page.locator(".support-item")).to_have_count(2)
    _check(page, "category", scheme)

    # the moderator claims it in the staff queue; the row then names them
    sign_in(page, url, "mod")
    page.goto(f"{url}/support/queue")
    row = page.locator("table.support-queue tbody tr").filter(
        has_text="Can I export my data as a spreadsheet?")
    expect(row.locator(".support-state")).to_contain_text("Open")
    expect(page.locator("table.support-queue")).not_to_contain_text("How do I export my data?")
    _check(page, "queue", scheme)
    row.get_by_role("button", name="I handle this").click()
    expect(page).to_have_url(f"{url}/support/queue")
    expect(row.locator("td").last).to_contain_text("mod")
    expect(row.get_by_role("button", name="Hand it back")).to_be_visible()
    _check(page, "queue-claimed", scheme)

    # the question's page as staff: the box names who handles it; the staff controls
    page.goto(waiting)
    expect(page.locator("#support-question .support-claimed")).to_contain_text("mod")
    page.locator("details.support-staff-box > summary").click()
    expect(page.get_by_role("button", name="Hand it back")).to_be_visible()
    _check(page, "topic-staff", scheme)

    page.goto(f"{url}/support/dashboard")
    expect(page.locator("h1")).to_have_text("Service levels")
    expect(page.locator(".support-chart svg")).to_have_count(2)
    page.get_by_text("The figures as a table").click()  # (its box scrolls: focusable)
    _check(page, "dashboard", scheme)

    # the way in: the support index (with the staff's links) and the core's category page
    # with the support links above its topics
    page.goto(f"{url}/support/")
    expect(page.get_by_role("link", name="Staff queue")).to_be_visible()
    _check(page, "index", scheme)
    page.goto(f"{url}/c/help")
    expect(page.locator(".support-links")).to_contain_text("This is a support category")
    _check(page, "core-category", scheme)
