"""The core's API endpoints: thin views over the same services, queries and visibility rules
as the HTML pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyramid.request import Request
from sqlalchemy import select

from ..content.interfaces import IContentService, ITagService
from ..content.likes import liked_post_ids
from ..content.tags import TOPIC, Tag, tags_by_slugs, tags_of
from ..db import starts_with
from ..drafts.interfaces import IDraftService
from ..drafts.services import parse_key
from ..errors import NotFoundError, ValidationError
from ..i18n import _
from ..limits import SEARCH_TEXT_MAX, SIMILAR_TEXT_MAX, USERNAME_MAX, parse_id
from ..moderation.services import DatabaseModerationService
from ..notifications.services import DatabaseNotificationService
from ..pagination import BadCursor
from ..ratelimit import count_post
from ..search.service import (
    DATE_PATTERN,
    FILTERS,
    SORTS,
    clean_params,
    find_similar,
    run_search,
)
from ..visibility import queries
from ..visibility.resources import CategoryResource, PostResource, TopicResource
from ..web.httpcache import same_for_every_visitor
from .endpoints import ApiEndpoint, ApiProblem
from .schemas import (
    NUMBER_CURSOR,
    SLUG,
    USERNAME,
    category_json,
    cursor_parameter,
    draft_json,
    notification_json,
    post_json,
    query_parameter,
    ref,
    search_result_json,
    topic_json,
    user_json,
    user_ref,
)

#: possible duplicates offered while a title is typed
SIMILAR_LIMIT = 5
#: at most this many members are offered to complete a mention
MENTION_CHOICES = 8

NUMBER_CURSOR_PARAMETER = cursor_parameter(NUMBER_CURSOR["pattern"])


def bad_cursor() -> ApiProblem:
    return ApiProblem(400, _("Invalid cursor"), _(
        "The cursor was not made by this forum; start again from the first page."))


def number_cursor(request: Request, default: int | None) -> int | None:
    """The numeric ``cursor`` of a list's query string (``default`` without one)."""
    if "cursor" not in request.GET:
        return default
    found = parse_id(request.GET["cursor"])
    if found is None:
        raise bad_cursor()
    return found


def required_query(request: Request, name: str, minimum: int, maximum: int, what: str) -> str:
    """A required query parameter of ``minimum`` to ``maximum`` characters; ``what`` says in
    a sentence what to send when it is missing, too short or too long."""
    value = request.GET.get(name)
    if value is None or not minimum <= len(value) <= maximum:
        raise ApiProblem(400, _("Invalid request"), what)
    return value


