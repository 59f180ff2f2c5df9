"""The knowledge base in real Chromium: a moderator writes and publishes an article, edits
it, compares the two versions; a member finds it helpful. axe finds no serious or critical
violation on the section, article, history and diff pages, in both colour schemes, on a wide
screen and a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious
from tests.browser.test_flows import sign_in

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("FORUM_TEST_SHOTS")


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"kb-{name}.png"), full_page=True)


def _prepare(forum):
    from forum_kb.services import KnowledgeBase
    from pyramid.authorization import Authenticated, Everyone
    from sqlalchemy import select

    from forum_core.api import User, Viewer

    forum.create_user("ada", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_user("mira")
    with forum.session() as session:
        admin = session.scalar(select(User).where(User.username == "ada"))
        viewer = Viewer(admin, frozenset({Everyone, Authenticated, f"user:{admin.id}",
                                          "role:admin"}), forum.env.hooks)
        KnowledgeBase(session, viewer).save_section(None, "Guides", "How to do things.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_write_publish_edit_compare_and_give_feedback(make_live_forum, page, other_page,
                                                      scheme):
    live = make_live_forum(plugins=("groups", "kb"), prepare=_prepare)
    url = live.url
    for tab in (page, other_page):
        tab.emulate_media(color_scheme=scheme)
    sign_in(page, url, "mod")
    page.goto(f"{url}/kb/s/guides")
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill("Export your data")
    page.get_by_label("Text (Markdown)").fill(
        "## Before you start\n\nYou need an account.\n\n## Steps\n\nOpen the settings page.")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("h1")).to_have_text("Export your data")
    expect(page.locator("nav.kb-toc a")).to_have_count(2)
    assert serious(page) == []
    _shot(page, f"article-{scheme}-1280")

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Text (Markdown)").fill(
        "## Before you start\n\nYou need an account.\n\n## Steps\n\nOpen the account page.")
    page.get_by_label("What changed (optional)").fill("The page moved")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".kb-body")).to_contain_text("Open the account page.")

    page.get_by_role("link", name="History").click()
    expect(page.locator("main")).to_contain_text("The page moved")
    assert serious(page) == []
    _shot(page, f"history-{scheme}-1280")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("main del")).to_contain_text(["settings"])
    expect(page.locator("main ins")).to_contain_text(["account"])
    assert serious(page) == []
    _shot(page, f"diff-{scheme}-1280")

    page.goto(f"{url}/kb/s/guides")
    assert serious(page) == []
    _shot(page, f"section-{scheme}-1280")

    sign_in(other_page, url, "mira")
    other_page.goto(f"{url}/kb/s/guides")
    other_page.get_by_role("link", name="Export your data").click()
    assert serious(other_page) == []
    other_page.get_by_label("What could be better?", exact=False).fill("A screenshot would help.")
    other_page.get_by_role("button", name="Yes, it helped").click()
    expect(other_page.locator(".kb-feedback-thanks")).to_contain_text("Thanks")
    assert serious(other_page) == []
    _shot(other_page, f"article-{scheme}-375")
    other_page.goto(f"{url}/kb/a/1/history")
    assert serious(other_page) == []
    _shot(other_page, f"history-{scheme}-375")
