"""The forum's plugin hooks: every extension point a plugin can implement.

A plugin implements a hook by defining a function of the same name decorated with
``forum_core.api.hookimpl``. Implementations may accept any subset of the arguments listed here,
so new arguments can be added to a hook without breaking existing plugins; arguments are never
renamed or removed.

Every hook is of one kind, which says what happens when an implementation raises:

* **adds** (slots, stylesheets, navigation, events after commit): the failure is logged with
  the plugin's id and that plugin's contribution is left out; the page still answers.
* **narrows access** (principals, ACL entries, the visibility filter): the hook *fails
  closed*. The failure is logged with the plugin's id and the request answers the core's
  "not available" page (a problem document in the JSON API), never cached, so nothing the
  hook governs can be shown because the hook could not say no.
* **writes** (content events inside the transaction): the failure rolls back the change that
  caused it; the member is told it was not saved.
* **start-up** (commands, jobs, search types, API endpoints, Markdown): the failure stops start-up
  with one line naming the plugin.

``forum hooks`` prints this reference; ``docs/plugin_hooks.md`` is generated from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pluggy

if TYPE_CHECKING:
    import click
    import markdown
    from pyramid.request import Request
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

    from .accounts.models import User
    from .content.models import Category, Post, Topic
    from .contenttypes import ContentType
    from .events import Event
    from .jobs import Job
    from .recognition import BadgeRule, PointsAction
    from .registries import AdminPage, NotificationKind
    from .rendering import Allowlist
    from .visibility import Viewer
    from .webapi.endpoints import ApiEndpoint

PROJECT = "forum"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: What happens when an implementation raises, by kind (``KIND_ATTRIBUTE`` on each spec).
ADDS, NARROWS, WRITES, STARTUP = "adds", "narrows access", "writes", "start-up"
KIND_ATTRIBUTE = "forum_kind"
F = TypeVar("F", bound=Callable[..., object])


def kind(name: str) -> Callable[[F], F]:
    """Mark a hookspec with its kind (see the module's docstring)."""
    def mark(function: F) -> F:
        setattr(function, KIND_ATTRIBUTE, name)
        return function
    return mark


adds, narrows, writes, startup = kind(ADDS), kind(NARROWS), kind(WRITES), kind(STARTUP)


# -------------------------------------------------------------------------------------------------
# Start-up and command-line hooks
# -------------------------------------------------------------------------------------------------


@hookspec
@startup
def forum_register_commands() -> list[click.Command]:
    """Add subcommands to the ``forum`` command line.

    Called once when the ``forum`` command starts and finds a configuration file.

    :return: A list of ``click.Command`` objects; each becomes ``forum <name>``. A name that
        clashes with a core command is refused at start-up.

    Called from: ``forum_core/cli/__init__.py``.
    """


@hookspec
@writes
def forum_demo_data(session: Session, admin: User) -> None:
    """Create demonstration content for ``forum init --demo``.

    Called once per ``forum init --demo`` on a database that has no demo content yet, after the
    core's own demo content exists. Add objects to ``session``; the command commits.

    :param session: The database session of the command.
    :param admin: The administrator account created by ``forum init``.
    :return: Nothing.

    Called from: ``forum_core/demo.py``.
    """


# -------------------------------------------------------------------------------------------------
# Request hooks: identity and permissions
# -------------------------------------------------------------------------------------------------


@hookspec
@narrows
def forum_extra_principals(request: Request, user: User | None) -> list[str]:
    """Give the current visitor extra security principals.

    Called once per request, when permissions are first checked. Principals are strings such as
    ``"group:12"`` that ACL entries of the core or of plugins can grant permissions to.

    :param request: The current request.
    :param user: The signed-in member, or None for an anonymous visitor.
    :return: A list of principal strings (may be empty).

    Called from: ``forum_core/accounts/security.py``.
    """


@hookspec
@adds
def forum_follow_audiences(session: Session) -> list[tuple[str, str]]:
    """Name the sets of members an administrator can give default follow levels to.

    Called when the administrators' page "Default follow levels" is shown. An audience is a
    security principal that the plugin gives its members (``forum_extra_principals``), with a
    name to show: the groups plugin answers ``("group:12", "Partners")`` for each group. When
    a member joins an audience, announce it with ``emit(session, AudienceJoined(user_id,
    principal))`` so they get its defaults; the core's roles (``role:member``...) are
    audiences already.

    :param session: A database session to read the plugin's tables with.
    :return: A list of ``(principal, name)`` pairs (may be empty).

    Called from: ``forum_core/views/admin.py``.
    """


@hookspec
@narrows
def forum_extra_acl(request: Request, resource: object) -> list[tuple[str, str, str]]:
    """Add access-control entries to a category, topic or post, before the core's own.

    Called whenever permissions on the resource are checked. Pyramid uses the first matching
    entry, so a plugin can grant (``("Allow", "group:3", "reply")``) or refuse
    (``("Deny", "status:newbie", "start_topic")``) before the core decides.

    :param request: The current request.
    :param resource: A ``CategoryResource``, ``TopicResource`` or ``PostResource``; its
        ``category``, ``topic`` or ``post`` attribute is the object.
    :return: A list of ``(action, principal, permission)`` tuples.

    Called from: ``forum_core/content/resources.py``.
    """


@hookspec
@narrows
def forum_visibility_filter(viewer: Viewer, model: type) -> ColumnElement[bool] | None:
    """Narrow what a viewer may see, for the single visibility choke point.

    Called whenever the core builds a query for categories, topics or posts a viewer may see
    (pages, listings, search, feeds, sitemaps, the API, counts). The returned clause is
    combined with AND, so a plugin can hide content but never reveal what the core hides.
    Mark the categories and topics your clause keeps closed with ``govern``: while your
    plugin is disabled this hook is not called, and the core hides them instead.

    :param viewer: Who is looking: ``viewer.user`` (None when anonymous), ``viewer.principals``.
    :param model: The model being filtered: ``Category``, ``Topic`` or ``Post``.
    :return: A SQLAlchemy boolean clause on ``model``, or None to add nothing.

    Called from: ``forum_core/visibility.py``.
    """


# -------------------------------------------------------------------------------------------------
# Content events
# -------------------------------------------------------------------------------------------------


@hookspec
@adds
def forum_on_event(event: Event) -> None:
    """React to something that happened in the forum, such as a member registering.

    Called after the database transaction that caused the event has committed, never for a
    transaction that rolled back. Each event is a small dataclass from ``forum_core.api``
    (``UserRegistered``, ...); plugins may define and emit their own. Do not write to the
    database of the finished transaction from here.

    :param event: The event; check its type with ``isinstance``.
    :return: Nothing.

    Called from: ``forum_core/events.py``.
    """


@hookspec
@writes
def forum_on_event_in_transaction(session: Session, event: Event) -> None:
    """React to an event inside the transaction that causes it, writing in the same session.

    Called by ``emit`` while the change is being made (a reply, a vote), before it commits:
    what you add to ``session`` is saved with the change or not at all. The core's own
    notifications are made here. Keep it quick and never wait on anything outside the
    database; use a job (``forum_register_jobs``) for e-mail, webhooks and other slow work.

    :param session: The database session of the change.
    :param event: The event; check its type with ``isinstance``.
    :return: Nothing.

    Called from: ``forum_core/events.py``.
    """


# -------------------------------------------------------------------------------------------------
# Background jobs
# -------------------------------------------------------------------------------------------------


@hookspec
@startup
def forum_register_jobs() -> list[Job]:
    """Declare the plugin's background jobs, for work that need not happen before the answer.

    E-mail, digests, reminders, webhooks, fan-out of notifications: anything a member need
    not wait for. Called once when the application, ``forum worker`` or a command that
    handles jobs starts. Each ``forum_core.api.Job`` has a name ``<plugin id>.<what>``
    (unique; a clash stops start-up naming both plugins), the function, its retries and
    backoff, and for a periodic job a crontab ``schedule`` in UTC. Ask for a job with
    ``enqueue(request_or_session, name, **arguments)``: it runs after the transaction
    commits, never for one that rolled back, and may run more than once, so it must be
    idempotent.

    :return: A list of ``Job`` declarations.

    Called from: ``forum_core/jobs/declare.py``.
    """


# -------------------------------------------------------------------------------------------------
# Registries: content types, notification kinds, capabilities, admin pages, the JSON API
# -------------------------------------------------------------------------------------------------


@hookspec
@startup
def forum_register_content_types() -> list[ContentType]:
    """Declare the plugin's kinds of content, once each.

    Called once at start-up. Each ``forum_core.api.ContentType`` subclass names its type and
    says, in one place, how its items are found for a viewer (through the visibility
    functions, so nothing hidden is ever shown or counted), what an item's title, address,
    author and dates are (``ContentItem``), its schema.org type, whether it is searchable
    (then it turns rows into ``SearchDocument`` s and tells which rows a change touches; its
    ``statuses`` become a search filter, and ``forum reindex`` includes it), and whether it
    is in the Atom feeds and the sitemap. Notifications can be about any declared type.

    :return: A list of ``ContentType`` instances; a name already taken stops start-up.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_notification_kinds() -> list[NotificationKind]:
    """Declare the kinds of notification the plugin sends with ``notify``.

    Called once at start-up. Each ``forum_core.api.NotificationKind`` has a name of the form
    ``<plugin id>.<what>`` (stored with each notification: never rename it), the sentence a
    member reads, a translation string with ``${actor}`` and ``${title}`` (shown in the
    member's language), and a label for lists of kinds.

    :return: A list of ``NotificationKind`` instances.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_capabilities() -> dict[str, object]:
    """Provide capabilities other plugins use without importing this one.

    Called once at start-up. Keys are the core's capability names (``votes``,
    ``accepted_answer``, ``attendance``, ``groups``: the interfaces are in
    ``forum_core.api``) or the plugin's own (``<plugin id>.<what>``); values implement them.
    Consumers call ``capability(request_or_session, name)``. Two plugins providing one
    capability stop start-up.

    :return: A dict of capability name to implementation.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_badge_rules() -> list[BadgeRule]:
    """Declare rules by which members earn badges, about the plugin's own content.

    Called once at start-up. Each is an instance of a subclass of
    ``forum_core.api.BadgeRule``: its name (``<plugin id>.<what>``), label, description
    with ``${parameter}`` placeholders, whole-number parameters, the events that may change
    who earned it, and :meth:`~forum_core.api.BadgeRule.earned`, a query of who among some
    members has earned it now. An administrator makes badges from the rules of the enabled
    plugins (with the ``badges`` plugin); the rule itself never awards anything. Example::

        class FirstRecipe(BadgeRule):
            name = "recipes.first"
            label = _("Wrote a first recipe")
            description = _("Shared a first recipe")
            triggers = (RecipePublished,)

            def earned(self, session, params, user_ids):
                rows = session.execute(
                    select(Recipe.author_id, func.min(Recipe.id))
                    .where(Recipe.author_id.in_(user_ids)).group_by(Recipe.author_id))
                return [Earned(user_id, "recipe", key) for user_id, key in rows]

    A name used twice stops start-up naming it.

    :return: A list of ``BadgeRule`` instances.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_point_actions() -> list[PointsAction]:
    """Declare actions members earn points for, about the plugin's own content.

    Called once at start-up. Each is an instance of a subclass of
    ``forum_core.api.PointsAction``: its name (``<plugin id>.<what>``), label, default points,
    triggering events, and :meth:`~forum_core.api.PointsAction.earned`, every
    ``(member, subject, when)`` that earns points now. Because points are a query of the
    present state, an action undone (a vote taken back) loses its points at the next check.

    :return: A list of ``PointsAction`` instances.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_admin_pages() -> list[AdminPage]:
    """List the plugin's pages in the administrators' area (``/admin``).

    Called once at start-up. Add the page itself in ``includeme`` as a view with
    ``permission="administer"`` (only administrators have it); an ``AdminPage`` names its
    route and label so the admin area links to it.

    :return: A list of ``forum_core.api.AdminPage`` instances.

    Called from: ``forum_core/registries.py``.
    """


@hookspec
@startup
def forum_register_api_endpoints() -> list[ApiEndpoint]:
    """Add endpoints to the JSON API under ``/api/v1``.

    Called once at start-up. Each ``forum_core.api.ApiEndpoint`` names its route, path, method,
    view, permission and its request and response schemas (JSON Schema); the endpoint is served
    with the same authentication (session with CSRF, or a Bearer token), error format
    (problem+json) and request validation as the core's, and appears in
    ``/api/v1/openapi.json``. Name paths under your plugin's id, e.g. ``/ideas/{id}``.

    :return: A list of ``ApiEndpoint`` instances.

    Called from: ``forum_core/webapi/__init__.py``.
    """


# -------------------------------------------------------------------------------------------------
# Content pipeline: Markdown and the sanitizer
# -------------------------------------------------------------------------------------------------


@hookspec
@startup
def forum_register_markdown_extensions() -> list[markdown.Extension]:
    """Add Python-Markdown extensions to the content pipeline.

    Called once when the pipeline is built at start-up. Posts are rendered when they are
    written, not when they are shown; after changing extensions run ``forum recook``.

    :return: A list of ``markdown.Extension`` instances.

    Called from: ``forum_core/rendering.py``.
    """


@hookspec
@startup
def forum_prepare_allowlist(allowlist: Allowlist) -> None:
    """Allow more HTML in rendered posts, by changing ``allowlist`` in place.

    Called once when the pipeline is built, after the core filled in its defaults. Scripts,
    styles, frames, event-handler attributes and javascript:/data:/vbscript: URLs are removed
    again afterwards whatever a plugin adds.

    :param allowlist: The tags, attributes per tag and URL schemes that survive sanitizing.
    :return: Nothing.

    Called from: ``forum_core/rendering.py``.
    """


# -------------------------------------------------------------------------------------------------
# Template hooks: assets and slots
# -------------------------------------------------------------------------------------------------


@hookspec
@adds
def forum_extra_css_urls(request: Request) -> list[str]:
    """Add stylesheets to every page.

    :param request: The current request.
    :return: A list of URLs, usually ``static_file_path(request, STATIC / "x.css")`` for a
        file of the plugin's ``static/`` folder (made once per process).

    Called from: ``forum_core/templates/base.html``.
    """


@hookspec
@adds
def forum_extra_script_urls(request: Request) -> list[str]:
    """Add scripts to every page, loaded with ``defer`` after the core's own.

    Pages must work without them: a script only improves a page. No inline scripts: the
    site may be served with a Content-Security-Policy that allows only script files.

    :param request: The current request.
    :return: A list of URLs, usually of the plugin's ``static/`` files.

    Called from: ``forum_core/templates/base.html``.
    """


@hookspec
@adds
def forum_tpl_nav(request: Request) -> str | None:
    """Add HTML to the main navigation bar of every page.

    Example::

        @hookimpl
        def forum_tpl_nav(request):
            return Markup('<li><a href="{}">{}</a></li>').format(
                request.route_path("notes.index"), request.translate(_("Notes")))

    :param request: The current request.
    :return: Markup for one or more ``<li>`` items, or None. Returned HTML is not escaped:
        escape anything that comes from members.

    Called from: ``forum_core/templates/base.html``.
    """


@hookspec
@adds
def forum_tpl_home(request: Request) -> str | None:
    """Add a section to the home page, below the core's own content.

    Example::

        @hookimpl
        def forum_tpl_home(request):
            return Markup('<section><h2>{}</h2></section>').format(
                request.translate(_("Upcoming events")))

    :param request: The current request.
    :return: Markup of a ``<section>``, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/home.html``.
    """


@hookspec
@adds
def forum_tpl_footer(request: Request) -> str | None:
    """Add HTML to the footer of every page.

    Example::

        @hookimpl
        def forum_tpl_footer(request):
            return Markup('<p><a href="/notes/about">{}</a></p>').format(
                request.translate(_("About our notes")))

    :param request: The current request.
    :return: Markup, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/base.html``.
    """


@hookspec
@adds
def forum_tpl_category(request: Request, category: Category) -> str | None:
    """Add HTML to a category's page, under its title and description.

    For example, links to the plugin's own view of the category.

    Example::

        @hookimpl
        def forum_tpl_category(request, category):
            if category.slug != "support":
                return None
            return Markup('<p><a href="{}">{}</a></p>').format(
                request.route_path("support.unanswered"), request.translate(_("Unanswered")))

    :param request: The current request.
    :param category: The category shown; the viewer may read it.
    :return: Markup, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/content/category.html``.
    """


@hookspec
@adds
def forum_tpl_topic(request: Request, topic: Topic) -> str | None:
    """Add HTML to a topic's page, under its title (e.g. an idea's votes and status).

    Example::

        @hookimpl
        def forum_tpl_topic(request, topic):
            idea = request.db.get(Idea, topic.id)
            return None if idea is None else Markup('<p class="status">{}</p>').format(
                idea.status)

    :param request: The current request.
    :param topic: The topic shown; the viewer may read it.
    :return: Markup, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/content/topic.html``.
    """


@hookspec
@adds
def forum_tpl_error_help(request: Request) -> str | None:
    """Add advice to the "not available" and "page not found" pages (403 and 404).

    For example, how to get access to content the plugin protects.

    Example::

        @hookimpl
        def forum_tpl_error_help(request):
            return Markup("<p>{}</p>").format(request.translate(
                _("Content of a group is for its members: ask its owner for an invitation.")))

    :param request: The current request.
    :return: Markup of one or more ``<p>``, or None. Returned HTML is not escaped. The same
        advice must appear whatever the address was, or it would tell visitors what exists.

    Called from: ``forum_core/templates/error.html``.
    """


@hookspec
@adds
def forum_tpl_post_author(request: Request, post: Post, posts: list[Post]) -> str | None:
    """Add HTML beside a post's author (a member's rank, badges or points).

    Called once for each post on a topic page. ``posts`` are all the posts of the page, so
    what you show can be loaded for all of them at once (``once_per_request``) instead of
    one query per post, e.g.::

        @hookimpl
        def forum_tpl_post_author(request, post, posts):
            ranks = once_per_request(request, ("ranks", "page"),
                                     lambda: load_ranks(request.db, {p.user_id for p in posts}))
            rank = ranks.get(post.user_id)
            return Markup('<span class="rank">{}</span>').format(rank) if rank else None

    :param request: The current request.
    :param post: The post (``post.author`` is its author); the viewer may see it.
    :param posts: Every post shown on the page, in order.
    :return: Inline markup, or None. Returned HTML is not escaped: escape what members wrote.

    Called from: ``forum_core/templates/content/topic.html``.
    """


@hookspec
@adds
def forum_tpl_post_body(request: Request, post: Post, posts: list[Post]) -> str | None:
    """Add HTML under a post's text (its attachments, "accepted answer", reactions).

    Called once for each post on a topic page; load for all of ``posts`` at once, as in
    ``forum_tpl_post_author``.

    Example::

        @hookimpl
        def forum_tpl_post_body(request, post, posts):
            files = once_per_request(request, ("files", "page"), lambda: files_of(
                request.db, [p.id for p in posts]))
            return render_file_list(request, files.get(post.id, []))

    :param request: The current request.
    :param post: The post; the viewer may see it.
    :param posts: Every post shown on the page, in order.
    :return: Markup of a block, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/content/topic.html``.
    """


@hookspec
@adds
def forum_tpl_post_actions(request: Request, post: Post, posts: list[Post]) -> str | None:
    """Add a control to a post's actions, beside Quote, Edit and Flag ("Accept answer").

    Called once for each post on a topic page. A control that changes something is a
    ``<form method="post">`` with the ``csrf_token`` field (``csrf_token(request)``), so
    the page works without JavaScript.

    Example::

        @hookimpl
        def forum_tpl_post_actions(request, post, posts):
            if request.user is None or request.user.id != post.topic.user_id:
                return None
            return Markup('<form method="post" action="{}" class="inline-form">'
                          '<input type="hidden" name="csrf_token" value="{}">'
                          '<button class="link-button">{}</button></form>').format(
                request.route_path("support.accept", post_id=post.id),
                csrf_token(request), request.translate(_("Accept answer")))

    :param request: The current request.
    :param post: The post; the viewer may see it.
    :param posts: Every post shown on the page, in order.
    :return: Inline markup (a link or a small form), or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/content/topic.html``.
    """


@hookspec
@adds
def forum_tpl_user_card(request: Request, member: User) -> str | None:
    """Add a line to a member's card, the box with their picture and name on their profile.

    Example::

        @hookimpl
        def forum_tpl_user_card(request, member):
            points = points_of(request.db, member.id)
            return Markup('<span class="points">{}</span>').format(points)

    :param request: The current request.
    :param member: The member shown (not necessarily the viewer).
    :return: Inline markup, or None. Returned HTML is not escaped.

    Called from: ``forum_core/templates/accounts/profile.html``.
    """


@hookspec
@adds
def forum_tpl_profile(request: Request, member: User) -> str | None:
    """Add a section to a member's profile page, under their bio (badges, their ideas).

    Show only what the viewer may see: query content through the visibility functions.

    Example::

        @hookimpl
        def forum_tpl_profile(request, member):
            ideas = request.db.scalars(visible_topics(request.viewer).join(Idea)
                                       .where(Topic.user_id == member.id).limit(5))
            return render("ideas/_profile.html", {"ideas": list(ideas)}, request)

    :param request: The current request.
    :param member: The member shown (not necessarily the viewer).
    :return: Markup of a ``<section>`` with an ``<h2>``, or None. Returned HTML is not
        escaped.

    Called from: ``forum_core/templates/accounts/profile.html``.
    """


@hookspec
@adds
def forum_tpl_account(request: Request, user: User) -> str | None:
    """Add the plugin's settings section to the signed-in member's account page.

    The section's form posts to a route of the plugin (with the ``csrf_token`` field), which
    saves and redirects back to ``request.route_path("accounts.settings")``.

    Example::

        @hookimpl
        def forum_tpl_account(request, user):
            return render("digests/_account.html", {"settings": settings_of(
                request.db, user.id)}, request)

    :param request: The current request.
    :param user: The signed-in member whose account it is.
    :return: Markup of a ``<section>`` with an ``<h2>``, or None. Returned HTML is not
        escaped.

    Called from: ``forum_core/templates/accounts/settings.html``.
    """


#: Names of the template slots: ``{{ slot("nav") }}`` calls ``forum_tpl_nav``.
TEMPLATE_SLOTS = ("nav", "home", "footer", "category", "topic", "error_help", "post_author",
                  "post_body", "post_actions", "user_card", "profile", "account")
