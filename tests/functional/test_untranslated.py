"""Every page reachable by links renders in Dutch and Russian without an English string of
the catalog left in it: page text and the attributes people read (titles, labels, placeholders)
are compared with the messages the catalogs translate."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.i18n import CORE_LOCALE_DIR
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_leaks import crawl
from tests.functional.test_moderation import reply_as

ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "content")


def english_messages(language: str) -> set[str]:
    """English messages whose translation differs, without values to fill in."""
    with open(CORE_LOCALE_DIR / language / "LC_MESSAGES" / "forum.po", "rb") as handle:
        catalog = read_po(handle)
    found = set()
    for message in catalog:
        if not message.id or message.pluralizable:
            continue
        if "%(" in message.id or "${" in message.id or message.string == message.id:
            continue
        found.add(message.id)
    return found


def visible_strings(page) -> set[str]:
    strings = {" ".join(text.split()) for text in page.html.find_all(string=True)
               if text.parent.name not in ("script", "style", "code", "pre")}
    for tag in page.html.find_all(True):
        for attribute in ATTRIBUTES:
            if tag.get(attribute) and not (tag.name == "meta" and tag.get("property")):
                strings.add(" ".join(str(tag[attribute]).split()))
    return {s for s in strings if s}


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_pages_have_no_untranslated_strings(forum, language):
    forum.create_user("boss", role="admin")
    forum.create_user("zoya")
    make_category(forum, "Algemeen")
    topic = make_topic(forum, "zoya", "algemeen", "Vraagje over koffie", "@boss koffie?")
    reply_as(forum, "boss", topic, "Zeker, @zoya")
    with forum.session() as session:
        session.scalar(select(User).where(User.username == "boss")).locale = language
    forum.login("boss")
    english = english_messages(language)
    pages = crawl(forum, limit=80)
    pages.update({url: "" for url in ("/search?q=koffie", "/admin/settings", "/admin/members",
                                      "/admin/categories", "/admin/plugins", "/account",
                                      "/mod/queue", "/mod/log", "/c/nothing-here")})
    visitor = forum.another_browser()
    visitor.app.set_cookie("forum_locale", language)
    leftovers = {}
    for browser, urls in ((forum, pages), (visitor, ["/", "/login", "/register",
                                                     "/password/forgot", f"/t/{topic}"])):
        for url in urls:
            page = browser.app.get(url, status="*", expect_errors=True)
            if page.content_type != "text/html":
                continue
            assert page.html.select_one("html")["lang"] == language, url
            found = visible_strings(page) & english
            if found:
                leftovers[url] = sorted(found)
    assert leftovers == {}
    # the comparison does see catalog strings: the English page is full of them
    english_page = forum.another_browser().app.get("/", headers={"Accept-Language": "en"})
    assert len(visible_strings(english_page) & english) >= 5
