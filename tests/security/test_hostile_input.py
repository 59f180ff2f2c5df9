"""Hostile input through the real app: every request gets a clear 4xx (an HTML page or a
problem+json document) quickly, never a 500 or a traceback, nothing bad is stored, and the
forum keeps answering afterwards. Complements tests/functional/test_bad_input.py (invalid
UTF-8 in forms and the category page's query, oversized bodies, too-complex topics)."""

from __future__ import annotations

import gc
import http.client
import io
import json
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from webtest import TestRequest

from forum_core.accounts.avatars import NAME_RE
from forum_core.accounts.models import User
from forum_core.content.models import Post, Topic
from tests.browser.conftest import make_live_forum  # noqa: F401  (fixture: waitress)
from tests.functional.test_discussions import make_category, make_topic, topic_path

#: Generous on this shared 2-core machine; each of these answers in milliseconds normally.
QUICK = 2.0
PROBLEM = "application/problem+json"


@pytest.fixture
def board(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    forum.topic_id = make_topic(forum, "mira", "general", title="Quiet topic", body="Calm.")
    return forum


def csrf(forum) -> str:
    return forum.app.cookies["forum_csrf"]


def timed(call, *args, **kwargs):
    # CPU time of this thread (WebTest runs the app in it): other work does not count, nor
    # the garbage collector, which stays off during the call (late in a long run a full
    # collection of what the worker's earlier tests left takes seconds, and would land in
    # whichever request allocates next)
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.thread_time()
        response = call(*args, **kwargs)
        elapsed = time.thread_time() - started
    finally:
        if collecting:
            gc.enable()
    assert elapsed < QUICK, f"took {elapsed:.2f} s"
    return response


def still_answers(forum) -> None:
    page = forum.app.get(topic_path(forum, forum.topic_id), status=200)
    assert "Calm." in page.text


def counts(forum) -> tuple[int, int]:
    with forum.session() as session:
        return (session.scalar(select(func.count()).select_from(Topic)),
                session.scalar(select(func.count()).select_from(Post)))


def assert_clear_4xx(response, *phrases: str) -> None:
    assert 400 <= response.status_int < 500, (response.status, response.text[:500])
    if response.content_type == PROBLEM:
        assert response.json["title"] and response.json["detail"], response.json
        text = response.json["title"] + " " + response.json["detail"]
    else:
        assert response.content_type == "text/html", response.content_type
        assert 'class="error-page"' in response.text or 'class="form-error"' in response.text \
            or "role=\"alert\"" in response.text, response.text[:2000]
        text = response.text
    assert "Traceback" not in text
    for phrase in phrases:
        assert phrase in text, (phrase, text[:2000])


# -- URLs: paths and query strings -------------------------------------------------------------

HOSTILE_URLS = [
    ("/search?q=%ff", "not valid UTF-8"),
    ("/search?q=caf%e9", "not valid UTF-8"),
    ("/search?%ff=1", "not valid UTF-8"),
    ("/?next=%c0%af", "not valid UTF-8"),
    ("/c/gen%00eral", "NUL character"),
    ("/u/" + "a" * 10_000, "Page not found"),
    ("/t/99999999999999999999999999/x", "Page not found"),
    ("/p/-1/edit", "Page not found"),
    ("/api/v1/users/%00", "NUL character"),
    ("/api/v1/search?q=%ff", "not valid UTF-8"),
]
BAD_PATHS = ["/c/%ff", "/t/1/%ff%fe", "/u/%ed%a0%80", "/c/%c0%af", "/api/v1/topics/%ff/posts",
             "/notifications/%ff"]


def test_hostile_urls_get_a_clear_4xx(board):
    for url, phrase in HOSTILE_URLS:
        response = timed(board.app.get, url, expect_errors=True)
        assert_clear_4xx(response, phrase)
    still_answers(board)


def get_raw(forum, url: str):
    """GET a URL WebTest's cookie jar cannot read (bytes that are not UTF-8), with cookies."""
    cookies = "; ".join(f"{name}={value}" for name, value in forum.app.cookies.items())
    return timed(TestRequest.blank(url, headers={"Cookie": cookies}).get_response,
                 forum.app.app)


def test_invalid_utf8_in_a_members_path_is_a_400(board):
    """Signed in, pages are not cached: the path's bytes reach the forum's error pages."""
    board.login("mira")
    for url in BAD_PATHS:
        response = get_raw(board, url)
        assert response.status_int == 400, url
        assert "not valid UTF-8" in response.text
        if not url.startswith("/api/"):  # a whole page, with the member signed in
            assert response.content_type == "text/html" and "nav-user" in response.text
    still_answers(board)


@pytest.mark.parametrize("url", BAD_PATHS)
def test_invalid_utf8_in_a_visitors_path_is_a_400(board, url):
    response = get_raw(board, url)
    assert response.status_int == 400
    assert "not valid UTF-8" in response.text


QUERIES = [
    '"', '""', '"unclosed phrase', "*", "**", "a*", "*a", "?", "%", "_", "\\", "'",
    "' OR 1=1 --", "'; DROP TABLE topic; --", "a & b | !c", "a <-> b", "a:*", "!(a)",
    "a AND (b OR", "NOT", "OR OR OR", "-", "-calm", "+calm", "calm~2", "title:calm", "[", "]",
    "{", "$where", "\x00", "calm\x00", "\u202e", "%00", "a" * 5000, "calm " * 1000,
    " ".join(f'"{n}"' for n in range(300)),
]


def test_crafted_search_queries_never_fail(board):
    """Quotes, wildcards, tsquery and SQL syntax are words to search for: an answer, or a
    clear 400 for a query that cannot be searched (control characters), never a 500."""
    for query in QUERIES:
        response = timed(board.app.get, "/search", {"q": query}, expect_errors=True)
        if response.status_int != 200:
            assert_clear_4xx(response)
        api = timed(board.app.get, "/api/v1/search", {"q": query}, expect_errors=True)
        assert api.status_int == 200 or (400 <= api.status_int < 500
                                         and api.content_type == PROBLEM), (query, api.text)
    # the words are still found: the search works after all that
    assert "Quiet topic" in board.app.get("/search", {"q": "calm"}).text
    still_answers(board)


# -- forms ----------------------------------------------------------------------------------

HOSTILE_BODIES = [
    ("*" * 10_000, "simplify it"),
    ("_" * 10_000, "simplify it"),
    ("`" * 10_000, "simplify it"),
    ("(" * 10_000, "simplify it"),
    ("[" * 5_000 + "x" + "]" * 5_000 + "(y)", "simplify it"),
    ("- " * 5_000 + "x", "simplify it"),
    ("\n".join("  " * n + "- x" for n in range(100)), "simplify it"),
    ("> " * 5_000 + "x", "simplify it"),
    ("[quote post=1]\n" * 100 + "x", "simplify it"),
    ("# x\n" * 3_000, "add blank lines"),
    ("```\nx\n```\n\n" * 300, "code blocks"),
    ("x" * 100_000, "longer than 32000 characters"),
    ("x\x00y", "NUL character"),
    ("\x1b[31mred", "control characters"),
    (" \n\t\n ", "Write something first"),
]


def test_hostile_replies_are_refused_quickly_and_nothing_is_saved(board):
    board.login("mira")
    before = counts(board)
    path = topic_path(board, board.topic_id)
    for body, phrase in HOSTILE_BODIES:
        response = timed(board.app.post, f"{path}/reply",
                         {"body": body, "csrf_token": csrf(board)}, expect_errors=True)
        assert response.status_int == 400, body[:50]
        assert_clear_4xx(response, phrase)
        assert counts(board) == before
    still_answers(board)


LONG_BODIES = [
    "x" * 30_000,  # one very long word under the length limit
    "a" * 15_000 + " " + "b" * 15_000,
    "http://example.com/" + "a" * 25_000,
    "@" + "a" * 20_000,
    "&#" + "1" * 20_000 + ";",
    ("*a* " * 7_000)[:31_000],
    "\n\n".join(["> " * 20 + "deep"] * 500),
]


def test_long_but_acceptable_posts_are_rendered_quickly(make_forum):
    board = make_forum(**{"forum.rate_post": "100/600"})
    board.create_user("mira")
    make_category(board, "General")
    board.topic_id = make_topic(board, "mira", "general", title="Quiet topic", body="Calm.")
    board.login("mira")
    path = topic_path(board, board.topic_id)
    for body in LONG_BODIES:
        response = timed(board.app.post, f"{path}/reply",
                         {"body": body, "csrf_token": csrf(board)}, expect_errors=True)
        assert response.status_int == 303, (body[:50], response.text[:1000])
        assert timed(board.app.get, path).status_int == 200
    assert counts(board)[1] == 1 + len(LONG_BODIES)
    still_answers(board)


HOSTILE_TITLES = [
    ({"title": "x" * 100_000, "body": "ok"}, "A title has 3 to 200 characters."),
    ({"title": "x" * 100_001, "body": "ok"}, "A title has 3 to 200 characters."),
    ({"title": "tab\x00nul", "body": "ok"}, "NUL character"),
    ({"title": "\x7f\x7f\x7f", "body": "ok"}, "control characters"),
    ({"title": "   ", "body": "ok"}, "A title has 3 to 200 characters."),
    ({"title": "\u200b\u200b", "body": "ok"}, "A title has 3 to 200 characters."),
]


def test_hostile_titles_are_refused(board):
    board.login("mira")
    before = counts(board)
    for fields, phrase in HOSTILE_TITLES:
        response = timed(board.app.post, "/c/general/new",
                         {**fields, "csrf_token": csrf(board)}, expect_errors=True)
        assert_clear_4xx(response, phrase)
        assert counts(board) == before


def test_invalid_utf8_and_nul_in_any_form_are_refused(board):
    board.app.get("/login")  # a visitor's first page sets the CSRF cookie
    for path in ("/login", "/register", "/search", "/password/forgot"):
        for body in (b"login=%ff%fe&password=x", b"%ff=1&q=x", b"email=a%c3&username=b"):
            token = ("&csrf_token=" + csrf(board)).encode()
            response = timed(board.app.post, path, body + token,
                             content_type="application/x-www-form-urlencoded",
                             expect_errors=True)
            assert_clear_4xx(response, "not valid UTF-8")
        response = timed(board.app.post, path, {
            "login": "mi\x00ra", "password": "x\x00", "email": "a\x00@example.com",
            "username": "a\x00b", "q": "\x00", "csrf_token": csrf(board)}, expect_errors=True)
        assert response.status_int < 500, (path, response.status)
    still_answers(board)


def test_invalid_utf8_in_a_multipart_form_is_refused(board):
    board.login("mira")
    boundary = "xyz"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf(board)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"title\""
            f"\r\n\r\nGood title\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"body\"\r\n\r\n").encode() + b"\xff\xfe bad" \
        + f"\r\n--{boundary}--\r\n".encode()
    before = counts(board)
    response = timed(board.app.request, "/c/general/new", method="POST", body=body,
                     content_type=f"multipart/form-data; boundary={boundary}",
                     expect_errors=True)
    assert_clear_4xx(response)
    assert counts(board) == before
    still_answers(board)


