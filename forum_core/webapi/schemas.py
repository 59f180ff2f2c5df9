"""JSON Schemas of the core API's resources (OpenAPI 3.1 uses JSON Schema 2020-12), and the
functions turning models into exactly those shapes.

The schemas of what callers send are built from :mod:`forum_core.limits`, the rules the
services check, so the document promises exactly what the server enforces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..content.appearance import CATEGORY_COLOURS, CATEGORY_ICONS
from ..content.follows import LEVELS
from ..content.tags import FORBIDDEN_CHARS, TOPIC, tags_of
from ..contenttypes import ContentItem
from ..limits import (
    BODY_MAX,
    ID_PATTERN,
    LINE_CONTROLS,
    MAX_ID,
    SLUG_MAX,
    TAG_NAME_MAX,
    TITLE_MAX,
    TITLE_MIN,
    USERNAME_MAX,
    USERNAME_MIN,
    USERNAME_PATTERN,
    WHITESPACE,
    line_pattern,
    text_pattern,
)
from ..notifications.services import Shown
from ..registries import EMAIL_MODES

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    """An object schema whose listed properties are all required unless ``required`` says."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
EMAIL_MODE = {"type": "string", "enum": list(EMAIL_MODES)}


# -- what callers send ------------------------------------------------------------------------

def line_schema(minimum: int, maximum: int) -> dict[str, Any]:
    """One line of text (a title, a name): no control characters but tab, ``minimum``
    characters not counting white space at either end, ``maximum`` in all."""
    return {"type": "string", "minLength": minimum, "maxLength": maximum,
            "pattern": line_pattern(minimum)}


def text_schema(maximum: int, required: bool = True) -> dict[str, Any]:
    """A text of several lines (a post, a note): no control characters but tab and line ends,
    at most ``maximum`` characters, and (``required``) not only white space."""
    return {"type": "string", "minLength": int(required), "maxLength": maximum,
            "pattern": text_pattern(required)}


def query_parameter(name: str, description: str, schema: Mapping[str, Any],
                    required: bool = False) -> dict[str, Any]:
    """An OpenAPI parameter object for the query string."""
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": dict(schema)}


#: an id in a body or a path
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: an address of a category or a group: no white space and no control characters
SLUG = {"type": "string", "minLength": 1, "maxLength": SLUG_MAX,
        "pattern": f"^[^{LINE_CONTROLS}{WHITESPACE}]+$"}
USERNAME = {"type": "string", "minLength": USERNAME_MIN, "maxLength": USERNAME_MAX,
            "pattern": USERNAME_PATTERN}
TITLE = line_schema(TITLE_MIN, TITLE_MAX)
BODY = text_schema(BODY_MAX)
_NOT_IN_TAG = "".join(f"\\u{ord(c):04x}" for c in FORBIDDEN_CHARS)
#: a tag's name as callers send it: one line of 1 to TAG_NAME_MAX characters, no markup
TAG_NAME = {"type": "string", "minLength": 1, "maxLength": TAG_NAME_MAX,
            "pattern": f"^[^{LINE_CONTROLS}{_NOT_IN_TAG}]*"
                       f"[^{LINE_CONTROLS}{WHITESPACE}{_NOT_IN_TAG}]"
                       f"[^{LINE_CONTROLS}{_NOT_IN_TAG}]*$"}
#: the tags of a topic as callers send them (the forum's own limit, forum.max_tags_per_topic,
#: is checked by the service)
TAG_NAMES = {"type": "array", "items": TAG_NAME, "maxItems": 5,
             "description": "Names of existing tags (staff may name new ones, which are "
                            "created); at most forum.max_tags_per_topic."}
#: a cursor that is a number: the ``next`` link of the previous page holds it
NUMBER_CURSOR = {"type": "string", "pattern": ID_PATTERN}


def cursor_parameter(pattern: str) -> dict[str, Any]:
    """The ``cursor`` query parameter of a list, whose values have the form ``pattern``."""
    return query_parameter("cursor", "Where the page starts: the `next` link of the previous "
                           "page holds it.", {"type": "string", "pattern": pattern})


def page_of(name: str) -> dict[str, Any]:
    """A list endpoint's answer: items, and the link to the next page (null on the last)."""
    return obj(items={"type": "array", "items": ref(name)}, links=ref("Links"))


