"""The registries a forum builds at start-up from the core and the enabled plugins: content
types, notification kinds, capabilities and admin pages, with the hooks that fill them.

One :class:`Registries` per forum, reachable from a request
(``request.registry.forum.registries``) and from every database session the forum opens
(``registries_of(session)``), so services and jobs can use it without a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from .capabilities import Capabilities
from .contenttypes import ContentType, ContentTypes
from .errors import StartupError
from .i18n import _
from .recognition import Recognition
from .rendering import Cooker

if TYPE_CHECKING:
    from .plugins import Hooks

_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
SESSION_KEY = "forum.registries"


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification, declared by the core (``reply``, ``quote``, ``mention``) or a
    plugin (named ``<plugin id>.<what>``).

    :param name: stored with each notification; never rename it.
    :param message: what the member reads, a translation string with ``${actor}`` (who did
        it) and ``${title}`` (what it is about), e.g. ``_("${actor} replied to ${title}")``.
        It is translated into the member's language when shown.
    :param label: what the kind is, for lists of kinds ("Replies to my topics").
    :param email: how a member who chose nothing is e-mailed about it: ``"immediately"``
        (a message a few minutes later, one per topic), ``"daily"`` or ``"weekly"`` (in a
        digest) or ``"never"``. A member's own choice on their account page always wins.
    """

    name: str
    message: Any
    label: Any = ""
    email: str = "daily"


@dataclass(frozen=True)
class AdminPage:
    """A plugin's page in the administrators' area, listed on ``/admin``.

    :param route_name: the plugin's route of the page (a view with
        ``permission="administer"``).
    :param label: the link's text (a translation string).
    :param description: one sentence under the link.
    """

    route_name: str
    label: Any
    description: Any = ""


#: shown for a notification whose kind's plugin is not enabled any more
UNKNOWN_KIND = NotificationKind("", _("${actor} has news for you in ${title}"))


@dataclass
class Registries:
    """Everything the core and the enabled plugins declared, for this forum."""

    hooks: Hooks
    content_types: ContentTypes = field(default_factory=ContentTypes)
    notification_kinds: dict[str, NotificationKind] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)
    admin_pages: list[AdminPage] = field(default_factory=list)
    recognition: Recognition = field(default_factory=Recognition)

    @cached_property
    def cooker(self) -> Cooker:
        """The Markdown pipeline with every plugin's extensions and allowlist changes, built
        once (posts are rendered when they are written)."""
        return Cooker(hooks=self.hooks)

    def kind(self, name: str) -> NotificationKind:
        """The notification kind ``name`` (a neutral one for kinds no longer declared)."""
        return self.notification_kinds.get(name, UNKNOWN_KIND)


def build_registries(hooks: Hooks, content_types: Iterable[ContentType],
                     notification_kinds: Iterable[NotificationKind]) -> Registries:
    """The registries of the core's declarations plus what the plugins' registration hooks
    return (in plugin load order).

    :raises StartupError: for a clash or a malformed declaration, naming it.
    """
    registries = Registries(hooks)
    for type_ in content_types:
        registries.content_types.add(type_)
    for found in hooks.collect("forum_register_content_types"):
        for type_ in found:
            registries.content_types.add(type_)
    for kind in notification_kinds:
        _add_kind(registries, kind)
    for found in hooks.collect("forum_register_notification_kinds"):
        for kind in found:
            _add_kind(registries, kind)
    for plugin_id, offered in hooks.collect_by_plugin("forum_register_capabilities"):
        registries.capabilities.provide(plugin_id, offered)
    for found in hooks.collect("forum_register_admin_pages"):
        registries.admin_pages.extend(found)
    for found in hooks.collect("forum_register_badge_rules"):
        for rule in found:
            registries.recognition.add_rule(rule)
    for found in hooks.collect("forum_register_point_actions"):
        for action in found:
            registries.recognition.add_action(action)
    return registries


#: the ways a member can be e-mailed about a kind of notification (``NotificationKind.email``)
EMAIL_MODES = ("immediately", "daily", "weekly", "never")


def _add_kind(registries: Registries, kind: NotificationKind) -> None:
    if not isinstance(kind, NotificationKind) or not _KIND_NAME.match(kind.name) \
            or kind.name in registries.notification_kinds or kind.email not in EMAIL_MODES:
        raise StartupError(_(
            "Notification kind ${kind} cannot be added: its name is taken or not of the form "
            "plugin.what, or its e-mail default is not immediately, daily, weekly or never.",
            mapping={"kind": repr(kind)}))
    registries.notification_kinds[kind.name] = kind


def bind(session: Session, registries: Registries) -> None:
    """Let ``session`` reach the forum's registries (and, through them, its hooks)."""
    session.info[SESSION_KEY] = registries


def registries_of(session: Session) -> Registries | None:
    """The registries of the forum ``session`` belongs to (None for a bare session)."""
    return session.info.get(SESSION_KEY)


def registries_for(source: object) -> Registries:
    """The registries of a request (``request.registry.forum``) or of a forum's session."""
    if isinstance(source, Session):
        found = registries_of(source)
        if found is None:
            raise RuntimeError("this session was not opened by the forum (db.open_session)")
        return found
    return source.registry.forum.registries  # type: ignore[attr-defined]


def render_markdown(source: object, text: str) -> str:
    """``text`` (Markdown) as the core renders posts, with every plugin's extensions: safe
    HTML to store and show as it is (``source``: the request, or a forum's session).

    :raises ValidationError: saying what to change, for text over the core's limits (too
        long, nested too deeply, control characters).
    """
    return registries_for(source).cooker.cook(text).html


def capability(source: object, name: str) -> Any:
    """The implementation of capability ``name`` (``"votes"``, ``"groups"``...) that an
    enabled plugin provides, or None when none does. ``source`` is the request, or the
    session of a job or command. Check for None: the providing plugin may be disabled.

    Example: ``votes = capability(request, "votes")``, then
    ``votes.scores(request.db, "idea", keys) if votes else {}``."""
    return registries_for(source).capabilities.get(name)


def recognition(source: object) -> Recognition:
    """The badge rules and point actions the enabled plugins declared (``.rules`` and
    ``.actions``, by name); ``source`` is the request, or a session of the forum."""
    return registries_for(source).recognition


def content_types(source: object) -> ContentTypes:
    """The content types of the core and the enabled plugins (``source``: the request, or a
    session of the forum)."""
    return registries_for(source).content_types

