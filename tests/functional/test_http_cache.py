"""HTTP caching that never answers around the permission path: every page and API answer is
rendered for its request, carries a strong ETag of its body and answers If-None-Match with
304; Cache-Control lets a reverse proxy share only what a view declared the same for every
visitor, and nothing that belongs to one browser."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from webtest.http import StopableWSGIServer

from forum_core.accounts.csrf import unmask
from forum_core.accounts.models import User
from forum_core.content.models import Category
from tests.functional.test_moderation import post_form

PUBLIC = "public, max-age=0"
PRIVATE = "private, no-cache"


@pytest.fixture
def site(forum):
    forum.create_user("boss", role="admin")
    forum.create_user("mod", role="moderator")
    forum.create_user("mira")
    forum.create_category("General")
    topic = forum.create_topic("mira", "general", "Seeds and rows", "Sow in rows.")
    return forum, topic


def revalidate(app, url, earlier, **headers):
    """``url`` asked again as a browser or a proxy revalidating the copy ``earlier``."""
    return app.get(url, headers={"If-None-Match": earlier.headers["ETag"], **headers},
                   status="*")


def public_urls(topic: int) -> list[str]:
    """The core's pages and API answers that are the same for every visitor."""
    return ["/", "/c/general", f"/t/{topic}/seeds-and-rows", "/u/mira",
            "/latest.atom", "/c/general/feed.atom", f"/t/{topic}/feed.atom", "/sitemap.xml",
            "/robots.txt", "/api/v1/openapi.json", "/api/v1/categories",
            "/api/v1/categories/general/topics", f"/api/v1/topics/{topic}",
            f"/api/v1/topics/{topic}/posts", "/api/v1/users/mira", "/api/v1/users?prefix=mi",
            "/api/v1/search?q=seeds", "/api/v1/similar?text=seeds"]


def test_a_visitor_gets_304_until_the_topic_changes(site):
    forum, topic = site
    visitor, url = forum.browser().app, forum.topic_path(topic)
    first = visitor.get(url)
    assert first.headers["ETag"].startswith('"')  # strong, not W/"..."
    same = revalidate(visitor, url, first)
    assert same.status_int == 304 and same.body == b""
    assert same.headers["ETag"] == first.headers["ETag"]

    reply_id = forum.reply("mira", topic, "Water them daily.")
    replied = revalidate(visitor, url, first)
    assert replied.status_int == 200 and "Water them daily." in replied.text
    assert replied.headers["ETag"] != first.headers["ETag"]

    assert forum.browser("mira").post_form(f"/p/{reply_id}/edit",
                                           body="Water them weekly.").status_int == 303
    edited = revalidate(visitor, url, replied)
    assert edited.status_int == 200 and "Water them weekly." in edited.text

    moderator = forum.browser("mod").app
    post_form(moderator.get(url), reply_id, "hide").submit(status=303)
    hidden = revalidate(visitor, url, edited)
    assert hidden.status_int == 200 and "Water them weekly." not in hidden.text
    assert revalidate(visitor, url, hidden).status_int == 304

    # the category becomes members-only: the visitor's copy is answered "not available"
    admin = forum.browser("boss").app
    form = admin.get("/admin/categories/general").forms["category-form"]
    form["read_access"] = "members"
    form.submit(status=303)
    gone = revalidate(visitor, url, hidden)
    assert gone.status_int == 404 and "Sow in rows." not in gone.text
    assert "ETag" not in gone.headers and gone.headers["Cache-Control"] == "no-store"


def test_a_members_page_follows_a_permission_change(site):
    forum, topic = site
    mira, url = forum.browser("mira").app, forum.topic_path(topic)
    first = mira.get(url)
    assert first.html.select_one("#reply-form") is not None
    assert revalidate(mira, url, first).status_int == 304
    form = forum.browser("boss").app.get("/admin/categories/general").forms["category-form"]
    form["reply_access"] = "moderators"
    form.submit(status=303)
    changed = revalidate(mira, url, first)
    assert changed.status_int == 200 and changed.html.select_one("#reply-form") is None
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_members_answers_are_private_and_revalidate(site):
    forum, topic = site
    visitor, mira = forum.browser().app, forum.browser("mira").app
    for url in (forum.topic_path(topic), "/", "/notifications", "/search?q=seeds", "/api/v1/me",
                f"/api/v1/topics/{topic}", "/sitemap.xml"):
        first = mira.get(url)
        assert first.headers["Cache-Control"] == PRIVATE, url
        assert {"Cookie", "Accept-Language"} <= set(first.vary), url
        assert revalidate(mira, url, first).status_int == 304, url
    # a visitor's copy of a page is not a member's: the tag is of what each one is shown
    seen = visitor.get(forum.topic_path(topic))
    for_member = revalidate(mira, forum.topic_path(topic), seen)
    assert for_member.status_int == 200 and "Sign out" in for_member.text

    bearer = {"Authorization": f"Bearer {forum.api_token('mira')}"}
    api = forum.browser().app
    first = api.get(f"/api/v1/topics/{topic}", headers=bearer)
    assert first.headers["Cache-Control"] == PRIVATE
    assert {"Authorization", "Cookie", "Accept-Language"} <= set(first.vary)
    assert revalidate(api, f"/api/v1/topics/{topic}", first, **bearer).status_int == 304
    assert api.get("/api/v1/me", headers=bearer).headers["Cache-Control"] == PRIVATE