def multipart(forum, path: str, filename: str, extra: str = "", boundary: str = "xyz"):
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf(forum)}\r\n{extra}--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"avatar\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n"
            f"x\r\n--{boundary}--\r\n").encode()
    return timed(forum.app.request, path, method="POST", body=body,
                 content_type=f"multipart/form-data; boundary={boundary}", expect_errors=True)


LONG_FILE_NAMES = ["a " * 150_000, "&amp;" * 60_000, "a;" * 150_000, "=?utf-8?q?a?= " * 20_000]


@pytest.mark.parametrize("filename", LONG_FILE_NAMES, ids=["words", "entities", "semicolons",
                                                           "encoded-words"])
def test_multipart_file_names_of_hundreds_of_kilobytes_are_refused_quickly(board, filename):
    """The standard library's parsers under WebOb read such a name in time that grows with
    its square: the form is refused before they see it, signed in or not."""
    board.app.get("/login")
    response = multipart(board, "/login", filename)
    assert_clear_4xx(response, "The form cannot be read")
    board.login("mira")
    response = multipart(board, "/account", filename, extra=(
        "--xyz\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\navatar\r\n"))
    assert_clear_4xx(response, "The form cannot be read")
    with board.session() as session:
        assert not session.scalar(select(User.avatar).where(User.username == "mira"))
    still_answers(board)


