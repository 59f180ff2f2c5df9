"""Answers are compressed (brotli or gzip) when the browser accepts it, with their own
validators per encoding; static files live at content-hashed addresses cached for a year;
the topic page, compressed with everything it loads, stays under 60 KB."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from webob import Request

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


def test_small_answers_pictures_and_pages_with_a_csrf_token_are_not_compressed(site):
    forum, url = site
    small = raw(forum, "/healthz", **{"Accept-Encoding": "gzip"})
    assert small.content_length < MIN_SIZE and small.content_encoding is None
    picture = forum.app.get("/").html.select_one("meta[property='og:image']")["content"]
    png = raw(forum, picture.removeprefix("http://localhost"), **{"Accept-Encoding": "gzip"})
    assert png.content_type == "image/png" and png.content_encoding is None
    # a member's page holds the CSRF token: never compressed (BREACH)
    forum.login("mira")
    cookie = "; ".join(f"{c.name}={c.value}" for c in forum.app.cookiejar)
    member = raw(forum, url, **{"Accept-Encoding": "gzip", "Cookie": cookie})
    assert member.status_int == 200 and 'name="csrf_token"' in member.text
    assert member.content_encoding is None


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
    forum, url = site
    for n in range(20):
        forum.reply("mira", int(url.split("/")[2]), f"Reply {n}: " + LONG[:400])
    page = raw(forum, url, **{"Accept-Encoding": "gzip"})
    assert page.content_encoding == "gzip"
    total = len(page.body)
    html = forum.app.get(url)
    for asset in static_urls(html):
        answer = raw(forum, asset, **{"Accept-Encoding": "gzip"})
        assert answer.status_int == 200, asset
        total += len(answer.body)
    print(f"topic page, compressed, with its styles and scripts: {total} bytes")
    assert total < 60 * 1024, total
