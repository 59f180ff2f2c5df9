"""Hooks that narrow access are obeyed on every request: a deny for one member holds on every
page they ask for, whatever they or other members read before."""

from __future__ import annotations

import pytest

from tests.functional.test_discussions import make_category, make_topic


@pytest.fixture
def shunning():
    import forum_gatekeeper

    forum_gatekeeper.SHUNNING["on"] = False
    yield forum_gatekeeper.SHUNNING
    forum_gatekeeper.SHUNNING["on"] = True


def test_a_deny_for_one_member_holds_whatever_was_read_before(plugin_forum, shunning):
    forum = plugin_forum(plugins=["gatekeeper"])
    for name in ("mira", "anna", "shunned_sam"):
        forum.create_user(name)
    make_category(forum, "General")
    open_id = make_topic(forum, "mira", "general", "Open: seeds", "Sow in rows.")
    closed_id = make_topic(forum, "mira", "general", "Closed: garden tips", "Plant in spring.")
    anna, sam = forum.browser("anna"), forum.browser("shunned_sam")
    assert "Plant in spring." in sam.app.get(f"/t/{closed_id}").text  # allowed, for now
    shunning["on"] = True  # from now on the plugin denies sam the closed topic
    for _ in range(2):
        assert "Sow in rows." in sam.app.get(f"/t/{open_id}").text
    for _ in range(2):  # other members read the closed topic
        assert "Plant in spring." in anna.app.get(f"/t/{closed_id}").text
    for _ in range(2):
        page = sam.app.get(f"/t/{closed_id}", status=403)
        assert "Plant in spring." not in page.text and "garden tips" not in page.text
    api = sam.app.get(f"/api/v1/topics/{closed_id}", status=403)
    assert "garden tips" not in api.text
