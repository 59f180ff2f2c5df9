"""The real WSGI application under WebTest: pages, sign-in, CSRF, plugins in requests."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from forum_core.accounts.models import AuthSession, User
from forum_core.accounts.services import DatabaseUserService
from forum_core.events import UserRegistered


def test_home_page(forum):
    page = forum.app.get("/")
    assert page.status_int == 200
    assert "<h1>Community forum</h1>" in page.text
    assert page.html.find("link", rel="stylesheet")["href"].startswith("/static/theme/default/")


def test_theme_stylesheet_is_served(forum):
    href = forum.app.get("/").html.find("link", rel="stylesheet")["href"]
    css = forum.app.get(href)
    assert "prefers-color-scheme: dark" in css.text


def test_unknown_page_is_a_helpful_404(forum):
    page = forum.app.get("/no/such/page", status=404)
    assert "Page not found" in page.text
    assert "sign in or register" in page.text
    assert "Traceback" not in page.text


def test_sign_in_and_out(forum):
    forum.create_user("mira", role="moderator")
    page = forum.login("mira")
    assert "mira" in page.html.find(class_="nav-user").text
    assert "forum_session=" in forum.app.cookies.get("forum_session", "") or forum.app.cookies
    form = page.forms[0]
    assert form.action == "/logout"
    home = form.submit().follow()
    assert home.html.find(class_="nav-user") is None
    with forum.session() as session:
        assert session.scalars(select(AuthSession)).all() == []


def test_sign_in_with_email_and_any_case(forum):
    forum.create_user("Mira")
    form = forum.app.get("/login").forms[0]
    form["login"], form["password"] = "MIRA@example.com", "correct horse battery"
    assert form.submit().status_int == 303


def test_wrong_password_is_a_clear_400(forum):
    forum.create_user("mira")
    form = forum.app.get("/login").forms[0]
    form["login"], form["password"] = "mira", "wrong password"
    page = form.submit(status=400)
    assert "Wrong username, e-mail address or password." in page.text
    assert forum.app.cookies.get("forum_session") is None


def test_session_cookie_flags(forum):
    forum.create_user("mira")
    form = forum.app.get("/login").forms[0]
    form["login"], form["password"] = "mira", "correct horse battery"
    cookie = form.submit().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_when_configured(make_forum):
    forum = make_forum(**{"forum.cookie_secure": "true"})
    forum.create_user("mira")
    forum.app.extra_environ.update({"wsgi.url_scheme": "https", "HTTP_HOST": "forum.example",
                                    "HTTP_ORIGIN": "https://forum.example"})
    form = forum.app.get("/login").forms[0]
    assert "Secure" in forum.app.get("/login").headers.get("Set-Cookie", "Secure")
    form["login"], form["password"] = "mira", "correct horse battery"
    assert "Secure" in form.submit().headers["Set-Cookie"]


def test_post_without_csrf_token_is_refused(forum):
    forum.create_user("mira")
    page = forum.app.post("/login", {"login": "mira", "password": "correct horse battery"},
                          status=400)
    assert "The form has expired" in page.text
    assert forum.app.cookies.get("forum_session") is None


def test_post_from_another_site_is_refused_over_https(forum):
    forum.app.extra_environ.update({"wsgi.url_scheme": "https", "HTTP_HOST": "forum.example"})
    form = forum.app.get("/login").forms[0]
    form["login"], form["password"] = "mira", "whatever"
    page = form.submit(headers={"Origin": "https://evil.example"}, status=400)
    assert "The form has expired" in page.text


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
    "javascript:alert(1)", "/\tevil", "evil.example",
])
def test_next_never_leaves_the_site(forum, target):
    from urllib.parse import quote

    forum.create_user("mira")
    form = forum.app.get("/login?next=" + quote(target)).forms[0]
    form["login"], form["password"] = "mira", "correct horse battery"
    assert form.submit().headers["Location"] == "http://localhost/"


def test_next_returns_to_the_page_on_this_site(forum):
    forum.create_user("mira")
    form = forum.app.get("/login?next=/c/general%3Fafter%3Dx").forms[0]
    form["login"], form["password"] = "mira", "correct horse battery"
    assert form.submit().headers["Location"] == "http://localhost/c/general?after=x"


def test_revoked_session_signs_out(forum):
    user_id = forum.create_user("mira")
    forum.login("mira")
    with forum.session() as session:
        for row in session.scalars(select(AuthSession).where(AuthSession.user_id == user_id)):
            session.delete(row)
    assert forum.app.get("/").html.find(class_="nav-user") is None


# -- plugins in requests -----------------------------------------------------------------------


def test_enabled_plugin_has_routes_templates_static_and_slots(plugin_forum):
    forum = plugin_forum(plugins=["alpha", "beta"], **{"forum.alpha.page_size": "7"})
    page = forum.app.get("/alpha/")
    assert "items: 0, page size: 7, shout: False" in page.text
    assert 'href="/alpha/"' in forum.app.get("/").text
    assert 'id="beta-footer"' in forum.app.get("/").text
    assert forum.app.get("/static/plugins/alpha/alpha.css").text.strip() == "/* alpha */"
    # the plugin's home as members type it leads to its page, with the query
    bare = forum.app.get("/alpha?page=2", status=301)
    assert bare.location == "http://localhost/alpha/?page=2"


def test_installed_but_disabled_plugin_has_no_routes_or_slots(plugin_forum):
    forum = plugin_forum(plugins=[])
    forum.app.get("/alpha/", status=404)
    forum.app.get("/alpha", status=404)
    forum.app.get("/static/plugins/alpha/alpha.css", status=404)
    assert 'href="/alpha/"' not in forum.app.get("/").text


def test_failing_plugin_is_left_out_and_the_page_still_answers(plugin_forum, caplog):
    forum = plugin_forum(plugins=["alpha", "failing"])
    forum.create_user("mira")
    with caplog.at_level(logging.ERROR, logger="forum_core.plugins"):
        page = forum.login("mira")
    assert page.status_int == 200
    assert 'href="/alpha/"' in page.text, "the healthy plugin's slot is still rendered"
    failed = {(r.args[0], r.args[1]) for r in caplog.records}
    assert ("failing", "forum_tpl_nav") in failed
    assert ("failing", "forum_tpl_home") in failed
    assert ("failing", "forum_on_event") in failed
    assert "nav is broken" not in page.text


def test_events_reach_plugins_only_after_commit(plugin_forum):
    import forum_alpha

    forum = plugin_forum(plugins=["alpha"])
    forum_alpha.RECEIVED.clear()
    with forum.session() as session:
        DatabaseUserService(session).create_user("mira", "mira@example.com", "long enough pw")
        session.flush()
        assert forum_alpha.RECEIVED == [], "nothing is announced before the commit"
    assert [type(e) for e in forum_alpha.RECEIVED] == [UserRegistered]
    assert forum_alpha.RECEIVED[0].username == "mira"

    forum_alpha.RECEIVED.clear()
    with pytest.raises(RuntimeError), forum.session() as session:
        DatabaseUserService(session).create_user("nora", "nora@example.com", "long enough pw")
        raise RuntimeError("the request failed")
    assert forum_alpha.RECEIVED == [], "a rolled-back transaction announces nothing"
    with forum.session() as session:
        assert session.scalar(select(User).where(User.username == "nora")) is None


def test_failed_request_rolls_back_its_writes(plugin_forum):
    """One transaction per request: an error after a write leaves nothing behind."""
    forum = plugin_forum(plugins=["alpha"])
    app = forum.app
    registry = app.app.registry

    def boom(request):
        DatabaseUserService(request.db).create_user("ghost", "ghost@example.com", "long enough pw")
        raise RuntimeError("fails after writing")

    config_app = _app_with_view(forum, boom)
    page = config_app.get("/boom", status=500)
    assert "Something went wrong" in page.text
    assert "Traceback" not in page.text
    with forum.session() as session:
        assert session.scalar(select(User).where(User.username == "ghost")) is None
    assert registry is not None


def _app_with_view(forum, view):
    import webtest

    from forum_core.app import close_app, make_config

    config = make_config(forum.settings, forum.env)
    config.add_route("test.boom", "/boom")
    config.add_view(view, route_name="test.boom", renderer="string")
    app = config.make_wsgi_app()
    forum._cleanups.append(lambda: close_app(app))
    return webtest.TestApp(app)


def test_plugin_configuration_error_is_one_line_naming_it(plugin_forum):
    from forum_core.errors import StartupError

    forum = plugin_forum(plugins=["badconfig"])
    with pytest.raises(StartupError) as info:
        forum.app  # noqa: B018  (building the app runs the plugin's includeme)
    message = str(info.value)
    assert message.startswith("Plugin 'badconfig' failed while configuring the application:")
    assert "no.such.route" in message
    assert "\n" not in message
