"""Every route that accepts a state-changing request refuses it without the CSRF token, in
the core and in the bundled plugins; the JSON API refuses a browser session's request without
the ``X-CSRF-Token`` header, for every method it answers."""

from __future__ import annotations

import re

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from forum_core.content.models import Post
from forum_core.moderation.models import Flag
from forum_core.notifications.models import Notification
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: routes whose address carries a signed token that is the authority, as RFC 8058 wants for
#: one-click unsubscribing (a mail program posts without cookies or forms): a forged or
#: stale token is refused instead
SIGNED_ADDRESS = {"email.unsubscribe": "This link cannot unsubscribe you"}
BUNDLED_PLUGINS = ("badges", "events", "groups", "ideas", "kb", "support")
WITH_PLUGINS = pytest.mark.parametrize("plugins", [(), BUNDLED_PLUGINS],
                                       ids=["core", "core+groups+ideas"])


def state_changing_routes(registry) -> set[str]:
    """Names of routes with a view that accepts an unsafe method (or any method)."""
    names = set()
    for view in registry.introspector.get_category("views"):
        intr = view["introspectable"]
        methods = intr["request_methods"]
        if intr["route_name"] and not intr["route_name"].startswith("__static") and (
                methods is None or UNSAFE & set(
                [methods] if isinstance(methods, str) else methods)):
            names.add(intr["route_name"])
    return names


def unsafe_api_methods(registry) -> dict[str, set[str]]:
    """Route name -> the unsafe methods its API endpoints answer (not the 405 fallback)."""
    methods: dict[str, set[str]] = {}
    for view in registry.introspector.get_category("views"):
        intr = view["introspectable"]
        name, accepted = intr["route_name"], intr["request_methods"]
        if name and name.startswith("api.") and accepted is not None:
            accepted = {accepted} if isinstance(accepted, str) else set(accepted)
            if UNSAFE & accepted:
                methods.setdefault(name, set()).update(UNSAFE & accepted)
    return methods


def prepare(forum) -> dict[str, str]:
    """A board with a topic, a reply, a flag and a notification; values for route patterns."""
    forum.create_user("boss", role="admin")
    forum.create_user("mira")
    make_category(forum, "General")
    topic_id = make_topic(forum, "mira", "general")
    reply_as(forum, "boss", topic_id, "hi @mira")
    with forum.session() as session:
        post_id = session.scalar(select(Post.id).order_by(Post.id))
        session.add(Flag(post_id=post_id, user_id=1, reason="test"))
    with forum.session() as session:
        flag_id = session.scalar(select(Flag.id))
        notification_id = session.scalar(select(Notification.id))
    values = {"slug": "general", "topic_id": str(topic_id), "post_id": str(post_id),
              "username": "mira", "flag_id": str(flag_id), "token": "x" * 20,
              "notification_id": str(notification_id), "name": "1-0123456789abcdef.png",
              # the plugins' routes: their views look these up after the CSRF check
              "idea_id": str(topic_id), "request_id": "1"}
    forum.login("boss")
    return values


def route_paths(forum, values: dict[str, str]) -> dict[str, str]:
    mapper = forum.app.app.registry.getUtility(IRoutesMapper)
    # the routes of plugins, added under a prefix, have patterns without the leading slash
    return {route.name: "/" + re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group()),
                                     route.pattern).lstrip("/")
            for route in mapper.get_routes()}


