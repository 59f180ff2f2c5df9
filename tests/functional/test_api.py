"""The JSON API v1 through the real WSGI app: tokens, permissions, errors, pagination and the
OpenAPI document (schemathesis runs over it in test_api_schema.py)."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select, text

from forum_core.accounts.models import ApiToken, User
from forum_core.content.models import Post
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

PROBLEM = "application/problem+json"


@pytest.fixture
def board(forum):
    forum.create_user("mira")
    forum.create_user("nils")
    forum.create_user("mod", role="moderator")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    return forum


def create_token(forum, username, name="script"):
    """A token made the way a member makes one: on the account page."""
    browser = forum.another_browser()
    browser.login(username)
    form = browser.app.get("/account").forms["create-token-form"]
    form["token_name"] = name
    page = form.submit()
    return page.html.select_one("#new-token")["value"], browser


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def problem(response, status):
    assert response.status_int == status, response.text
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_tokens_are_created_shown_once_stored_hashed_and_revoked(board):
    token, browser = create_token(board, "mira", "backup script")
    me = board.app.get("/api/v1/me", headers=bearer(token))
    assert me.json["username"] == "mira"
    page = browser.app.get("/account")
    assert page.html.select_one("#new-token") is None  # shown once only
    assert "backup script" in page.html.select_one(".token-list").text
    assert token[:10] in page.text and token not in page.text
    with board.session() as session:
        stored = session.scalar(select(ApiToken))
        assert stored.token_hash != token and token not in stored.token_hash
        dump = json.dumps([list(r) for r in session.execute(text("SELECT * FROM api_tokens"))],
                          default=str)
        assert token not in dump

    revoke = page.forms[f"revoke-token-{stored.id}"].submit()
    assert "revoked" in revoke.text
    body = problem(board.app.get("/api/v1/me", headers=bearer(token), status=401), 401)
    assert "revoked" in body["detail"]
    assert board.app.get("/api/v1/me", headers=bearer("forum_nonsense"),
                         status=401).headers["WWW-Authenticate"].startswith("Bearer")
    # another member cannot revoke someone else's token
    other, _ = create_token(board, "nils")
    with board.session() as session:
        nils_token = session.scalar(select(ApiToken).where(ApiToken.name == "script"))
    csrf = browser.app.get("/account").forms["create-token-form"]["csrf_token"].value
    response = browser.app.post("/account", {"action": "revoke_token", "csrf_token": csrf,
                                             "token_id": str(nils_token.id)}, status=400)
    assert "does not exist" in response.text
    assert board.app.get("/api/v1/me", headers=bearer(other)).json["username"] == "nils"


def test_a_token_has_the_members_permissions_and_needs_no_csrf(board):
    token, _ = create_token(board, "mira")
    created = board.app.post_json("/api/v1/categories/general/topics",
                                  {"title": "From a script", "body": "Hello **API**"},
                                  headers=bearer(token), status=201)
    topic = created.json
    assert topic["title"] == "From a script" and topic["author"]["username"] == "mira"
    reply = board.app.post_json(f"/api/v1/topics/{topic['id']}/posts", {"body": "More"},
                                headers=bearer(token), status=201).json
    assert reply["number"] == 2 and reply["html"] == "<p>More</p>"

    nils, _ = create_token(board, "nils")
    problem(board.app.patch_json(f"/api/v1/posts/{reply['id']}", {"body": "mine now"},
                                 headers=bearer(nils), status=403), 403)
    problem(board.app.delete(f"/api/v1/posts/{reply['id']}", headers=bearer(nils),
                             status=403), 403)
    problem(board.app.post_json("/api/v1/categories/staff/topics", {"title": "x" * 5,
                                                                    "body": "y"},
                                headers=bearer(token), status=404), 404)
    edited = board.app.patch_json(f"/api/v1/posts/{reply['id']}", {"body": "Edited"},
                                  headers=bearer(token)).json
    assert edited["body"] == "Edited" and edited["edited_at"]
    board.app.delete(f"/api/v1/posts/{reply['id']}", headers=bearer(token), status=204)
    problem(board.app.get(f"/api/v1/posts/{reply['id']}", headers=bearer(nils), status=404),
            404)
    # anonymous callers are told how to authenticate
    anonymous = board.app.post_json(f"/api/v1/topics/{topic['id']}/posts", {"body": "hi"},
                                    status=401)
    problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_browser_session_works_with_the_csrf_header(board):
    browser = board.another_browser()
    browser.login("mira")
    body = problem(browser.app.post_json("/api/v1/categories/general/topics",
                                         {"title": "Session topic", "body": "text"},
                                         status=400), 400)
    assert "X-CSRF-Token" in body["detail"]
    csrf = browser.app.get("/account").forms["create-token-form"]["csrf_token"].value
    browser.app.post_json("/api/v1/categories/general/topics",
                          {"title": "Session topic", "body": "text"},
                          headers={"X-CSRF-Token": csrf}, status=201)
    # a Bearer header with a bad token does not fall back to the cookie
    problem(browser.app.get("/api/v1/me", headers=bearer("forum_wrong"), status=401), 401)


def test_lists_paginate_with_cursor_links(board):
    token, _ = create_token(board, "mira")
    for number in range(35):
        make_topic(board, "mira", "general", f"Topic number {number:02d}")
    seen, url = [], "/api/v1/categories/general/topics"
    while url:
        body = board.app.get(url).json
        seen += [t["title"] for t in body["items"]]
        url = body["links"]["next"]
    assert len(seen) == 35 and len(set(seen)) == 35
    topic_id = make_topic(board, "mira", "general", "Long thread")
    for number in range(25):
        reply_as(board, "nils", topic_id, f"reply {number}")
    first = board.app.get(f"/api/v1/topics/{topic_id}/posts").json
    second = board.app.get(first["links"]["next"]).json
    assert [p["number"] for p in first["items"] + second["items"]] == list(range(1, 27))
    assert second["links"]["next"] is None
    problem(board.app.get(f"/api/v1/topics/{topic_id}/posts?cursor=abc", status=400), 400)
    problem(board.app.get("/api/v1/categories/general/topics?cursor=%%%", status=400), 400)
    categories = board.app.get("/api/v1/categories", headers=bearer(token)).json["items"]
    assert [c["slug"] for c in categories] == ["general"]
    assert categories[0]["can_start_topic"] is True


def test_bad_requests_get_problem_documents(board):
    token, _ = create_token(board, "mira")
    url = "/api/v1/categories/general/topics"
    body = problem(board.app.post(url, "{not json", headers={
        **bearer(token), "Content-Type": "application/json"}, status=400), 400)
    assert "JSON" in body["detail"]
    problem(board.app.post(url, "title=x", headers={
        **bearer(token), "Content-Type": "application/x-www-form-urlencoded"}, status=415), 415)
    body = problem(board.app.post_json(url, {"title": 5, "extra": True}, headers=bearer(token),
                                       status=422), 422)
    assert {e["field"] for e in body["errors"]} == {"title", "body", "extra"}
    body = problem(board.app.post_json(url, {"title": "ab", "body": "x"}, headers=bearer(token),
                                       status=422), 422)
    assert body["errors"] == [{"field": "title", "message": "must have at least 3 characters"}]
    # the schema's pattern: three characters besides white space, no control characters
    for title in ("  a  ", "Tab\tis fine but\nnot a line end"):
        body = problem(board.app.post_json(url, {"title": title, "body": "x"},
                                           headers=bearer(token), status=422), 422)
        assert "title" in body["detail"].lower(), title
    problem(board.app.get("/api/v1/nothing-here", status=404), 404)
    problem(board.app.get("/api/v1/topics/999999", status=404), 404)
    problem(board.app.get("/api/v1/topics/notanumber", status=404), 404)
    not_allowed = board.app.put_json("/api/v1/categories", {}, headers=bearer(token),
                                     status=405)
    problem(not_allowed, 405)
    assert not_allowed.headers["Allow"] == "GET"
    problem(board.app.get("/api/v1/users/nobody", status=404), 404)
    problem(board.app.get("/api/v1/search", status=400), 400)
    problem(board.app.get("/api/v1/search?q=%22", status=400), 400)
    huge = board.app.post(url, b"x" * (5 * 1024 * 1024), headers={
        **bearer(token), "Content-Type": "application/json"}, status=413)
    problem(huge, 413)


def test_posting_is_rate_limited_with_retry_after(make_forum):
    forum = make_forum(**{"forum.rate_post": "2/600"})
    forum.create_user("mira")
    make_category(forum, "General")
    token, _ = create_token(forum, "mira")
    for number in range(2):
        forum.app.post_json("/api/v1/categories/general/topics",
                            {"title": f"Flood {number}", "body": "x"}, headers=bearer(token),
                            status=201)
    limited = forum.app.post_json("/api/v1/categories/general/topics",
                                  {"title": "Flood 3", "body": "x"}, headers=bearer(token),
                                  status=429)
    problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0


def test_search_users_and_notifications(board):
    topic_id = make_topic(board, "mira", "general", "Kayak trip", "Paddles and kayaks.")
    make_topic(board, "mod", "staff", "Kayak budget", "Secret kayak money.")
    reply_as(board, "nils", topic_id, "Count me in, @mira")
    reply_as(board, "mod", topic_id, "Have fun")
    found = board.app.get("/api/v1/search", params={"q": "kayak*"}).json
    assert [r["title"] for r in found["items"]] == ["Kayak trip"]
    assert found["total"] == 1 and "<mark>" in found["items"][0]["snippet"]
    assert board.app.get("/api/v1/users/mira").json["username"] == "mira"
    token, _ = create_token(board, "mira")
    notes = board.app.get("/api/v1/notifications", headers=bearer(token)).json["items"]
    assert {n["kind"] for n in notes} == {"reply", "mention"}
    assert board.app.get("/api/v1/me", headers=bearer(token)).json["unread_notifications"] == 2
    board.app.post("/api/v1/notifications/read", headers=bearer(token), status=204)
    assert board.app.get("/api/v1/me", headers=bearer(token)).json["unread_notifications"] == 0
    problem(board.app.get("/api/v1/notifications", status=401), 401)
    mod, _ = create_token(board, "mod")
    staff = board.app.get("/api/v1/search", params={"q": "kayak*"}, headers=bearer(mod)).json
    assert {r["title"] for r in staff["items"]} == {"Kayak trip", "Kayak budget"}


def test_openapi_describes_every_served_endpoint_including_plugins(make_forum):
    from pyramid.interfaces import IRoutesMapper

    from tests.conftest import plugin_entry_points

    forum = make_forum(plugins=("finder",), entry_points=plugin_entry_points())
    forum.create_user("wanda", role="moderator")
    doc = forum.app.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # against the OpenAPI 3.1 specification's own schema
    mapper = forum.app.app.registry.getUtility(IRoutesMapper)
    served = {route.pattern for route in mapper.get_routes()
              if route.pattern.startswith("/api/v1/") and route.name != "api.openapi"}
    assert served == set(doc["paths"])
    assert "/api/v1/finder/roles" in doc["paths"]
    assert forum.app.get("/api/v1/finder/roles?role=moderator").json == {
        "role": "moderator", "usernames": ["wanda"]}
    problem(forum.app.get("/api/v1/finder/roles?role=king", status=400), 400)
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op["responses"], (path, method)
            assert op["operationId"] and op["summary"]
    # the schemas named by operations exist
    text_doc = json.dumps(doc)
    for name in {part.split('"')[0] for part in text_doc.split("#/components/schemas/")[1:]}:
        assert name in doc["components"]["schemas"], name
    with forum.session() as session:
        assert session.scalar(select(User).where(User.username == "wanda"))
        assert session.scalar(select(Post)) is None