COMPONENTS: dict[str, Any] = {
    "Problem": obj(
        required=["type", "title", "status", "detail"],
        type=STRING, title=STRING, status=INTEGER, detail=STRING, instance=STRING,
        errors={"type": "array", "items": obj(field=STRING, message=STRING)}),
    "Links": obj(next={"type": ["string", "null"]}),
    "UserRef": obj(username=STRING, name=STRING, url=STRING),
    "User": obj(username=STRING, name=STRING, title=STRING, bio=STRING, role=STRING,
                joined_at=DATETIME, url=STRING),
    "Me": obj(username=STRING, name=STRING, email=STRING, role=STRING, locale=STRING,
              unread_notifications=INTEGER, url=STRING),
    "Category": obj(slug=STRING, name=STRING, description=STRING,
                    parent={"type": ["string", "null"]}, topic_count=INTEGER,
                    post_count=INTEGER, last_post_at=NULLABLE_DATETIME, url=STRING,
                    can_start_topic=BOOLEAN,
                    colour={"type": ["string", "null"], "enum": [*CATEGORY_COLOURS, None],
                            "description": "A colour of the forum's palette (the theme "
                                           "decides its shade), or null."},
                    icon={"type": ["string", "null"], "enum": [*CATEGORY_ICONS, None],
                          "description": "A built-in icon's name, or null."}),
    "Topic": obj(id=INTEGER, title=STRING, category=STRING, author=ref("UserRef"),
                 created_at=DATETIME, last_post_at=DATETIME, reply_count=INTEGER,
                 view_count=INTEGER, is_pinned=BOOLEAN, is_locked=BOOLEAN, is_closed=BOOLEAN,
                 url=STRING, can_reply=BOOLEAN,
                 tags={"type": "array", "items": ref("TagRef")}),
    "TagRef": obj(name=STRING, slug=STRING, url=STRING),
    "Tag": obj(name=STRING, slug=STRING, description=STRING,
               group={"type": ["string", "null"], "description": "The tag group's name."},
               topic_count={**INTEGER, "description": "Topics with the tag that the caller "
                                                      "may see."}, url=STRING),
    "TopicTags": {**obj(tags=TAG_NAMES), "additionalProperties": False},
    "Post": obj(id=INTEGER, topic_id=INTEGER, number=INTEGER, author=ref("UserRef"),
                created_at=DATETIME, edited_at=NULLABLE_DATETIME, body=STRING, html=STRING,
                state={"type": "string", "enum": ["visible", "hidden", "held", "deleted"]},
                url=STRING, like_count=INTEGER, liked=BOOLEAN),
    "Like": obj(post_id=INTEGER, liked=BOOLEAN, like_count=INTEGER),
    "Liker": obj(user=ref("UserRef"), liked_at=DATETIME),
    "NotificationSetting": obj(kind=STRING, label=STRING, enabled=BOOLEAN, email=EMAIL_MODE),
    "NotificationSettings": obj(items={"type": "array", "items": ref("NotificationSetting")}),
    "NotificationSettingsChange": {**obj(required=[], kinds={
        "type": "object", "additionalProperties": BOOLEAN,
        "description": "Kinds of notifications by name (`reply`, `like`, a plugin's "
                       "`ideas.status`...), each true (get them) or false; kinds left out "
                       "keep their setting."}, email={
        "type": "object", "additionalProperties": EMAIL_MODE,
        "description": "How to be e-mailed about kinds of notifications, by name: at once "
                       "(`immediately`, batched per topic), in a `daily` or `weekly` digest, "
                       "or `never`; kinds left out keep their setting."}),
        "additionalProperties": False},
    "SearchResult": obj(type=STRING, id=INTEGER, title=STRING, url=STRING, snippet=STRING,
                        created_at=DATETIME, author={"oneOf": [ref("UserRef"), {"type": "null"}]},
                        category={"type": ["string", "null"]}, status=STRING),
    "SearchPage": obj(items={"type": "array", "items": ref("SearchResult")}, links=ref("Links"),
                      total=INTEGER, capped=BOOLEAN),
    "Notification": obj(id=INTEGER, kind=STRING, created_at=DATETIME, read=BOOLEAN,
                        actor={"oneOf": [ref("UserRef"), {"type": "null"}]},
                        type=STRING, key=INTEGER, title=STRING, message=STRING,
                        reason={"type": ["string", "null"],
                                "description": "Why it came, for a watched place."},
                        url=STRING),
    "Draft": obj(key=STRING, title=STRING, body=STRING, updated_at=DATETIME),
    "DraftBody": {**obj(required=["body"], title=line_schema(0, TITLE_MAX),
                        body=text_schema(BODY_MAX, required=False)),
                  "additionalProperties": False},
    "NewTopic": {**obj(required=["title", "body"], title=TITLE, body=BODY, tags=TAG_NAMES),
                 "additionalProperties": False},
    "PostBody": {**obj(body=BODY), "additionalProperties": False},
}
for _name in ("Category", "Topic", "Post", "Notification", "UserRef", "SearchResult", "Liker",
              "Draft", "Tag"):
    COMPONENTS[_name + "Page"] = page_of(_name)

# -- topic lists and reading position (forum_core/webapi/reading.py) --
NULLABLE_INTEGER = {"type": ["integer", "null"]}
COMPONENTS["ListedTopic"] = obj(
    **COMPONENTS["Topic"]["properties"], posters={"type": "array", "items": ref("UserRef")},
    last_read_number=NULLABLE_INTEGER, unread_count=INTEGER, first_unread_url=STRING)
COMPONENTS["ListedTopicPage"] = page_of("ListedTopic")
COMPONENTS["Reading"] = obj(topic_id=INTEGER, last_read_number=INTEGER,
                            last_post_number=INTEGER, first_unread_url={"type": ["string", "null"]})
