"""Security headers on every kind of response, and the cookies' flags."""

from __future__ import annotations

import pytest

from tests.functional.test_discussions import make_category, make_topic

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def policy(response) -> dict[str, str]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def check(response):
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, (response.request.path, name)
    csp = policy(response)
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert "unsafe" not in csp["default-src"] + csp["style-src"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"


def test_every_kind_of_response_has_the_headers(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    topic = make_topic(forum, "mira", "general", "Hello", "World")
    app = forum.another_browser().app
    responses = [app.get("/"), app.get("/"),  # a page, then the same page again
                 app.get(f"/t/{topic}"), app.get("/nope", status=404),
                 app.get("/api/v1/categories"), app.get("/api/v1/nope", status=404),
                 app.get("/latest.atom"), app.get("/sitemap.xml"), app.get("/robots.txt")]
    static = app.get("/").html.select_one("link[rel=stylesheet]")["href"]
    responses.append(app.get(static))
    form = app.get("/").forms["language-form"]
    form["locale"] = "nl"
    responses.append(form.submit(status=303))
    member = forum.browser("mira").app  # a member's switch without the CSRF token
    responses.append(member.post("/language", {"locale": "nl"}, status=400))
    for response in responses:
        check(response)


def cookie_flags(response, name):
    for header in response.headers.getall("Set-Cookie"):
        if header.startswith(name + "="):
            return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}, \
                header
    raise AssertionError(f"no {name} cookie set")


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_httponly_samesite_and_secure_when_configured(make_forum, secure):
    forum = make_forum(**{"forum.cookie_secure": str(secure).lower()})
    forum.create_user("mira")
    app = forum.app
    if secure:  # as behind a proxy that terminates TLS: the browser sends secure cookies
        app.extra_environ.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                                  "SERVER_PORT": "443",
                                  "HTTP_REFERER": "https://localhost/"})  # origin check
    page = app.get("/login")
    csrf_flags, _ = cookie_flags(page, "forum_csrf")
    form = page.forms[0]
    form["login"], form["password"] = "mira", "correct horse battery"
    signed_in = form.submit(status=303)
    session_flags, header = cookie_flags(signed_in, "forum_session")
    language = app.get("/").forms["language-form"]
    language["locale"] = "ru"
    locale_flags, _ = cookie_flags(language.submit(status=303), "forum_locale")
    for flags in (csrf_flags, session_flags, locale_flags):
        assert {"httponly", "samesite"} <= flags
        assert ("secure" in flags) is secure
    assert "SameSite=Lax" in header
    if secure:
        assert "max-age" in signed_in.headers["Strict-Transport-Security"]
