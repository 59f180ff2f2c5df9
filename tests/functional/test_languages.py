"""The language switcher, and dates and numbers in the reader's language (Babel)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from forum_core.accounts.models import User
from forum_core.content.models import Category, Post, Topic
from tests.functional.test_discussions import make_category, make_topic


@pytest.fixture
def site(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    topic = make_topic(forum, "mira", "general", "Old and new", "Hello")
    three_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3, minutes=5)
    with forum.session() as session:
        session.execute(update(Post).where(Post.topic_id == topic).values(
            created_at=three_hours_ago))
        session.execute(update(Topic).where(Topic.id == topic).values(
            last_post_at=dt.datetime(2025, 3, 14, 15, 9, tzinfo=dt.UTC)))
        session.execute(update(Category).values(topic_count=12345, post_count=1234567))
    return forum, topic


@pytest.mark.parametrize("language, ago, date, number", [
    ("en", "3 hours ago", "Mar 14, 2025", "12,345"),
    ("nl", "3 uur geleden", "14 mrt 2025", "12.345"),
    ("ru", "3 часа назад", "14 мар. 2025\u202fг.", "12\u00a0345"),
])
def test_dates_and_numbers_follow_the_language(site, language, ago, date, number):
    forum, topic = site
    headers = {"Accept-Language": language}
    page = forum.app.get(forum.topic_path(topic), headers=headers)
    moment = page.html.select_one("#post-1 time")
    assert moment.text == ago
    assert "UTC" in moment["title"]
    listing = forum.app.get("/c/general", headers=headers)
    assert listing.html.select_one(".topic-list time").text == date
    home = forum.app.get("/", headers=headers)
    assert number in home.html.select_one("td.num").text


def test_visitors_and_members_switch_language_in_the_footer(site):
    forum, topic = site
    page = forum.app.get(forum.topic_path(topic))
    form = page.forms["language-form"]
    form["locale"] = "ru"
    switched = form.submit()
    assert switched.status_int == 303 and switched.location.endswith(forum.topic_path(topic))
    assert "forum_locale=ru" in switched.headers["Set-Cookie"]
    russian = switched.follow()
    assert russian.html.select_one("html")["lang"] == "ru"
    assert russian.html.select_one("#language-select option[selected]")["value"] == "ru"
    # a member's choice is also kept in the account, for their other browsers
    forum.login("mira")
    form = forum.app.get("/").forms["language-form"]
    form["locale"] = "nl"
    form.submit()
    with forum.session() as session:
        assert session.scalar(select(User.locale).where(User.username == "mira")) == "nl"
    other = forum.another_browser()
    other.login("mira")
    assert other.app.get("/").html.select_one("html")["lang"] == "nl"


def test_the_switcher_refuses_unknown_languages_and_foreign_addresses(site):
    forum, _ = site
    # (a visitor's switch needs no CSRF token: it sets only their own cookie)
    refused = forum.app.post("/language", {"locale": "xx"}, status=400)
    assert "Choose one of the languages offered" in refused.text
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        back = forum.app.post("/language", {"locale": "nl", "next": target})
        assert back.location == "http://localhost/", target
