"""The public plugin API: the only module of the core that plugins import.

Everything a plugin needs is re-exported here; the modules behind it may change between
releases, this surface only with a new ``PLUGIN_API_VERSION``. Bundled plugins are held to the
same rule as third-party ones, so this module is complete by construction. ``forum api``
(and ``docs/plugin_api.md``) prints the reference generated from these docstrings.

The request, as the core sets it up for every view, hook and template of a plugin:

* ``request.db``: the database session of the request, committed when the view returns and
  rolled back on any error (never call ``commit()``); write rows that must exist once (a
  membership, a vote) with ``insert_if_absent``, since a unique key refused at the database
  (a request sent twice at once) answers a 409 and saves nothing;
* ``request.user``: the signed-in member (a ``User``), or None;
* ``request.viewer``: who is looking, for the visibility functions (``visible_topics(
  request.viewer)``);
* ``request.principals``: the viewer's security principals (``role:admin``, ``group:3``...);
* ``request.api_data``: in a JSON API endpoint, the request body, already checked against
  the endpoint's ``request_schema``;
* ``request.translate(message)``: a translation string in the viewer's language.

To answer "not available" as the core does (for content that is hidden or missing, alike),
raise ``NotAvailable()`` in a page's view and ``ApiProblem(404, ...)`` in an API endpoint.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import limits
from .accounts.interfaces import IUserService
from .accounts.models import ROLES, User
from .capabilities import AcceptedAnswer, Attendance, Groups, Votes
from .content import content_service
from .content.events import PostCreated, PostEdited, PostLiked, PostUnliked, TopicCreated
from .content.governed import govern, governed_topics_for
from .content.interfaces import IContentService, ITagService
from .content.likes import LikeState, liked_post_ids
from .content.likes import like as like_post
from .content.likes import unlike as unlike_post
from .content.models import ACCESS_LEVELS, Category, Post, PostLike, Topic
from .content.services import slugify
from .content.tags import ShownTag, Tag, tags_of
from .contenttypes import ContentItem, ContentType, SearchDocument, chunked_keys
from .db import (
    Base,
    UTCDateTime,
    get_or_insert,
    insert_all_if_absent,
    insert_if_absent,
    lock_row,
    read_rows,
    utcnow,
)
from .errors import (
    ConflictError,
    ForumError,
    NotAllowedError,
    NotFoundError,
    StartupError,
    ValidationError,
)
from .events import (
    AudienceJoined,
    ContributionChanged,
    Event,
    UserRegistered,
    UserRoleChanged,
    emit,
)
from .hookspecs import hookimpl
from .i18n import _, localizer_of, terminal_text, time_zone, time_zone_names, time_zone_of
from .jobs import Job, JobContext, enqueue, enqueue_later
from .limits import parse_id
from .mail import MailAttachment, send_mail
from .memo import once_per_request
from .moderation.events import MemberRestricted, PostStateChanged, TopicMoved, TopicStateChanged
from .notifications.services import notify
from .plugins import PLUGIN_API_VERSION, Plugin, command_runtime
from .recognition import BadgeRule, Earned, PointsAction, RuleParameter
from .registries import (
    AdminPage,
    NotificationKind,
    capability,
    content_types,
    recognition,
    render_markdown,
)
from .rendering import plain_text
from .search.service import find_similar
from .settings import Setting
from .visibility import (
    Viewer,
    category_clause,
    post_clause,
    public_viewer,
    topic_clause,
    visible_categories,
    visible_posts,
    visible_topics,
)
from .visibility.offline import member_viewer, request_as
from .visibility.types import TopicRowType
from .web import NotAvailable
from .web.httpcache import keep_private, same_for_every_visitor
from .web.problems import problem_page
from .web.redirects import safe_next
from .web.static import static_file_path
from .web.templating import csrf_token
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
    # translations: ``localizer_of(request.registry, user.locale).translate(...)`` for text
    # that goes to someone other than the requester, in their language
    "_",
    "localizer_of",
    # database
    "Base",
    "UTCDateTime",
    "utcnow",
    "read_rows",
    "once_per_request",
    # "create if absent" writes that concurrent requests cannot break (a join, a vote)
    "insert_if_absent",
    "insert_all_if_absent",
    "get_or_insert",
    "lock_row",
    # events
    "Event",
    "UserRegistered",
    "UserRoleChanged",
    "AudienceJoined",
    "emit",
    # discussions, and the visibility choke point every query of them goes through
    "Category",
    "ACCESS_LEVELS",
    "Topic",
    "Post",
    "IContentService",
    "content_service",
    "slugify",
    "Viewer",
    "public_viewer",
    "visible_categories",
    "visible_topics",
    "visible_posts",
    "category_clause",
    "topic_clause",
    "post_clause",
    "govern",
    "governed_topics_for",
    "TopicCreated",
    "PostCreated",
    "PostEdited",
    "PostStateChanged",
    "TopicMoved",
    "TopicStateChanged",
    "MemberRestricted",
    # likes on posts: events to count them (badges, analytics), and liking for a member
    "PostLiked",
    "PostUnliked",
    "PostLike",
    "LikeState",
    "like_post",
    "unlike_post",
    "liked_post_ids",
    # tags: a content type opts in by tagging its items under its own name (ITagService)
    "ITagService",
    "Tag",
    "ShownTag",
    "tags_of",
    # content types: one declaration per kind of content (search, feeds, sitemap, notifications)
    "ContentType",
    "ContentItem",
    "SearchDocument",
    "TopicRowType",
    "chunked_keys",
    "content_types",
    "plain_text",
    "render_markdown",
    "find_similar",
    # capabilities: what one plugin provides and another uses
    "capability",
    "Votes",
    "AcceptedAnswer",
    "Attendance",
    "Groups",
    # recognition: rules for badges and actions worth points, each declared by the plugin
    # whose content it counts (forum_register_badge_rules, forum_register_point_actions)
    "BadgeRule",
    "RuleParameter",
    "Earned",
    "PointsAction",
    "ContributionChanged",
    "recognition",
    # pages: answering "not available", forms, the admin area
    "NotAvailable",
    "safe_next",
    "problem_page",
    # a plugin's static files (``static_file_path(request, STATIC / "x.css")``)
    "static_file_path",
    "csrf_token",
    "AdminPage",
    # background jobs: declared with forum_register_jobs, run after the transaction commits
    "Job",
    "JobContext",
    # a plugin's own ``forum`` command (forum_register_commands) works on the forum through it
    "command_runtime",
    "terminal_text",
    "enqueue",
    "enqueue_later",
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
    "NotificationKind",
    "notify",
    "send_mail",
    "MailAttachment",
    # in a background job: a request as a member would make it (what they may see, their
    # language, links), for e-mail written to them
    "request_as",
    # what another member may see, asked during a request (whom an organiser may invite)
    "member_viewer",
    # accounts
    "User",
    # time zones: the one a member reads times in (theirs, else forum.time_zone), and the
    # zone of an IANA name when it is one the forum offers (None otherwise)
    "time_zone_of",
    "time_zone",
    "time_zone_names",
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
    # HTTP caching: which answers a reverse proxy may share between visitors
    "same_for_every_visitor",
    "keep_private",
]
