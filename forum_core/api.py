"""The public plugin API: the only module of the core that plugins import.

Everything a plugin needs is re-exported here; the modules behind it may change between
releases, this surface only with a new ``PLUGIN_API_VERSION``. Bundled plugins are held to the
same rule as third-party ones, so this module is complete by construction.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import limits
from .accounts.interfaces import IUserService
from .accounts.models import ROLES, User
from .content.events import PostCreated, PostEdited, TopicCreated
from .content.interfaces import IContentService
from .content.models import Category, Post, Topic
from .content.services import slugify
from .db import Base, UTCDateTime, utcnow
from .errors import (
    ConflictError,
    ForumError,
    NotAllowedError,
    NotFoundError,
    StartupError,
    ValidationError,
)
from .events import Event, UserRegistered, UserRoleChanged, emit
from .hookspecs import hookimpl
from .i18n import _
from .limits import parse_id
from .mail import send_mail
from .memo import once_per_request
from .moderation.events import MemberRestricted, PostStateChanged
from .notifications.services import notify
from .plugins import PLUGIN_API_VERSION, Plugin
from .rendering import plain_text
from .search.documents import DocumentType, SearchDocument, SearchResult
from .search.service import find_similar
from .settings import Setting
from .visibility import Viewer, visible_categories, visible_posts, visible_topics
from .webapi.endpoints import ApiEndpoint, ApiProblem
from .webapi.schemas import (
    BODY,
    ID,
    SLUG,
    TITLE,
    USERNAME,
    cursor_parameter,
    line_schema,
    query_parameter,
    text_schema,
)

__all__ = [
    # declaring a plugin
    "Plugin",
    "Setting",
    "PLUGIN_API_VERSION",
    "hookimpl",
    # translations
    "_",
    # database
    "Base",
    "UTCDateTime",
    "utcnow",
    "once_per_request",
    # events
    "Event",
    "UserRegistered",
    "UserRoleChanged",
    "emit",
    # discussions, and the visibility choke point every query of them goes through
    "Category",
    "Topic",
    "Post",
    "IContentService",
    "slugify",
    "Viewer",
    "visible_categories",
    "visible_topics",
    "visible_posts",
    "TopicCreated",
    "PostCreated",
    "PostEdited",
    "PostStateChanged",
    "MemberRestricted",
    # search: a plugin's own searchable content
    "DocumentType",
    "SearchDocument",
    "SearchResult",
    "plain_text",
    "find_similar",
    # what the forum accepts from people: the limits, and the one parser of ids and numeric
    # cursors in URLs, queries and forms
    "limits",
    "parse_id",
    # the JSON API: a plugin's own endpoints, and schemas built from the limits; a
    # ValidationError raised by an endpoint answers 422, NotFoundError 404, NotAllowedError
    # 403, ConflictError 409
    "ApiEndpoint",
    "ApiProblem",
    "BODY",
    "ID",
    "SLUG",
    "TITLE",
    "USERNAME",
    "cursor_parameter",
    "line_schema",
    "query_parameter",
    "text_schema",
    # telling members: in-app notifications, e-mail in the recipient's language
    "notify",
    "send_mail",
    # accounts
    "User",
    "ROLES",
    "IUserService",
    # errors
    "ForumError",
    "StartupError",
    "ValidationError",
    "NotFoundError",
    "NotAllowedError",
    "ConflictError",
    # HTML for template slots
    "Markup",
    "escape",
]