def test_a_stale_sign_in_cookie_is_never_answered_public(site):
    """Credentials decide, not whether they are still valid: the proxy bypasses on them."""
    forum, topic = site
    visitor = forum.browser().app
    visitor.set_cookie("forum_session", "expired-or-made-up")
    page = visitor.get(forum.topic_path(topic))
    assert "Sign in" in page.text and page.headers["Cache-Control"] == PRIVATE
    other = forum.browser().app.get(forum.topic_path(topic),
                                    headers={"Authorization": "Basic eDp5"})
    assert other.headers["Cache-Control"] == PRIVATE


@pytest.mark.parametrize("plugins", [(), ("badges", "events", "groups", "ideas", "kb", "support")],
                         ids=["core", "bundled"])
def test_visitors_public_pages_are_shared_and_set_no_cookie(make_forum, plugins):
    forum = make_forum(plugins=plugins)
    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    forum.create_category("General")
    topic = forum.create_topic("mira", "general", "Seeds and rows", "Sow in rows.")
    urls = public_urls(topic)
    if plugins:  # an idea's topic page, with the plugin's idea box and voting buttons
        forum.create_category("Ideas")
        with forum.session() as session:
            board = session.scalar(select(Category.id).where(Category.slug == "ideas"))
        assert forum.browser("boss").post_form("/ideas/boards", category_id=str(board),
                                               enabled="on", vote_budget="0").status_int == 200
        form = forum.browser("mira").app.get("/ideas/ideas/new").forms["idea-form"]
        form["title"], form["body"] = "Dark mode please", "Easier on the eyes at night."
        urls.append(urlsplit(form.submit(status=303).location).path)
    visitor = forum.browser().app
    for url in urls:
        response = visitor.get(url)
        assert response.headers["Cache-Control"] == PUBLIC, url
        assert {"Cookie", "Accept-Language"} <= set(response.vary), url
        assert ("Authorization" in response.vary) is url.startswith("/api/"), url
        assert not response.headers.getall("Set-Cookie"), url
        assert "csrf_token" not in response.text, url
        assert revalidate(visitor, url, response).status_int == 304, url
    if plugins:
        assert "idea-box" in visitor.get(urls[-1]).text
    assert "forum_csrf" not in visitor.cookies


def test_proxies_keep_shared_pages_for_the_configured_time(make_forum):
    forum = make_forum(**{"forum.http_cache_seconds": "120"})
    forum.create_category("General")
    assert forum.browser().app.get("/c/general").headers["Cache-Control"] == \
        "public, max-age=0, s-maxage=120"
    assert forum.browser().app.get("/search?q=x").headers["Cache-Control"] == PRIVATE


def test_pages_that_do_not_say_so_are_not_shared(plugin_forum):
    """A plugin's page with no declaration, and the core's own personal pages."""
    forum = plugin_forum(plugins=["alpha"])
    visitor = forum.browser().app
    visitor.get("/search?q=seeds")  # (the first search starts the index: "being rebuilt")
    for url in ("/alpha/", "/search?q=seeds"):
        page = visitor.get(url)
        assert page.headers["Cache-Control"] == PRIVATE, url
        assert revalidate(visitor, url, page).status_int == 304, url


def test_a_page_that_prints_a_token_is_kept_by_no_shared_cache(site):
    """A category where visitors may reply: the topic page shows them a form with their CSRF
    token, so it is theirs alone although the view declared it the same for every visitor."""
    forum, _ = site
    forum.create_category("Open door", reply_access="everyone")
    topic = forum.create_topic("mira", "open-door", "Say hello", "Anyone may answer.")
    visitor = forum.browser().app
    first = visitor.get(forum.topic_path(topic))
    token = visitor.cookies["forum_csrf"]
    assert unmask(first.forms["reply-form"]["csrf_token"].value) == bytes.fromhex(token)
    assert "ETag" not in first.headers and first.headers["Cache-Control"] == "no-store"
    again = visitor.get(forum.topic_path(topic))  # the cookie is there now: none is set
    assert not again.headers.getall("Set-Cookie")
    assert again.headers["Cache-Control"] == PRIVATE


