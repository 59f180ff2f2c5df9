"""The core's API endpoints: thin views over the same services, queries and visibility rules
as the HTML pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyramid.request import Request
from sqlalchemy import select

from ..content.interfaces import IContentService
from ..db import starts_with
from ..errors import ValidationError
from ..i18n import _
from ..moderation.services import DatabaseModerationService
from ..notifications.services import DatabaseNotificationService
from ..pagination import BadCursor
from ..ratelimit import count_post
from ..search.service import FILTERS, clean_params, find_similar, run_search
from ..visibility import queries
from ..visibility.resources import CategoryResource, PostResource, TopicResource
from ..web.httpcache import same_for_every_visitor
from .endpoints import ApiEndpoint, ApiProblem
from .schemas import (
    category_json,
    notification_json,
    post_json,
    ref,
    search_result_json,
    topic_json,
    user_json,
    user_ref,
)

#: possible duplicates offered while a title is typed
SIMILAR_LIMIT = 5

CURSOR = {"name": "cursor", "in": "query", "required": False,
          "description": "Where the page starts: the `next` link of the previous page.",
          "schema": {"type": "string", "maxLength": 200}}


def invalid(exc: ValidationError) -> ApiProblem:
    return ApiProblem(422, _("Invalid request"), exc.message)


def bad_cursor() -> ApiProblem:
    return ApiProblem(400, _("Invalid cursor"), _(
        "The cursor was not made by this forum; start again from the first page."))


def page(request: Request, items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """A list endpoint's answer, with the link to the next page keeping the other parameters."""
    link = None
    if next_cursor is not None:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        link = request.path_url + "?" + urlencode({**query, "cursor": next_cursor})
    return {"items": items, "links": {"next": link}}


# -- categories and topics ---------------------------------------------------------------------

