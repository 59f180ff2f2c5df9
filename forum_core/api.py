"""The public plugin API: the only module of the core that plugins import.

Everything a plugin needs is re-exported here; the modules behind it may change between
releases, this surface only with a new ``PLUGIN_API_VERSION``. Bundled plugins are held to the
same rule as third-party ones, so this module is complete by construction.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .accounts.interfaces import IUserService
from .accounts.models import ROLES, User
from .content.events import PostCreated, PostEdited, TopicCreated
from .content.interfaces import IContentService
from .content.models import Category, Post, Topic
from .content.services import slugify
from .db import Base, UTCDateTime, utcnow
from .errors import ForumError, StartupError, ValidationError
from .events import Event, UserRegistered, UserRoleChanged, emit
from .hookspecs import hookimpl
from .i18n import _
from .jobs import Job, JobContext, enqueue
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
    # background jobs: declared with forum_register_jobs, run after the transaction commits
    "Job",
    "JobContext",
    "enqueue",
    # the JSON API: a plugin's own endpoints
    "ApiEndpoint",
    "ApiProblem",
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
    # HTML for template slots
    "Markup",
    "escape",
]
