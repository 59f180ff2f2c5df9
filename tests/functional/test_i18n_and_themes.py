"""Language negotiation, catalogs of the core and of plugins, and theme overrides."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from forum_core.accounts.models import User
from tests.functional.test_discussions import make_category, make_topic

DUTCH_SIGN_IN = "Aanmelden"
RUSSIAN_SIGN_IN = "Войти"


def sign_in_label(page) -> str:
    return page.html.find(class_="nav-account").find("a").text


@pytest.mark.parametrize(("header", "expected_lang", "label"), [
    ("nl-NL,nl;q=0.9,en;q=0.5", "nl", DUTCH_SIGN_IN),
    ("ru", "ru", RUSSIAN_SIGN_IN),
    ("de-DE,de;q=0.9", "en", "Sign in"),
    ("", "en", "Sign in"),
])
def test_accept_language_picks_the_language(forum, header, expected_lang, label):
    page = forum.app.get("/", headers={"Accept-Language": header} if header else {})
    assert page.html.find("html")["lang"] == expected_lang
    assert sign_in_label(page) == label


def test_default_locale_setting_applies_when_the_browser_says_nothing_we_have(make_forum):
    forum = make_forum(**{"forum.default_locale": "ru"})
    page = forum.app.get("/", headers={"Accept-Language": "de"})
    assert page.html.find("html")["lang"] == "ru"
    assert sign_in_label(page) == RUSSIAN_SIGN_IN


def test_member_setting_wins_over_the_browser(forum):
    forum.create_user("mira")
    with forum.session() as session:
        session.execute(update(User).where(User.username == "mira").values(locale="nl"))
    page = forum.login("mira")
    page = forum.app.get("/", headers={"Accept-Language": "ru"})
    assert page.html.find("html")["lang"] == "nl"
    assert "Afmelden" in page.text


def test_error_pages_are_translated(forum):
    page = forum.app.get("/nope", headers={"Accept-Language": "nl"}, status=404)
    assert "Pagina niet gevonden" in page.text


def test_plugin_catalog_merges_with_the_core(plugin_forum):
    forum = plugin_forum(plugins=["alpha"])
    page = forum.app.get("/alpha/", headers={"Accept-Language": "nl"})
    assert "Pagina van de alfa-plugin" in page.text, "the plugin's own catalog"
    assert sign_in_label(page) == DUTCH_SIGN_IN, "the core's catalog still applies"


def test_babel_locale_is_on_the_request(forum):
    from pyramid.request import Request

    app = forum.app.app
    request = Request.blank("/", headers={"Accept-Language": "ru"})
    request.registry = app.registry
    from pyramid.interfaces import IRequestExtensions
    from pyramid.request import apply_request_extensions

    apply_request_extensions(request, app.registry.queryUtility(IRequestExtensions))
    assert request.babel_locale.language == "ru"


# -- themes --------------------------------------------------------------------------------------


@pytest.fixture
def themes_dir(tmp_path):
    """A themes folder with the real default theme and a 'night' theme that overrides things."""
    from forum_core.environment import CHECKOUT_DIR

    root = tmp_path / "themes"
    root.mkdir()
    (root / "default").symlink_to(CHECKOUT_DIR / "themes" / "default")
    night = root / "night"
    (night / "templates" / "alpha").mkdir(parents=True)
    (night / "templates" / "content").mkdir(parents=True)
    (night / "static").mkdir()
    (night / "theme.json").write_text(json.dumps({"name": "night", "description": "Test."}))
    (night / "templates" / "content" / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 id="night-home">'
        '{{ _("Sign in") }}</h1>{% endblock %}')
    (night / "templates" / "alpha" / "index.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="night-alpha">{{ count }}</p>'
        '{% endblock %}')
    (night / "static" / "theme.css").write_text("body { background: black; }")
    return root


def test_theme_overrides_core_and_plugin_templates_by_path(plugin_forum, themes_dir):
    forum = plugin_forum(plugins=["alpha"], **{"forum.theme": "night",
                                                "forum.themes_dir": str(themes_dir)})
    home = forum.app.get("/", headers={"Accept-Language": "nl"})
    assert home.html.find(id="night-home").text == DUTCH_SIGN_IN, "overridden and translated"
    assert forum.app.get("/alpha/").html.find(id="night-alpha").text == "0"
    # templates the theme does not override come from the core
    assert "Sign in" in forum.app.get("/login").text


def test_theme_static_falls_back_to_the_default_theme(forum, make_forum, themes_dir):
    forum = make_forum(**{"forum.theme": "night", "forum.themes_dir": str(themes_dir)})
    hrefs = [link["href"] for link in forum.app.get("/").html.find_all("link", rel="stylesheet")]
    assert hrefs[0].startswith("/static/theme/default/forum.css")
    assert hrefs[1].startswith("/static/theme/night/theme.css")
    assert "background: black" in forum.app.get(hrefs[1]).text


def test_unknown_theme_stops_start_up_naming_the_available_ones(make_forum, themes_dir):
    from forum_core.errors import StartupError

    forum = make_forum(**{"forum.theme": "sunny", "forum.themes_dir": str(themes_dir)})
    with pytest.raises(StartupError) as info:
        forum.app  # noqa: B018  (building the app reads the theme)
    assert "Theme 'sunny'" in str(info.value)
    assert "Available themes: default, night." in str(info.value)


def test_the_bundled_harbor_theme_overrides_one_block_and_the_colours(make_forum):
    forum = make_forum(**{"forum.theme": "harbor"})
    forum.create_user("mira")
    make_category(forum, "General")
    home = forum.app.get("/", headers={"Accept-Language": "ru"})
    hero = home.html.find(id="harbor-hero")
    assert hero is not None and "Зарегистрироваться" in hero.text  # translated too
    assert home.html.select("table.categories")  # the rest of the core's home page
    hrefs = [link["href"] for link in home.html.find_all("link", rel="stylesheet")]
    assert hrefs[0].startswith("/static/theme/default/forum.css")
    assert hrefs[1].startswith("/static/theme/harbor/theme.css")
    css = forum.app.get(hrefs[1]).text
    assert "--accent" in css and "prefers-color-scheme: dark" in css
    assert forum.app.get("/c/general").html.find(id="harbor-hero") is None


def test_home_shows_each_categorys_latest_visible_topic(forum):
    forum.create_user("mira")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_topic(forum, "mira", "general", "Older news")
    make_topic(forum, "mira", "general", "Fresh news")
    home = forum.app.get("/")
    assert home.html.select_one("table.categories td:last-child a").text == "Fresh news"
    with forum.session() as session:
        from forum_core.content.models import Topic
        from forum_core.moderation.services import DatabaseModerationService

        mod = session.scalar(select(User).where(User.username == "mod"))
        fresh = session.scalar(select(Topic).where(Topic.title == "Fresh news"))
        DatabaseModerationService(session).delete_topic(mod, fresh)
    assert "Fresh news" not in forum.app.get("/").text
