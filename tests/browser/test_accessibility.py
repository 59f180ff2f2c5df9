"""axe-core in real Chromium finds no serious or critical accessibility violation on the
pages members use most, in the light and the dark colour scheme."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

pytestmark = pytest.mark.browser
PAGES = {"home": "/", "category": "/c/general", "topic": "/t/{topic}", "profile": "/u/mira",
         "search": "/search?q=garden", "login": "/login", "register": "/register"}


def serious(page):
    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_violations(live_forum, page, scheme):
    make_category(live_forum.forum, "General")
    live_forum.create_user("mira")
    topic = make_topic(live_forum.forum, "mira", "general", "Garden planning",
                       "Which **vegetables** grow in shade?\n\n```python\nprint('hi')\n```")
    reply_as(live_forum.forum, "mira", topic, "Lettuce and spinach for the garden.")
    page.emulate_media(color_scheme=scheme)
    found = {}
    for name, path in PAGES.items():
        page.goto(live_forum.url + path.format(topic=topic))
        found[name] = serious(page)
    assert found == {name: [] for name in PAGES}


def test_the_check_does_find_violations(page):
    page.set_content('<html lang="en"><title>t</title><main><button></button>'
                     '<img src="x.png"></main></html>')
    assert {violation[0] for violation in serious(page)} >= {"button-name", "image-alt"}