def test_cookies_errors_and_forms_get_no_validator(site):
    forum, topic = site
    visitor = forum.browser().app
    answers = [visitor.get("/login"),  # sets the CSRF cookie
               visitor.get("/t/999999", status=404), visitor.get("/admin", status=403),
               visitor.get("/api/v1/topics/999999", status=404),
               visitor.get("/api/v1/me", status=401),
               visitor.get(forum.topic_path(topic) + "?after=x", status=400)]
    token = visitor.cookies["forum_csrf"]
    answers.append(visitor.post("/login", {"login": "mira", "password": "wrong",
                                           "csrf_token": token}, status=400))
    answers.append(visitor.post("/language", {"locale": "nl"}, status=303))
    for answer in answers:
        where = (answer.request.method, answer.request.path_qs, answer.status)
        assert "ETag" not in answer.headers, where
        assert answer.headers["Cache-Control"] == "no-store", where


def test_head_answers_the_headers_of_get(site):
    forum, topic = site
    visitor = forum.browser().app
    for url in ("/", forum.topic_path(topic), "/api/v1/categories", "/latest.atom"):
        full = visitor.get(url)
        head = visitor.head(url)
        assert head.status_int == 200 and head.body == b"", url
        assert head.headers["ETag"] == full.headers["ETag"], url
        assert head.headers["Content-Length"] == full.headers["Content-Length"], url
        again = visitor.head(url, headers={"If-None-Match": full.headers["ETag"]}, status=304)
        assert again.body == b"", url


def test_static_files_keep_their_own_headers(site):
    forum, _ = site
    visitor = forum.browser().app
    css = visitor.get(visitor.get("/").html.select_one("link[rel=stylesheet]")["href"])
    # a content-hashed address (tests/functional/test_compression.py)
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Last-Modified" in css.headers and css.vary == ("Accept-Encoding",)


def test_the_language_switcher_needs_a_token_only_from_members(site):
    forum, topic = site
    url = forum.topic_path(topic)
    visitor = forum.browser().app
    english = visitor.get(url)
    form = english.forms["language-form"]
    assert "csrf_token" not in form.fields
    form["locale"] = "nl"
    assert "forum_locale=nl" in form.submit(status=303).headers["Set-Cookie"]
    dutch = revalidate(visitor, url, english)  # the same address in another language
    assert dutch.status_int == 200 and dutch.html.select_one("html")["lang"] == "nl"
    assert dutch.headers["Cache-Control"] == PUBLIC
    assert "forum_csrf" not in visitor.cookies

    mira = forum.browser("mira")
    refused = mira.app.post("/language", {"locale": "ru"}, status=400)
    assert "The form has expired" in refused.text
    form = mira.app.get(url).forms["language-form"]
    assert unmask(form["csrf_token"].value) == bytes.fromhex(mira.app.cookies["forum_csrf"])
    with forum.session() as session:
        assert session.scalar(select(User.locale).where(User.username == "mira")) is None
    form["locale"] = "ru"
    form.submit(status=303)
    with forum.session() as session:
        assert session.scalar(select(User.locale).where(User.username == "mira")) == "ru"


def test_conditional_requests_through_waitress(site):
    """The 304 as a real server sends it: no body, the validators and Vary kept."""
    forum, topic = site
    server = StopableWSGIServer.create(forum.app.app)
    try:
        address = urlsplit(server.application_url)

        def ask(method, headers=None):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            try:
                connection.request(method, forum.topic_path(topic), headers=headers or {})
                response = connection.getresponse()
                return response, response.read()
            finally:
                connection.close()

        first, body = ask("GET")
        assert first.status == 200 and b"Sow in rows." in body
        etag = first.getheader("ETag")
        again, empty = ask("GET", {"If-None-Match": etag})
        assert again.status == 304 and empty == b""
        assert again.getheader("ETag") == etag
        assert again.getheader("Cache-Control") == PUBLIC
        assert again.getheader("Vary") == "Accept-Encoding, Cookie, Accept-Language"
        zipped, _ = ask("GET", {"Accept-Encoding": "gzip"})
        assert zipped.getheader("Content-Encoding") == "gzip"
        assert zipped.getheader("ETag") not in (None, etag)
        zipped_again, _ = ask("GET", {"Accept-Encoding": "gzip",
                                      "If-None-Match": zipped.getheader("ETag")})
        assert zipped_again.status == 304
        head, nothing = ask("HEAD")
        assert head.status == 200 and nothing == b"" and head.getheader("ETag") == etag
        forum.reply("mira", topic, "Water them daily.")
        changed, new_body = ask("GET", {"If-None-Match": etag})
        assert changed.status == 200 and b"Water them daily." in new_body
    finally:
        server.shutdown()
