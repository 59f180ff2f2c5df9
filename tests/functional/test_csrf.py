"""Every route that accepts a state-changing request refuses it without the CSRF token."""

from __future__ import annotations

import re

from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from forum_core.content.models import Post
from forum_core.moderation.models import Flag
from forum_core.notifications.models import Notification
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


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


def test_every_state_changing_route_needs_the_token(forum):
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
              "notification_id": str(notification_id), "name": "1-0123456789abcdef.png"}
    forum.login("boss")
    registry = forum.app.app.registry
    mapper = registry.getUtility(IRoutesMapper)
    routes = {route.name: route.pattern for route in mapper.get_routes()}
    checked = []
    for name in sorted(state_changing_routes(registry)):
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], routes[name])
        for token in (None, "wrong-token"):
            data = {} if token is None else {"csrf_token": token}
            response = forum.app.post(path, data, status="*", expect_errors=True)
            assert response.status_int == 400, (name, path, response.status_int)
            if name.startswith("api."):  # the JSON API answers with a problem document
                assert response.json["title"] == "CSRF token missing", name
            else:
                assert "The form has expired" in response.text, name
        checked.append(name)
    # the routes the forum has today that change state; new ones are checked automatically
    assert {"accounts.login", "accounts.logout", "accounts.register", "accounts.settings",
            "content.new_topic", "content.reply", "content.edit", "moderation.topic",
            "moderation.post", "moderation.flag", "moderation.member",
            "notifications.read_all"} <= set(checked)
    assert any(name.startswith("api.") and name.endswith("posts.list") for name in checked)