def test_multipart_forms_of_a_hostile_shape_are_refused(board):
    board.app.get("/login")
    many_parts = "".join(f"--xyz\r\nContent-Disposition: form-data; name=\"f{n}\"\r\n\r\n"
                         f"x\r\n" for n in range(1_000))
    many_headers = "--xyz\r\n" + "X-Filler: x\r\n" * 50 + \
        "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
    for extra in (many_parts, many_headers, "--xyz\r\nnot a header\r\n\r\nx\r\n"):
        assert_clear_4xx(multipart(board, "/login", "a.png", extra=extra),
                         "The form cannot be read")
    assert_clear_4xx(multipart(board, "/login", "a.png", boundary="b" * 100),
                     "The form cannot be read")
    response = timed(board.app.request, "/login", method="POST", body=b"x=1",
                     content_type="multipart/form-data; boundary=xyz; " + "a=b; " * 5_000,
                     expect_errors=True)
    assert_clear_4xx(response, "The form cannot be read")
    response = timed(board.app.request, "/login", method="POST", body=b"x=1",
                     content_type="multipart/form-data", expect_errors=True)
    assert_clear_4xx(response, "The form cannot be read")
    fields = "&".join(f"f{n}=x" for n in range(10_000))
    response = timed(board.app.post, "/login", fields,
                     content_type="application/x-www-form-urlencoded", expect_errors=True)
    assert_clear_4xx(response, "The form cannot be read")
    still_answers(board)


