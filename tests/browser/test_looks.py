"""How the main pages look, in real Chromium at a desktop and a phone width, light and dark.

For each page, width and colour scheme a full-page screenshot is saved under
``test-artifacts/looks/<page>-<width>-<scheme>.png`` (for people to look at), and the page is
checked: nothing is wider than the window (the document does not scroll sideways, and no
element reaches past the right edge, except inside boxes that scroll on purpose: tables in
``.table-scroll`` and code in ``pre``), and axe finds no accessibility violation of any impact.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from forum_core.testing import PASSWORD
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

LOOKS = ARTIFACTS / "looks"
WIDTHS = {1280: 900, 375: 812}
#: page name: (address, who is signed in)
PAGES = {
    "home": ("/", None),
    "category": ("/c/general", None),
    "topic": ("{topic}", None),
    "composer": ("/c/general/new", "boss"),
    "profile": ("/u/mira", None),
    "ideas": ("/ideas/ideas", None),
    "account": ("/account", "mira"),
    "admin": ("/admin/categories", "boss"),
    "admin-members": ("/admin/members", "boss"),
}
TOPIC_BODY = """Here is what we measured on the roof this spring:

| Panel | Angle | Output (kWh) | OK |
|:------|:-----:|-------------:|:--:|
| North | 10° | 3.25 | no |
| South | 35° | 5.80 | yes |

```python
def output(angle: float) -> float:
    return round(5.8 * (1 - abs(35 - angle) / 90), 2)
```
"""
#: (page, width, scheme) that overflow because of the layout the "design" work replaces
LAYOUT_OVERFLOWS: set[tuple[str, int, str]] = set()

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const parent = element.parentElement;
    if (parent && parent.closest('.table-scroll, pre')) continue;  // scrolls on purpose
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 0.5) {
      const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (element.className && typeof element.className === 'string'
           ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
      wide.push(name + ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width,
          wide: wide.slice(0, 12)};
}"""


def prepare(forum):
    from forum_ideas.services import IdeaService

    from forum_core.api import Category, Post, User
    from forum_core.content import content_service

    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    forum.create_user("nils")
    with forum.session() as session:
        session.scalar(select(User).where(User.username == "mira")).display_name = \
            "Mira Jansen"
    forum.create_category("General", "Everything about the neighbourhood's roofs and gardens.")
    forum.create_category("Ideas", "What the forum should do next.")
    topic = forum.create_topic("mira", "general", "Solar panels on a flat roof", TOPIC_BODY)
    with forum.session() as session:
        first = session.scalar(select(Post.id).where(Post.topic_id == topic))
        category = session.scalar(select(Category).where(Category.slug == "ideas"))
        service = IdeaService(session, content_service(session))
        service.configure_board(category, True)
        author = session.scalar(select(User).where(User.username == "nils"))
        for title in ("Dark mode for the e-mail digests", "Export reports as PDF",
                      "Show the solar output on the profile page"):
            service.submit(author, category, title, "It would help many of us.")
    forum.reply("nils", topic, f"[quote post={first} user=mira]\nHere is what we measured on "
                               "the roof this spring.\n[/quote]\n\nThanks, very useful!")
    forum.topic = forum.topic_path(topic)


@pytest.fixture
def looks_forum(make_live_forum):
    return make_live_forum(plugins=["ideas"], prepare=prepare)


def sign_in(page, url, username):
    page.goto(f"{url}/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url, f"{username} could not sign in"


def _params():
    for name in PAGES:
        for width in WIDTHS:
            for scheme in ("light", "dark"):
                marks = ()
                if (name, width, scheme) in LAYOUT_OVERFLOWS:
                    marks = (pytest.mark.xfail(strict=True,
                                               reason="layout: fixed by the design branch"),)
                yield pytest.param(name, width, scheme, marks=marks,
                                   id=f"{name}-{width}-{scheme}")


@pytest.mark.parametrize("name, width, scheme", list(_params()))
def test_page_fits_the_screen_and_passes_axe(looks_forum, chromium, name, width, scheme):
    path, who = PAGES[name]
    context = chromium.new_context(viewport={"width": width, "height": WIDTHS[width]},
                                   color_scheme=scheme, is_mobile=width < 600,
                                   has_touch=width < 600)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        if who is not None:
            sign_in(page, looks_forum.url, who)
        answer = page.goto(looks_forum.url + path.format(topic=looks_forum.forum.topic))
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("load")
        LOOKS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(LOOKS / f"{name}-{width}-{scheme}.png"), full_page=True)
        measured = page.evaluate(OVERFLOW_JS)
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                      for v in Axe().run(page).response["violations"]]
    finally:
        context.close()
    assert measured["scrollWidth"] <= measured["width"] and not measured["wide"], measured
    assert violations == []
