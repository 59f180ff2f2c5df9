"""The ideas plugin in real Chromium: similar ideas appear while a new idea's title is typed
(plugins/ideas/forum_ideas/static/ideas.js, loaded through forum_extra_script_urls), and
voting works by plain forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import sign_in
from tests.functional.test_discussions import make_category

pytestmark = pytest.mark.browser


def idea_board(forum):
    from forum_ideas.services import IdeaService
    from sqlalchemy import select

    from forum_core.api import Category

    make_category(forum, "Ideas")
    with forum.session() as session:
        category = session.scalar(select(Category).where(Category.slug == "ideas"))
        IdeaService(session).configure_board(category, True)


@pytest.fixture
def live_ideas(make_live_forum):
    return make_live_forum(plugins=["ideas"], prepare=idea_board)


def test_similar_ideas_show_while_typing_and_voting_works(live_ideas, page):
    for name in ("mira", "nils"):
        live_ideas.create_user(name)
    url = live_ideas.url
    sign_in(page, url, "nils")
    page.goto(f"{url}/ideas/ideas/new")
    page.fill("#idea-title", "Export reports as PDF")
    page.fill("#idea-body", "Managers want to print them.")
    page.click("#idea-form button[type=submit]")
    expect(page.locator(".idea-score")).to_have_text("0")

    sign_in(page, url, "mira")
    page.goto(f"{url}/ideas/ideas/new")
    page.fill("#idea-title", "PDF export of reports")
    suggestions = page.locator("#idea-suggestions a")
    expect(suggestions).to_have_text(["Export reports as PDF"])
    page.fill("#idea-title", "Something else entirely")
    expect(suggestions).to_have_count(0)

    page.goto(f"{url}/ideas/ideas")
    page.click(".idea-item button[value=up]")
    expect(page.locator(".idea-item .idea-score")).to_have_text("1")
    expect(page.locator(".idea-item button[value=remove]")).to_be_visible()
