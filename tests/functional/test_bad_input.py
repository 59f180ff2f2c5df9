"""Bad input gets a clear 4xx page, never a traceback, a 500 or lost data; limits hold."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum_core.content.models import Topic
from tests.functional.test_discussions import make_category, make_topic, topic_path


@pytest.fixture
def board(forum):
    forum.create_user("mira")
    make_category(forum, "General")
    return forum


def csrf(forum) -> str:
    return forum.app.cookies["forum_csrf"]


def test_invalid_utf8_in_a_form_is_a_400(board):
    board.login("mira")
    body = ("title=ok+title&body=%FF%FE&csrf_token=" + csrf(board)).encode()
    page = board.app.post("/c/general/new", body,
                          content_type="application/x-www-form-urlencoded; charset=utf-8",
                          status=400)
    assert "not valid UTF-8" in page.text
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Topic)) == 0


def test_invalid_utf8_in_the_query_string_is_a_400(board):
    page = board.app.get("/c/general?q=%ff", status=400)
    assert "not valid UTF-8" in page.text
    assert board.app.get("/", status=200)


def test_oversized_body_is_refused_before_reading(make_forum):
    forum = make_forum(**{"forum.max_body_bytes": "2048"})
    forum.create_user("mira")
    make_category(forum, "General")
    forum.login("mira")
    page = forum.app.post("/c/general/new", {"title": "Big", "body": "x" * 4000,
                                             "csrf_token": csrf(forum)}, status=413)
    assert "The request is larger than the forum accepts (2 KB at most)" in page.text
    with forum.session() as session:
        assert session.scalar(select(func.count()).select_from(Topic)) == 0


@pytest.mark.parametrize(("title", "body", "message"), [
    ("", "text", "A title has 3 to 200 characters."),
    ("t" * 5000, "text", "A title has 3 to 200 characters."),
    ("t" * 200_000, "text", "A title has 3 to 200 characters."),
    ("Nul\x00title", "text", "NUL character"),
    ("Fine title", "", "Write something first"),
    ("Fine title", "null\x00byte", "NUL character"),
    ("Fine title", "bell\x07", "control characters"),
    ("Fine title", "x" * 40_000, "The text is longer than 32000 characters"),
    ("Fine title", ">" * 10_000, "simplify it"),
    ("Fine title", "[" * 10_000, "simplify it"),
])
def test_bad_topics_are_refused_with_a_message_and_nothing_is_saved(board, title, body, message):
    board.login("mira")
    page = board.app.post("/c/general/new", {"title": title, "body": body,
                                             "csrf_token": csrf(board)}, status=400)
    assert message in page.text
    with board.session() as session:
        assert session.scalar(select(func.count()).select_from(Topic)) == 0


def test_login_is_rate_limited(board):
    form = board.app.get("/login").forms[0]
    for _attempt in range(10):
        form["login"], form["password"] = "mira", "wrong guess"
        form.submit(status=400)
    page = form.submit(status=429)
    assert "Too many attempts" in page.text
    assert int(page.headers["Retry-After"]) > 0
    form["password"] = "correct horse battery"
    form.submit(status=429)  # even the right password waits for the window to end


def test_sign_in_attempts_over_many_accounts_are_limited_per_address(make_forum):
    forum = make_forum(**{"forum.rate_login_address": "5/600"})
    form = forum.app.get("/login").forms[0]
    for n in range(5):
        form["login"], form["password"] = f"someone{n}", "Summer2026!"
        form.submit(status=400)
    form["login"] = "someone-else"
    assert "Too many attempts" in form.submit(status=429).text


def test_posting_is_rate_limited(make_forum):
    forum = make_forum(**{"forum.rate_post": "3/600"})
    forum.create_user("mira")
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general")
    forum.login("mira")
    path = topic_path(forum, topic_id)
    for n in range(3):
        forum.app.post(f"{path}/reply", {"body": f"reply {n}", "csrf_token": csrf(forum)},
                       status=303)
    page = forum.app.post(f"{path}/reply", {"body": "one too many", "csrf_token": csrf(forum)},
                          status=429)
    assert "Too many attempts" in page.text
    assert "one too many" not in forum.app.get(path).text


def test_registration_is_rate_limited(make_forum):
    forum = make_forum(**{"forum.rate_register": "2/3600"})
    for n in range(3):
        form = forum.another_browser().app.get("/register").forms["register-form"]
        form["username"], form["email"] = f"member{n}", f"member{n}@example.com"
        form["password"] = form["password_again"] = "a good password"
        form.submit(status=303 if n < 2 else 429)


def test_bad_rate_setting_stops_start_up(make_forum):
    from forum_core.errors import StartupError

    with pytest.raises(StartupError) as info:
        make_forum(**{"forum.rate_post": "lots"})
    assert "forum.rate_post" in str(info.value) and "like 10/600" in str(info.value)


def test_sessions_survive_a_restart(board):
    """Sign-ins live in the database: a new app process accepts the old cookie."""
    import webtest

    from forum_core.app import close_app, make_wsgi_app

    board.login("mira")
    restarted = webtest.TestApp(make_wsgi_app(board.settings, board.env))
    for name, value in board.app.cookies.items():
        restarted.set_cookie(name, value)
    assert restarted.get("/").html.find(class_="nav-user").text == "mira"
    close_app(restarted.app)