@WITH_PLUGINS
def test_every_state_changing_route_needs_the_token(make_forum, plugins):
    forum = make_forum(plugins=plugins)
    values = prepare(forum)
    registry = forum.app.app.registry
    paths = route_paths(forum, values)
    checked = []
    for name in sorted(state_changing_routes(registry)):
        path = paths[name]
        for token in (None, "wrong-token"):
            data = {} if token is None else {"csrf_token": token}
            response = forum.app.post(path, data, status="*", expect_errors=True)
            assert response.status_int == 400, (name, path, response.status_int)
            if name.startswith("api."):  # the JSON API answers with a problem document
                assert response.json["title"] == "CSRF token missing", name
            elif name in SIGNED_ADDRESS:
                assert SIGNED_ADDRESS[name] in response.text, name
            else:
                assert "The form has expired" in response.text, name
        checked.append(name)
    # the routes the forum has today that change state; new ones are checked automatically
    assert {"accounts.login", "accounts.logout", "accounts.register", "accounts.settings",
            "content.new_topic", "content.reply", "content.edit", "moderation.topic",
            "moderation.post", "moderation.flag", "moderation.member",
            "notifications.read_all"} <= set(checked)
    assert any(name.startswith("api.") and name.endswith("posts.list") for name in checked)
    if plugins:
        assert {"groups.new", "groups.group", "groups.manage", "groups.announce",
                "groups.invite", "ideas.vote", "ideas.status", "ideas.merge", "ideas.boards",
                "ideas.new"} <= set(checked)
        assert any(name.startswith("api.") and name.endswith("groups.join") for name in checked)


@WITH_PLUGINS
def test_every_api_method_needs_the_header_with_a_session_cookie(make_forum, plugins):
    """PUT, PATCH, DELETE and POST of every API endpoint, core and plugins: a signed-in
    browser's request without the X-CSRF-Token header, or with a wrong one, is a 400 problem;
    with the right header the CSRF check lets it through to the endpoint."""
    forum = make_forum(plugins=plugins)
    values = prepare(forum)
    paths = route_paths(forum, values)
    patterns = route_paths(forum, {})
    token = forum.app.cookies["forum_csrf"]
    checked = set()
    for name, methods in sorted(unsafe_api_methods(forum.app.app.registry).items()):
        for method in sorted(methods):
            for header in (None, "wrong-token", token[:-1], token + "x"):
                headers = {} if header is None else {"X-CSRF-Token": header}
                response = forum.app.request(
                    paths[name], method=method, headers=headers, body=b"{}",
                    content_type="application/json", expect_errors=True)
                assert response.status_int == 400, (name, method, header, response.status)
                assert response.content_type == "application/problem+json", (name, method)
                assert response.json["title"] == "CSRF token missing", (name, method)
            right = forum.app.request(paths[name], method=method,
                                      headers={"X-CSRF-Token": token}, body=b"{}",
                                      content_type="application/json", expect_errors=True)
            assert right.status_int < 500, (name, method, right.status)
            assert right.status_int != 400 or right.json["title"] != "CSRF token missing", (
                name, method)
            checked.add((method, patterns[name].removeprefix("/api/v1")))
    assert {("POST", "/topics/{topic_id}/posts"), ("PATCH", "/posts/{post_id}"),
            ("DELETE", "/posts/{post_id}"), ("POST", "/categories/{slug}/topics"),
            ("POST", "/notifications/read")} <= checked
    if plugins:
        assert {("POST", "/groups"), ("PATCH", "/groups/{slug}/membership"),
                ("DELETE", "/groups/{slug}/membership"),
                ("DELETE", "/groups/{slug}/members/{username}"),
                ("PUT", "/ideas/{idea_id}/vote"), ("DELETE", "/ideas/{idea_id}/vote"),
                ("PUT", "/ideas/{idea_id}/status"), ("POST", "/ideas/{idea_id}/merge")} <= checked


def test_a_bearer_token_needs_no_csrf_header_but_a_cookie_does(forum):
    """The exemption is for the Authorization header alone: a session cookie sent with a
    malformed or empty Authorization header still needs the CSRF header."""
    values = prepare(forum)
    path = route_paths(forum, values)
    reply_route = next(name for name, pattern in route_paths(forum, {}).items()
                       if pattern == "/api/v1/topics/{topic_id}/posts")
    for authorization in ("Basic Ym9zczpwYXNz", "Bearer", "bearer", "Token abc"):
        response = forum.app.post(path[reply_route], b'{"body": "hi"}',
                                  headers={"Authorization": authorization},
                                  content_type="application/json", expect_errors=True)
        if response.status_int == 400:
            assert response.json["title"] == "CSRF token missing", authorization
        else:  # treated as a (bad) bearer token: refused as unauthenticated, nothing posted
            assert response.status_int == 401, (authorization, response.status)
    with forum.session() as session:
        assert session.scalar(select(Post.id).where(Post.source == "hi")) is None