def test_nul_anywhere_is_refused_before_any_view(make_forum):
    """PostgreSQL cannot store NUL in text, and a look-up with one failed there with a 500:
    one check refuses it in a path, a query or a form, as a page or a problem document."""
    board = make_forum(plugins=("groups", "ideas"))
    board.create_user("mira")
    board.login("mira")
    for url in ("/u/%00", "/c/%00", "/search?q=a&author=%00", "/groups/%00", "/ideas/%00",
                "/?x=%00", "/t/1/%00"):
        assert_clear_4xx(timed(board.app.get, url, expect_errors=True), "NUL character")
    for url in ("/api/v1/users/%00", "/api/v1/search?q=%00", "/api/v1/groups/a%00b"):
        response = timed(board.app.get, url, expect_errors=True)
        assert response.status_int == 400 and response.content_type == PROBLEM
        assert "NUL character" in response.json["detail"]
    for path, fields in (("/account", {"action": "token", "token_name": "a\x00"}),
                         ("/groups/new", {"name": "a\x00b", "kind": "open"}),
                         ("/preview", {"body": "x\x00"})):
        response = timed(board.app.post, path, {**fields, "csrf_token": csrf(board)},
                         expect_errors=True)
        assert_clear_4xx(response, "NUL character")


# -- JSON bodies ------------------------------------------------------------------------------

def api_token(forum, username="mira") -> str:
    from forum_core.accounts.services import DatabaseUserService

    with forum.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        return DatabaseUserService(session).create_api_token(user, "tests")[1]