def list_categories(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    found = queries.categories(request.db, request.viewer)
    return page(request, [category_json(request, c, bool(request.has_permission(
        "start_topic", CategoryResource(request, c)))) for c in found], None)


def list_topics(context: CategoryResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    try:
        found = queries.topics_page(request.db, request.viewer, context.category,
                                    request.GET.get("cursor") or None)
    except BadCursor:
        raise bad_cursor() from None
    return page(request, [topic_json(request, t, False) for t in found.items],
                found.next_cursor)


def create_topic(context: CategoryResource, request: Request) -> dict[str, Any]:
    count_post(request)
    data = request.api_data
    try:
        topic = request.find_service(IContentService).create_topic(
            request.user, context.category, data["title"], data["body"])
    except ValidationError as exc:
        raise invalid(exc) from None
    return topic_json(request, topic, True)


def read_topic(context: TopicResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    return topic_json(request, context.topic, bool(request.has_permission("reply", context)))


def list_posts(context: TopicResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    raw = request.GET.get("cursor", "0")
    if not raw.isdigit() or len(raw) > 9:
        raise bad_cursor()
    found = queries.posts_page(request.db, request.viewer, context.topic, int(raw))
    return page(request, [post_json(request, p, context.topic) for p in found.items],
                found.next_cursor)


def reply(context: TopicResource, request: Request) -> dict[str, Any]:
    count_post(request)
    try:
        post = request.find_service(IContentService).reply(
            request.user, context.topic, request.api_data["body"])
    except ValidationError as exc:
        raise invalid(exc) from None
    return post_json(request, post, context.topic)


# -- posts ---------------------------------------------------------------------------------------

def read_post(context: PostResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    return post_json(request, context.post, context.topic)


def edit_post(context: PostResource, request: Request) -> dict[str, Any]:
    try:
        request.find_service(IContentService).edit_post(
            request.user, context.post, request.api_data["body"])
    except ValidationError as exc:
        raise invalid(exc) from None
    return post_json(request, context.post, context.topic)


def delete_post(context: PostResource, request: Request) -> None:
    if context.post.is_deleted:
        return
    DatabaseModerationService(request.db).set_post_state(request.user, context.post, "delete")


# -- members, search, notifications ------------------------------------------------------------

def read_user(context: Any, request: Request) -> dict[str, Any]:
    from ..accounts.interfaces import IUserService

    same_for_every_visitor(request)
    member = request.find_service(IUserService).get_by_username(
        request.matchdict["username"][:40])
    if member is None or member.status == "banned":
        raise ApiProblem(404, _("Not found"), _("There is no member with this username."))
    return user_json(request, member)


def find_users(context: Any, request: Request) -> dict[str, Any]:
    """Members whose username starts with ``prefix`` (mention completion in the editor)."""
    from ..accounts.models import User

    same_for_every_visitor(request)
    prefix = request.GET.get("prefix", "").strip().lower()[:30]
    if not prefix:
        raise ApiProblem(400, _("Invalid request"), _("Give the first letters of a username."))
    found = request.db.scalars(
        select(User).where(starts_with(User.username, prefix), User.status != "banned")
        .order_by(User.username).limit(8))
    return page(request, [user_ref(request, user) for user in found], None)


def me(context: Any, request: Request) -> dict[str, Any]:
    user = request.user
    unread = DatabaseNotificationService(request.db).unread_count(request)
    return {"username": user.username, "name": user.name, "email": user.email,
            "role": user.role, "locale": user.locale or "", "unread_notifications": unread,
            "url": request.route_url("accounts.profile", username=user.username)}


def search(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    params = clean_params(request.GET)
    if "cursor" in request.GET:
        cursor = request.GET["cursor"]
        if not cursor.isdigit() or len(cursor) > 4:
            raise bad_cursor()
        params["page"] = cursor
    if not params.get("q"):
        raise ApiProblem(400, _("Invalid request"), _("Enter at least one word to search for."))
    try:
        found = run_search(request, params)
    except ValidationError as exc:
        raise ApiProblem(400, _("Invalid search"), exc.message) from None
    next_cursor = str(found.page + 1) if found.page < found.pages else None
    return {**page(request, [search_result_json(request, r) for r in found.results],
                   next_cursor), "total": found.total, "capped": found.capped}


def similar(context: Any, request: Request) -> dict[str, Any]:
    """What the caller may see that shares words with ``text`` (e.g. a new topic's title)."""
    same_for_every_visitor(request)
    text = request.GET.get("text", "")
    if len(text) > 1000:
        raise ApiProblem(400, _("Invalid request"), _("The text is too long."))
    types = [t for t in request.GET.getall("type") if t][:10]
    found = find_similar(request, text, types=types, limit=SIMILAR_LIMIT)
    return {"items": [search_result_json(request, r) for r in found], "links": {"next": None}}


def notifications(context: Any, request: Request) -> dict[str, Any]:
    raw = request.GET.get("cursor", "")
    if raw and (not raw.isdigit() or len(raw) > 18):
        raise bad_cursor()
    items, next_cursor = DatabaseNotificationService(request.db).page(
        request, int(raw) if raw else None)
    return page(request, [notification_json(request, n) for n in items],
                None if next_cursor is None else str(next_cursor))


def read_all_notifications(context: Any, request: Request) -> None:
    DatabaseNotificationService(request.db).mark_all_read(request)


def _search_parameters() -> tuple[dict[str, Any], ...]:
    described = {
        "q": "Words, \"phrases\", -excluded, prefix*.",
        "type": "Content type: topic, post, or a plugin's type.",
        "category": "A category's slug.",
        "author": "A member's username.",
        "from": "Created on or after this day (YYYY-MM-DD).",
        "to": "Created on or before this day (YYYY-MM-DD).",
        "status": "Status, for content types that have one.",
        "sort": "relevance (default) or newest.",
    }
    return tuple({"name": name, "in": "query", "required": name == "q",
                  "description": described[name],
                  "schema": {"type": "string", "maxLength": 300}}
                 for name in FILTERS if name in described) + (CURSOR,)


CORE_ENDPOINTS = [
    ApiEndpoint("categories.list", "GET", "/categories", list_categories,
                "Categories the caller may read", response_schema=ref("CategoryPage"),
                tag="discussions"),
    ApiEndpoint("topics.list", "GET", "/categories/{slug}/topics", list_topics,
                "Topics of a category, pinned first, then latest activity",
                factory=CategoryResource, parameters=(CURSOR,),
                response_schema=ref("TopicPage"), tag="discussions"),
    ApiEndpoint("topics.create", "POST", "/categories/{slug}/topics", create_topic,
                "Start a topic", factory=CategoryResource, permission="start_topic",
                request_schema=ref("NewTopic"), response_schema=ref("Topic"), status=201,
                signed_in=True, tag="discussions"),
    ApiEndpoint("topics.read", "GET", "/topics/{topic_id}", read_topic, "One topic",
                factory=TopicResource, response_schema=ref("Topic"), tag="discussions"),
    ApiEndpoint("posts.list", "GET", "/topics/{topic_id}/posts", list_posts,
                "Posts of a topic in order", factory=TopicResource, parameters=(CURSOR,),
                response_schema=ref("PostPage"), tag="discussions"),
    ApiEndpoint("posts.create", "POST", "/topics/{topic_id}/posts", reply, "Reply to a topic",
                factory=TopicResource, permission="reply", request_schema=ref("PostBody"),
                response_schema=ref("Post"), status=201, signed_in=True, tag="discussions"),
    ApiEndpoint("posts.read", "GET", "/posts/{post_id}", read_post, "One post",
                factory=PostResource, response_schema=ref("Post"), tag="discussions"),
    ApiEndpoint("posts.edit", "PATCH", "/posts/{post_id}", edit_post,
                "Change a post's text (the previous text is kept as a revision)",
                factory=PostResource, permission="edit", request_schema=ref("PostBody"),
                response_schema=ref("Post"), signed_in=True, tag="discussions"),
    ApiEndpoint("posts.delete", "DELETE", "/posts/{post_id}", delete_post, "Delete a post",
                factory=PostResource, permission="delete", status=204, signed_in=True,
                tag="discussions"),
    ApiEndpoint("users.find", "GET", "/users", find_users,
                "Members whose username starts with the given letters",
                parameters=({"name": "prefix", "in": "query", "required": True,
                             "description": "The first letters of a username.",
                             "schema": {"type": "string", "maxLength": 30}},),
                response_schema=ref("UserRefPage"), tag="members"),
    ApiEndpoint("users.read", "GET", "/users/{username}", read_user,
                "A member's public profile", response_schema=ref("User"), tag="members"),
    ApiEndpoint("users.me", "GET", "/me", me, "The signed-in member", permission="account",
                response_schema=ref("Me"), signed_in=True, tag="members"),
    ApiEndpoint("search", "GET", "/search", search,
                "Search what the caller may see", parameters=_search_parameters(),
                response_schema=ref("SearchPage"), tag="search"),
    ApiEndpoint("search.similar", "GET", "/similar", similar,
                "Possible duplicates: what shares the most words with a text",
                parameters=({"name": "text", "in": "query", "required": True,
                             "description": "A title or sentence, e.g. of a new topic.",
                             "schema": {"type": "string", "maxLength": 1000}},
                            {"name": "type", "in": "query", "required": False,
                             "description": "Document types to look in (all by default).",
                             "schema": {"type": "array", "items": {"type": "string"}},
                             "style": "form", "explode": True}),
                response_schema=ref("SearchResultPage"), tag="search"),
    ApiEndpoint("notifications.list", "GET", "/notifications", notifications,
                "The caller's notifications, newest first", permission="account",
                parameters=(CURSOR,), response_schema=ref("NotificationPage"), signed_in=True,
                tag="members"),
    ApiEndpoint("notifications.read_all", "POST", "/notifications/read", read_all_notifications,
                "Mark all notifications as read", permission="account", status=204,
                signed_in=True, tag="members"),
]