COMPONENTS["ReadingUpdate"] = {**obj(last_read_number=ID), "additionalProperties": False}


# -- follow levels (forum_core/webapi/follows.py) --
_LEVEL = {"type": "string", "enum": list(LEVELS)}
COMPONENTS["Follow"] = obj(place=STRING, id=INTEGER, name=STRING, level=_LEVEL)
COMPONENTS["FollowList"] = obj(items={"type": "array", "items": ref("Follow")})
COMPONENTS["FollowChange"] = {**obj(level=_LEVEL), "additionalProperties": False}


def components_for(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The schemas as this forum enforces them: :data:`COMPONENTS` with the limits that are
    settings (the most tags of a topic, ``forum.max_tags_per_topic``)."""
    components = dict(COMPONENTS)
    names = {**TAG_NAMES, "maxItems": settings.get("forum.max_tags_per_topic", 5)}
    for name in ("NewTopic", "TopicTags"):
        schema = components[name]
        components[name] = {**schema, "properties": {**schema["properties"], "tags": names}}
    return components


# -- models to JSON ---------------------------------------------------------------------------

def user_ref(request: Any, user: Any) -> dict[str, Any]:
    return {"username": user.username, "name": user.name,
            "url": request.route_url("accounts.profile", username=user.username)}


def user_json(request: Any, user: Any) -> dict[str, Any]:
    return {**user_ref(request, user), "title": user.title or "", "bio": user.bio or "",
            "role": user.role, "joined_at": user.created_at}


def category_json(request: Any, category: Any, can_start: bool) -> dict[str, Any]:
    return {"slug": category.slug, "name": category.name, "description": category.description,
            "parent": category.parent.slug if category.parent is not None else None,
            "topic_count": category.topic_count, "post_count": category.post_count,
            "last_post_at": category.last_post_at,
            "url": request.route_url("content.category", slug=category.slug),
            "can_start_topic": can_start, "colour": category.colour, "icon": category.icon}


def tag_ref(request: Any, tag: Any) -> dict[str, Any]:
    return {"name": tag.name, "slug": tag.slug,
            "url": request.route_url("tags.tag", slug=tag.slug)}


def topic_json(request: Any, topic: Any, can_reply: bool,
               tags: dict[int, list[Any]] | None = None) -> dict[str, Any]:
    """A topic; ``tags``: the tags of a page's topics by id (looked up at once), or None to
    look up this topic's."""
    if tags is None:
        tags = tags_of(request.db, TOPIC, [topic.id])
    return {"id": topic.id, "title": topic.title, "category": topic.category.slug,
            "author": user_ref(request, topic.author), "created_at": topic.created_at,
            "last_post_at": topic.last_post_at, "reply_count": topic.reply_count,
            "view_count": topic.view_count, "is_pinned": topic.is_pinned,
            "is_locked": topic.is_locked, "is_closed": topic.is_closed,
            "url": request.route_url("content.topic", topic_id=topic.id, slug=topic.slug),
            "can_reply": can_reply,
            "tags": [tag_ref(request, tag) for tag in tags.get(topic.id, ())]}


def post_state(post: Any) -> str:
    if post.is_deleted:
        return "deleted"
    if post.is_hidden:
        return "hidden"
    return "held" if post.is_held else "visible"


def post_json(request: Any, post: Any, topic: Any, liked: bool = False) -> dict[str, Any]:
    """A post; ``liked``: whether the caller likes it (look a page's up at once)."""
    url = request.route_url("content.topic", topic_id=topic.id, slug=topic.slug)
    return {"id": post.id, "topic_id": topic.id, "number": post.number,
            "author": user_ref(request, post.author), "created_at": post.created_at,
            "edited_at": post.edited_at, "body": post.source, "html": post.html,
            "state": post_state(post), "url": f"{url}#post-{post.number}",
            "like_count": post.like_count, "liked": liked}


def draft_json(draft: Any) -> dict[str, Any]:
    return {"key": draft.key, "title": draft.title, "body": draft.body,
            "updated_at": draft.updated_at}


def search_result_json(request: Any, result: ContentItem) -> dict[str, Any]:
    return {"type": result.type, "id": result.key, "title": result.title,
            "url": request.application_url + result.url if result.url.startswith("/")
            else result.url,
            "snippet": str(result.snippet), "created_at": result.created_at,
            "author": user_ref(request, result.author) if result.author is not None else None,
            "category": result.category.slug if result.category is not None else None,
            "status": result.status}


def notification_json(request: Any, shown: Shown) -> dict[str, Any]:
    item = shown.notification
    return {"id": item.id, "kind": item.kind, "created_at": item.created_at,
            "read": item.read_at is not None,
            "actor": user_ref(request, item.actor) if item.actor is not None else None,
            "type": item.content_type, "key": item.content_key, "title": shown.item.title,
            "message": request.translate(shown.message),
            "reason": request.translate(shown.reason) if shown.reason is not None else None,
            "url": request.route_url("notifications.open", notification_id=item.id)}