HOSTILE_JSON = [
    (b'{"body": "\xff\xfe"}', 400),
    (b'{"body": "ok\\u0000"}', 422),
    (b'{"body": "nul\x00 raw"}', 400),
    (b'{"body": "\\ud800"}', 400),
    (b"[" * 100_000 + b"]" * 100_000, 400),
    (b'{"body": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 400),
    (b'{"body": NaN}', 400),
    (b'{"body": "x"', 400),
    (b"", 400),
    (b"\xef\xbb\xbf{\"body\": \"bom\"}", 400),
    (json.dumps({"body": "x" * 40_000}).encode(), 422),
    (json.dumps({"body": ">" * 10_000}).encode(), 422),
    (json.dumps({"body": ["not", "text"]}).encode(), 422),
    (json.dumps({"body": "ok", "extra": {"__proto__": 1}}).encode(), 422),
]


def test_hostile_json_bodies_get_a_problem_document(board):
    token = api_token(board)
    before = counts(board)
    for body, status in HOSTILE_JSON:
        response = timed(board.app.post, f"/api/v1/topics/{board.topic_id}/posts", body,
                         headers={"Authorization": f"Bearer {token}"},
                         content_type="application/json", expect_errors=True)
        assert response.status_int == status, (body[:40], response.status, response.text[:500])
        assert_clear_4xx(response)
        assert counts(board) == before
    still_answers(board)


# -- avatar uploads ---------------------------------------------------------------------------

def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 20), "red").save(out, format="PNG")
    return out.getvalue()


def uploaded_files(data_dir: Path) -> list[str]:
    """Every file under the data folder but the search index's and the job queue's."""
    return sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
                  if p.is_file() and p.relative_to(data_dir).parts[0] != "search"
                  and not p.name.startswith("jobs.sqlite"))


def upload_avatar(forum, filename: str, content: bytes, content_type: str = "image/png"):
    return timed(forum.app.post, "/account",
                 {"action": "avatar", "csrf_token": csrf(forum)},
                 upload_files=[("avatar", filename, content, content_type)], expect_errors=True)


AVATAR_NAMES = [
    "../../etc/passwd.png", "/etc/passwd.png", "..\\..\\windows\\win.ini.png",
    "a\x00.png", "x" * 5_000 + ".png", "avatar.php.png", ".htaccess", "%2e%2e%2fescape.png",
    "\u202egnp.exe", "CON.png", "",
]


def test_avatar_file_names_are_never_used(board, tmp_path):
    """Whatever the upload is called, a real picture is stored under a random name inside
    the avatars folder; nothing is written anywhere else."""
    board.login("mira")
    data_dir = Path(board.settings["forum.data_dir"])
    saved = 0
    for filename in AVATAR_NAMES:
        response = upload_avatar(board, filename, png_bytes())
        if response.status_int == 200 and "Your picture was saved." in response.text:
            saved += 1
        else:
            assert_clear_4xx(response)  # a name the form parser refuses: refused clearly
        with board.session() as session:
            stored = session.scalar(select(User.avatar).where(User.username == "mira"))
        assert NAME_RE.match(stored or "1-0123456789abcdef.png"), stored
        # the old picture is removed: exactly the member's current one is on disk
        assert uploaded_files(data_dir) == ([f"avatars/{stored}"] if stored else []), filename
        if stored:
            image = board.app.get(f"/avatars/{stored}", status=200)
            assert image.content_type == "image/png"
            assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert saved >= len(AVATAR_NAMES) - 2  # the name does not matter: the pictures are kept
    assert not (tmp_path / "etc").exists() and not Path("/etc/passwd.png").exists()
    still_answers(board)