def page(request: Request, items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """A list endpoint's answer, with the link to the next page keeping the other parameters."""
    link = None
    if next_cursor is not None:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        link = request.path_url + "?" + urlencode({**query, "cursor": next_cursor})
    return {"items": items, "links": {"next": link}}


# -- categories and topics ---------------------------------------------------------------------

#: at most this many tags in one filter
FILTER_TAGS_MAX = 5

#: at most FILTER_TAGS_MAX slugs separated by commas, no NUL
TAGS_PATTERN = f"^[^,\\u0000]*(,[^,\\u0000]*){{0,{FILTER_TAGS_MAX - 1}}}$"
TAGS_PARAMETER = query_parameter(
    "tags", "Only topics with all these tags: their slugs, separated by commas.",
    {"type": "string", "minLength": 1, "maxLength": 500, "pattern": TAGS_PATTERN})


def filter_tags(request: Request) -> list[Tag]:
    """The tags of a list's ``tags`` parameter (none: no filter), or a 404 problem naming
    a tag that does not exist."""
    raw = request.GET.get("tags")
    if raw is None:
        return []
    items = raw.split(",")
    slugs = [slug for slug in items if slug.strip()]
    if not raw or len(raw) > 500 or len(items) > FILTER_TAGS_MAX:
        raise ApiProblem(400, _("Invalid request"), _(
            "Give 1 to ${maximum} tag slugs in 'tags', separated by commas (500 characters at "
            "most).",
            mapping={"maximum": FILTER_TAGS_MAX}))
    try:
        return tags_by_slugs(request.db, slugs)
    except NotFoundError as exc:
        raise ApiProblem(404, _("Not found"), exc.message) from None


def list_categories(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    found = queries.categories(request.db, request.viewer)
    return page(request, [category_json(request, c, bool(request.has_permission(
        "start_topic", CategoryResource(request, c)))) for c in found], None)


def list_topics(context: CategoryResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    tags = filter_tags(request)
    try:
        found = queries.topics_page(request.db, request.viewer, context.category,
                                    request.GET.get("cursor"), tag_ids=[t.id for t in tags])
    except BadCursor:
        raise bad_cursor() from None
    shown = tags_of(request.db, TOPIC, [t.id for t in found.items])
    return page(request, [topic_json(request, t, False, shown) for t in found.items],
                found.next_cursor)


def create_topic(context: CategoryResource, request: Request) -> dict[str, Any]:
    data = request.api_data
    names = data.get("tags", [])
    tagger = request.find_service(ITagService)
    if names:  # refused before the topic is made: a refusal leaves nothing behind
        tagger.check_tags(request.user, names)
    count_post(request)
    topic = request.find_service(IContentService).create_topic(
        request.user, context.category, data["title"], data["body"])
    if names:
        tagger.set_tags(request.user, TOPIC, topic.id, names)
    return topic_json(request, topic, True)


def read_topic(context: TopicResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    return topic_json(request, context.topic, bool(request.has_permission("reply", context)))


def list_posts(context: TopicResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    after = number_cursor(request, 0)
    found = queries.posts_page(request.db, request.viewer, context.topic, after or 0)
    liked = liked_post_ids(request.db, request.viewer.user_id, [p.id for p in found.items])
    return page(request, [post_json(request, p, context.topic, p.id in liked)
                          for p in found.items], found.next_cursor)


def reply(context: TopicResource, request: Request) -> dict[str, Any]:
    count_post(request)
    post = request.find_service(IContentService).reply(
        request.user, context.topic, request.api_data["body"])
    return post_json(request, post, context.topic)


# -- posts ---------------------------------------------------------------------------------------

def read_post(context: PostResource, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    liked = liked_post_ids(request.db, request.viewer.user_id, [context.post.id])
    return post_json(request, context.post, context.topic, context.post.id in liked)


def edit_post(context: PostResource, request: Request) -> dict[str, Any]:
    request.find_service(IContentService).edit_post(
        request.user, context.post, request.api_data["body"])
    liked = liked_post_ids(request.db, request.viewer.user_id, [context.post.id])
    return post_json(request, context.post, context.topic, context.post.id in liked)


def delete_post(context: PostResource, request: Request) -> None:
    if context.post.is_deleted:
        return
    DatabaseModerationService(request.db).set_post_state(request.user, context.post, "delete")


# -- members, search, notifications ------------------------------------------------------------

def read_user(context: Any, request: Request) -> dict[str, Any]:
    from ..accounts.interfaces import IUserService

    same_for_every_visitor(request)
    member = request.find_service(IUserService).get_by_username(request.matchdict["username"])
    if member is None or member.status == "banned":
        raise ApiProblem(404, _("Not found"), _("There is no member with this username."))
    return user_json(request, member)


def find_users(context: Any, request: Request) -> dict[str, Any]:
    """Members whose username starts with ``prefix`` (mention completion in the editor)."""
    from ..accounts.models import User

    same_for_every_visitor(request)
    prefix = required_query(request, "prefix", 1, USERNAME_MAX, _(
        "Give the first letters of a username, at most ${maximum} of them.",
        mapping={"maximum": USERNAME_MAX})).strip().lower()
    if not prefix:  # white space starts no username
        return page(request, [], None)
    found = request.db.scalars(
        select(User).where(starts_with(User.username, prefix), User.status != "banned")
        .order_by(User.username).limit(MENTION_CHOICES))
    return page(request, [user_ref(request, user) for user in found], None)


def me(context: Any, request: Request) -> dict[str, Any]:
    user = request.user
    unread = DatabaseNotificationService(request.db).unread_count(request)
    return {"username": user.username, "name": user.name, "email": user.email,
            "role": user.role, "locale": user.locale or "", "unread_notifications": unread,
            "url": request.route_url("accounts.profile", username=user.username)}


def search_params(request: Request) -> dict[str, str]:
    """The search's parameters: unlike the search form's, a parameter that is sent is used,
    so one sent empty is refused rather than left out."""
    params = clean_params(request.GET)
    params.pop("page", None)  # the form's; the API pages with the cursor
    empty = [name for name in FILTERS if name in request.GET and name not in params
             and name != "page"]
    if empty:
        raise ApiProblem(400, _("Invalid request"), _(
            "The parameter ${name} is empty; give it a value or leave it out.",
            mapping={"name": empty[0]}))
    if "cursor" in request.GET:
        params["page"] = str(number_cursor(request, 1))
    return params


def search(context: Any, request: Request) -> dict[str, Any]:
    same_for_every_visitor(request)
    params = search_params(request)
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
    text = required_query(request, "text", 0, SIMILAR_TEXT_MAX, _(
        "Give the text to compare in 'text', at most ${maximum} characters.",
        mapping={"maximum": SIMILAR_TEXT_MAX}))
    types = [t for t in request.GET.getall("type") if t][:10]
    found = find_similar(request, text, types=types, limit=SIMILAR_LIMIT)
    return {"items": [search_result_json(request, r) for r in found], "links": {"next": None}}


def notifications(context: Any, request: Request) -> dict[str, Any]:
    before = number_cursor(request, None)
    items, next_cursor = DatabaseNotificationService(request.db).page(request, before)
    return page(request, [notification_json(request, n) for n in items],
                None if next_cursor is None else str(next_cursor))


def read_all_notifications(context: Any, request: Request) -> None:
    DatabaseNotificationService(request.db).mark_all_read(request)


# -- drafts ------------------------------------------------------------------------------------

def _draft_key(request: Request) -> str:
    """The draft key of the path, or a 400 saying which keys there are."""
    raw = request.matchdict["key"]
    try:
        return str(parse_key(raw))
    except ValidationError as exc:
        raise ApiProblem(400, _("Invalid draft key"), exc.message) from None


def list_drafts(context: Any, request: Request) -> dict[str, Any]:
    drafts = request.find_service(IDraftService).list(request.user, request.viewer)
    return page(request, [draft_json(d) for d in drafts], None)


def read_draft(context: Any, request: Request) -> dict[str, Any]:
    draft = request.find_service(IDraftService).get(request.user, request.viewer,
                                                     _draft_key(request))
    if draft is None:
        raise ApiProblem(404, _("Not found"), _("You have no draft here."))
    return draft_json(draft)


def save_draft(context: Any, request: Request) -> dict[str, Any]:
    data = request.api_data
    draft = request.find_service(IDraftService).save(
        request.user, request.viewer, _draft_key(request), data["body"], data.get("title", ""))
    return draft_json(draft)


def discard_draft(context: Any, request: Request) -> None:
    request.find_service(IDraftService).discard(request.user.id, _draft_key(request))


def _search_parameters() -> tuple[dict[str, Any], ...]:
    text = {"type": "string", "minLength": 1, "maxLength": SEARCH_TEXT_MAX}
    filled = {"type": "string", "minLength": 1}
    day = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    return (
        query_parameter("q", "Words, \"phrases\", -excluded, prefix*.", text, required=True),
        query_parameter("type", "Content type: topic, post, or a plugin's type.", filled),
        query_parameter("category", "A category's slug.", SLUG),
        query_parameter("author", "A member's username.", USERNAME),
        query_parameter("from", "Created on or after this day (YYYY-MM-DD).", day),
        query_parameter("to", "Created on or before this day (YYYY-MM-DD).", day),
        query_parameter("status", "Status, for content types that have one.", filled),
        query_parameter("tag", "Only topics with all these tags: their slugs, separated by "
                        "commas (or write tag:slug in q).", filled),
        query_parameter("sort", "relevance (default) or newest.",
                        {"type": "string", "enum": list(SORTS)}),
        NUMBER_CURSOR_PARAMETER)


CORE_ENDPOINTS = [
    ApiEndpoint("categories.list", "GET", "/categories", list_categories,
                "Categories the caller may read", response_schema=ref("CategoryPage"),
                tag="discussions"),
    ApiEndpoint("topics.list", "GET", "/categories/{slug}/topics", list_topics,
                "Topics of a category, pinned first, then latest activity",
                factory=CategoryResource,
                parameters=(cursor_parameter(queries.TOPIC_CURSOR_PATTERN), TAGS_PARAMETER),
                response_schema=ref("TopicPage"), tag="discussions"),
    ApiEndpoint("topics.create", "POST", "/categories/{slug}/topics", create_topic,
                "Start a topic", factory=CategoryResource, permission="start_topic",
                request_schema=ref("NewTopic"), response_schema=ref("Topic"), status=201,
                signed_in=True, tag="discussions"),
    ApiEndpoint("topics.read", "GET", "/topics/{topic_id}", read_topic, "One topic",
                factory=TopicResource, response_schema=ref("Topic"), tag="discussions"),
    ApiEndpoint("posts.list", "GET", "/topics/{topic_id}/posts", list_posts,
                "Posts of a topic in order", factory=TopicResource,
                parameters=(NUMBER_CURSOR_PARAMETER,),
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
                parameters=(query_parameter(
                    "prefix", "The first letters of a username.",
                    {"type": "string", "minLength": 1, "maxLength": USERNAME_MAX},
                    required=True),),
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
                parameters=(query_parameter(
                    "text", "A title or sentence, e.g. of a new topic.",
                    {"type": "string", "maxLength": SIMILAR_TEXT_MAX}, required=True),
                            {"name": "type", "in": "query", "required": False,
                             "description": "Document types to look in (all by default).",
                             "schema": {"type": "array", "items": {"type": "string"}},
                             "style": "form", "explode": True}),
                response_schema=ref("SearchResultPage"), tag="search"),
    ApiEndpoint("drafts.list", "GET", "/drafts", list_drafts,
                "The caller's drafts, latest first", permission="account",
                response_schema=ref("DraftPage"), signed_in=True, tag="drafts"),
    ApiEndpoint("drafts.read", "GET", "/drafts/{key}", read_draft,
                "One of the caller's drafts", permission="account",
                response_schema=ref("Draft"), signed_in=True, tag="drafts",
                description="Keys: topic-<topic id> (a reply), new-topic-<category id> (a new "
                            "topic, with a title), post-<post id> (a change of a post). A "
                            "draft of a place the caller may no longer see is not found."),
    ApiEndpoint("drafts.save", "PUT", "/drafts/{key}", save_draft,
                "Keep a draft, replacing the caller's draft of the same place",
                permission="account", request_schema=ref("DraftBody"),
                response_schema=ref("Draft"), signed_in=True, tag="drafts",
                description="The title is kept for a new topic's draft only. Posting a reply, "
                            "a topic or a change discards the draft of its place."),
    ApiEndpoint("drafts.discard", "DELETE", "/drafts/{key}", discard_draft,
                "Discard one of the caller's drafts (done whether or not there was one)",
                permission="account", status=204, signed_in=True, tag="drafts"),
    ApiEndpoint("notifications.list", "GET", "/notifications", notifications,
                "The caller's notifications, newest first", permission="account",
                parameters=(NUMBER_CURSOR_PARAMETER,), response_schema=ref("NotificationPage"),
                signed_in=True,
                tag="members"),
    ApiEndpoint("notifications.read_all", "POST", "/notifications/read", read_all_notifications,
                "Mark all notifications as read", permission="account", status=204,
                signed_in=True, tag="members"),
]
