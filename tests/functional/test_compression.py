"""Answers are compressed (brotli or gzip) when the browser accepts it, with their own
validators per encoding; static files live at content-hashed addresses cached for a year;
the topic page, compressed with everything it loads, stays under 60 KB."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from webob import Request

from forum_core.accounts.csrf import mask, unmask
from forum_core.web.compression import MIN_SIZE

LONG = "Seedlings want light, water and patience. " * 60


def raw(forum, path, **headers):
    """The answer as the server sends it (WebTest would decode it), its file read and closed."""
    answer = Request.blank(path, headers=headers).get_response(forum.app.app)
    if not isinstance(answer.app_iter, list | tuple):
        files = answer.app_iter
        try:
            body = b"".join(files)
        finally:
            getattr(files, "close", lambda: None)()
        answer.app_iter, answer.content_length = [body], len(body)
    return answer


@pytest.fixture
def site(forum):
    forum.create_user("mira")
    forum.create_category("General")
    topic = forum.create_topic("mira", title="Seeds and rows", body=LONG)
    return forum, f"/t/{topic}/seeds-and-rows"


def test_pages_are_compressed_for_browsers_that_accept_it(site):
    forum, url = site
    plain = raw(forum, url)
    assert plain.content_encoding is None and "Accept-Encoding" in plain.vary
    for accepted, encoding, decode in (("gzip", "gzip", gzip.decompress),
                                       ("gzip, deflate, br", "br", brotli.decompress),
                                       ("br;q=0.5, gzip", "gzip", gzip.decompress)):
        answer = raw(forum, url, **{"Accept-Encoding": accepted})
        assert answer.content_encoding == encoding, accepted
        assert "Accept-Encoding" in answer.vary
        assert answer.content_length == len(answer.body) < len(plain.body) / 2
        assert decode(answer.body) == plain.body
    assert raw(forum, url, **{"Accept-Encoding": "identity"}).content_encoding is None


def test_each_encoding_has_its_own_etag_and_304s_still_work(site):
    forum, url = site
    tags = {}
    for accepted in ("identity", "gzip", "br"):
        answer = raw(forum, url, **{"Accept-Encoding": accepted})
        tags[accepted] = answer.headers["ETag"]
        again = raw(forum, url, **{"Accept-Encoding": accepted,
                                   "If-None-Match": answer.headers["ETag"]})
        assert again.status_int == 304, accepted
    assert len(set(tags.values())) == 3
    # a gzip validator does not revalidate the brotli answer
    assert raw(forum, url, **{"Accept-Encoding": "br",
                              "If-None-Match": tags["gzip"]}).status_int == 200


def test_small_answers_and_pictures_are_not_compressed(site):
    forum, _url = site
    small = raw(forum, "/healthz", **{"Accept-Encoding": "gzip"})
    assert small.content_length < MIN_SIZE and small.content_encoding is None
    picture = forum.app.get("/").html.select_one("meta[property='og:image']")["content"]
    png = raw(forum, picture.removeprefix("http://localhost"), **{"Accept-Encoding": "gzip"})
    assert png.content_type == "image/png" and png.content_encoding is None


def member_page(forum, url, **headers):
    cookie = "; ".join(f"{c.name}={c.value}" for c in forum.app.cookiejar)
    return raw(forum, url, **{"Accept-Encoding": "gzip", "Cookie": cookie, **headers})


def form_tokens(body: bytes) -> list[str]:
    return re.findall(r'name="csrf_token" value="([^"]*)"', gzip.decompress(body).decode())


def test_members_pages_are_compressed_with_the_csrf_token_masked_afresh(site):
    """BREACH: the token never appears as it is, and no two forms or answers share its
    bytes; each masked token still unmasks to the cookie and is accepted."""
    forum, url = site
    forum.login("mira")
    cookie_token = forum.app.cookies["forum_csrf"]
    first, second = member_page(forum, url), member_page(forum, url)
    assert first.status_int == second.status_int == 200
    assert first.content_encoding == second.content_encoding == "gzip"
    tokens = form_tokens(first.body) + form_tokens(second.body)
    assert len(tokens) >= 4, "the reply form and the header's sign-out form on each page"
    assert len(set(tokens)) == len(tokens), "every form gets its own mask"
    for answer in (first, second):
        assert cookie_token.encode() not in gzip.decompress(answer.body)
    for token in tokens:
        assert unmask(token) == bytes.fromhex(cookie_token)
    # a masked token is accepted by a form and by a script's header; a wrong one is not
    forum.app.post(f"{url}/reply", {"body": "Masked and accepted", "csrf_token": tokens[0]},
                   status=303)
    forum.app.post(f"{url}/reply", {"body": "Refused", "csrf_token": mask("0" * 32)},
                   status=400)
    assert "Masked and accepted" in forum.app.get(url).text
    assert "Refused" not in forum.app.get(url).text


def test_a_members_unchanged_page_keeps_its_etag_and_answers_304(site):
    forum, url = site
    forum.login("mira")
    first = member_page(forum, url)
    assert first.headers["Cache-Control"] == "private, no-cache"
    tag = first.headers["ETag"]
    assert tag.endswith('-gzip"')
    again = member_page(forum, url, **{"If-None-Match": tag})
    assert again.status_int == 304 and not again.body
    assert member_page(forum, url).headers["ETag"] == tag, "masks do not change the validator"
    # another token (the browser lost its cookie and got a new one) is another validator:
    # the forms of the page it kept would be refused
    forum.app.set_cookie("forum_csrf", "1" * 32)
    fresh = member_page(forum, url, **{"If-None-Match": tag})
    assert fresh.status_int == 200 and fresh.headers["ETag"] != tag
    assert {unmask(token) for token in form_tokens(fresh.body)} == {bytes.fromhex("1" * 32)}


def static_urls(page):
    return [tag.get("href") or tag.get("src") for tag in
            page.html.select("link[rel=stylesheet], script[src], link[rel=icon]")]


def test_static_files_have_hashed_addresses_kept_for_a_year(make_forum):
    forum = make_forum(plugins=["ideas"])
    page = forum.app.get("/")
    urls = static_urls(page)
    assert any("/static/plugins/ideas/" in url for url in urls)
    assert any("/static/theme/default/forum.css" in url for url in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        answer = raw(forum, url, **{"Accept-Encoding": "gzip"})
        assert answer.status_int == 200
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        if answer.content_length >= MIN_SIZE:
            assert answer.content_encoding == "gzip", url
        stale = raw(forum, url.split("?")[0] + "?v=000000000000")
        assert stale.status_int == 200 and "immutable" not in stale.headers["Cache-Control"]
        assert raw(forum, url.split("?")[0]).headers["Cache-Control"] == "public, no-cache"


def test_the_topic_page_with_its_styles_and_scripts_stays_under_60_kb(site):
    """For a visitor and for a member (whose page has the reply form, the composer's script
    and a masked token in every form), both compressed."""
    forum, url = site
    for n in range(20):
        forum.reply("mira", int(url.split("/")[2]), f"Reply {n}: " + LONG[:400])
    forum.create_user("ola")
    for who in (None, "ola"):
        if who:
            forum.login(who)
        page = member_page(forum, url)
        assert page.status_int == 200 and page.content_encoding == "gzip"
        total = len(page.body)
        html = forum.app.get(url)
        assert bool(who) == ("reply-form" in html.forms)
        for asset in static_urls(html):
            answer = raw(forum, asset, **{"Accept-Encoding": "gzip"})
            assert answer.status_int == 200, asset
            total += len(answer.body)
        print(f"topic page for {who or 'a visitor'}, compressed, with its styles and scripts: "
              f"{total} bytes")
        assert total < 60 * 1024, (who, total)