NOT_PICTURES = [
    ("avatar.png", b"<script>alert(1)</script>"),
    ("avatar.png", b"GIF89a<script>alert(1)</script>"),
    ("avatar.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("avatar.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ("avatar.png", b""),
    ("avatar.html", b"<html><body>hi</body></html>"),
    ("../../etc/passwd.png", b"root:x:0:0:root:/root:/bin/bash\n"),
]


def test_avatar_uploads_that_are_not_pictures_are_refused(board):
    board.login("mira")
    for filename, content in NOT_PICTURES:
        response = upload_avatar(board, filename, content)
        assert response.status_int == 400, (filename, content[:20], response.status)
        assert_clear_4xx(response, "Upload a PNG, JPEG, GIF or WebP picture.")
        assert uploaded_files(Path(board.settings["forum.data_dir"])) == []
    still_answers(board)


def test_avatar_addresses_cannot_reach_other_files(board):
    for name in ("..%2f..%2fetc%2fpasswd", "%2e%2e", "1-0123456789abcdef.png/..",
                 "1-0123456789ABCDEF.png", "..%5c..%5cx.png"):
        response = timed(board.app.get, f"/avatars/{name}", expect_errors=True)
        assert_clear_4xx(response, "Page not found")
    response = timed(board.app.get, "/avatars/1-0123456789abcdef.png%00", expect_errors=True)
    assert_clear_4xx(response, "NUL character")


# -- cookies and headers, through the real server (waitress) ------------------------------------

def raw_request(url: str, method: str = "GET", path: str = "/",
                headers: dict[str, str] | None = None, body: bytes | None = None,
                ) -> tuple[int, str, str]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    started = time.monotonic()
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        assert time.monotonic() - started < QUICK
        return response.status, response.getheader("Content-Type", ""), text
    finally:
        connection.close()


def test_huge_cookies_and_bytes_in_urls_through_waitress(make_live_forum):  # noqa: F811
    live = make_live_forum(prepare=lambda forum: (forum.create_user("mira"),
                                                  make_category(forum, "General")))
    ok = raw_request(live.url)
    assert ok[0] == 200
    cases = [
        ("forum_csrf 10 KB", {"Cookie": "forum_csrf=" + "a" * 10_000}),
        ("forum_session 10 KB", {"Cookie": "forum_session=" + "b" * 10_000}),
        ("locale 10 KB", {"Cookie": "forum_locale=" + "c" * 10_000}),
        ("many cookies", {"Cookie": "; ".join(f"c{n}={'d' * 50}" for n in range(1_000))}),
        ("bytes in cookies", {"Cookie": "forum_session=\udcff\udcfe".encode(
            "utf-8", "surrogateescape").decode("latin-1")}),
    ]
    for label, headers in cases:
        status, content_type, text = raw_request(live.url, headers=headers)
        assert status in (200, 400, 431), (label, status, text[:300])
        assert "Traceback" not in text, label
        if status != 200:
            assert "text/html" in content_type and "error-page" in text, (label, text[:300])
    # a sign-in form posted with a huge double-submit token and cookie: refused, not a 500
    token = "e" * 10_000
    status, _type, text = raw_request(
        live.url, "POST", "/login", headers={
            "Cookie": f"forum_csrf={token}",
            "Content-Type": "application/x-www-form-urlencoded"},
        body=f"login=mira&password=x&csrf_token={token}".encode())
    assert status in (400, 403), (status, text[:300])
    assert "Traceback" not in text
    for path in ("/search?q=%ff%00", "/%00", "/login?next=%ff"):
        status, _type, text = raw_request(live.url, path=path)
        assert 400 <= status < 500, (path, status, text[:300])
    status, _type, text = raw_request(live.url, headers={"Cookie": "x=" + "f" * 200_000})
    assert status in (200, 400, 431), status
    assert raw_request(live.url)[0] == 200  # and the server still answers
    time.sleep(0.3)  # let waitress close the connections before the fixture stops it


def test_invalid_utf8_in_a_visitors_path_through_waitress(make_live_forum):  # noqa: F811
    live = make_live_forum()
    status, content_type, text = raw_request(live.url, path="/c/%ff")
    assert raw_request(live.url)[0] == 200
    assert status == 400 and "not valid UTF-8" in text, (status, text[:300])
