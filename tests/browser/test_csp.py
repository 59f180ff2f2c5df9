"""The Content-Security-Policy breaks nothing: on the main pages of the core and the bundled
plugins, with their scripts running, Chromium reports no violation."""

from __future__ import annotations

import pytest

from tests.browser.test_flows import sign_in
from tests.browser.test_ideas import idea_board
from tests.functional.test_discussions import make_category, make_topic

pytestmark = pytest.mark.browser

RECORD = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def prepare(forum):
    forum.create_user("boss", role="admin")
    make_category(forum, "General")
    idea_board(forum)
    make_topic(forum, "boss", "general", "Welcome", "Read **this** first.\n\n```python\nx = 1\n```")


def test_no_page_violates_the_policy(make_live_forum, page):
    live = make_live_forum(plugins=["badges", "events", "groups", "ideas", "kb", "support"],
                           prepare=prepare)
    page.add_init_script(RECORD)
    console = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, live.url, "boss")
    for path in ("/", "/c/general", "/t/1", "/c/general/new", "/search?q=welcome", "/account",
                 "/admin", "/groups/", "/groups/new", "/ideas/", "/ideas/ideas",
                 "/ideas/ideas/new", "/ideas/boards", "/support/", "/support/admin",
                 "/support/queue", "/support/dashboard", "/badges/", "/badges/leaderboard",
                 "/badges/admin"):
        page.goto(live.url + path)
        if page.locator("#body").count():
            page.fill("#body", "Some **bold** text")  # the preview script runs
            page.wait_for_timeout(600)
        assert page.evaluate("window.__violations") == [], path
    assert not [text for text in console if "Content Security Policy" in text]
