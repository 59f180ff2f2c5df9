"""The one place that decides what a viewer may see.

Every path that lists or returns topics or posts (pages, listings, search, feeds, sitemaps,
the JSON API, profiles, notifications, quotes, counts, previews) builds its query from
:func:`visible_topics` / :func:`visible_posts` or checks one object with :func:`can_see_topic`.
Plugins narrow it through ``forum_visibility_filter``; they can hide more, never less.
What a plugin governs (``governed_by``, :func:`~forum_core.content.governed.govern`) stays
hidden from everyone but administrators while that plugin is not enabled: its filter is not
there to decide any more, and security fails closed.

The pages' own queries are built once per kind of viewer and kept (:mod:`.kept`): the same
clauses, with the viewer's id bound when the statement runs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.sql import Select

from ..content.models import ACCESS_LEVELS, Category, Post, Topic

if TYPE_CHECKING:
    from pyramid.config import Configurator

    from ..accounts.models import User
    from ..plugins import Hooks

STAFF_ROLES = ("moderator", "admin")
_ACCESS_LEVEL = {None: "everyone", "member": "members", "moderator": "moderators",
                 "admin": "admins"}
#: the models a plugin's ``forum_visibility_filter`` is asked about
FILTERED_MODELS = (Category, Topic, Post)

#: The viewer's id in a kept statement: it has no value of its own, so a statement run
#: without ``viewer.params`` fails instead of showing one member's view to another.
VIEWER_ID: BindParameter[int] = bindparam("forum_viewer_id", type_=Integer, required=True)

#: A viewer's id as the clauses use it: the number itself, or :data:`VIEWER_ID`.
UserId = int | BindParameter[int] | None


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a member (or None for anonymous) and their security principals."""

    user: User | None
    principals: frozenset[str] = field(default_factory=frozenset)
    hooks: Hooks | None = None
    #: the plugins' clauses by model, asked once per viewer (a page builds several queries)
    _plugin_clauses: dict[type, list[ColumnElement[bool]]] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False)
    _memo: dict[str, Any] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False)

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.id

    @property
    def role(self) -> str | None:
        return None if self.user is None else self.user.role

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_governed(self) -> bool:
        """Administrators see what a disabled plugin governs (to move or delete it)."""
        return self.role == "admin"

    @property
    def enabled_plugins(self) -> frozenset[str]:
        """Ids of the enabled plugins (none without hooks: fail closed)."""
        return frozenset() if self.hooks is None else self.hooks.enabled

    @property
    def access_level(self) -> str:
        """The highest category access level this viewer has."""
        return _ACCESS_LEVEL[self.role]

    def has_access(self, level: str) -> bool:
        """Whether the viewer's role reaches category access ``level`` ("members"...)."""
        return ACCESS_LEVELS.index(self.access_level) >= ACCESS_LEVELS.index(level)

    @property
    def params(self) -> dict[str, Any]:
        """The values a kept statement needs for this viewer (see :data:`VIEWER_ID`)."""
        return {VIEWER_ID.key: self.user_id or 0}

    @property
    def kind(self) -> Hashable | None:
        """Everything the visibility clauses of this viewer depend on except their id: the
        role, signed in or not, the enabled plugins, and each plugin clause exactly (its SQL
        and its values).
        Viewers of one kind share kept statements; None when a plugin's clause cannot be
        told apart from another (its statements are then built for this viewer alone)."""
        if "kind" not in self._memo:
            plugins = []
            for model in FILTERED_MODELS:
                for clause in _plugin_clauses(self, model):
                    identity = clause_identity(clause)
                    if identity is None:
                        self._memo["kind"] = None
                        return None
                    plugins.append((model.__name__, identity))
            self._memo["kind"] = (self.role, self.user is not None,
                                  tuple(sorted(self.enabled_plugins)), tuple(plugins))
        return self._memo["kind"]


def clause_identity(clause: ColumnElement[Any]) -> Hashable | None:
    """A clause's SQL and the values bound in it, as a hashable key (None if SQLAlchemy
    cannot key the clause, or a value cannot be hashed). Two clauses with equal keys select
    the same rows from the same database."""
    cache_key = clause._generate_cache_key()
    if cache_key is None:
        return None
    try:
        values = tuple(_frozen(param.effective_value) for param in cache_key.bindparams)
        hash(values)
    except TypeError:
        return None
    return cache_key.key, values


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(item) for item in value)
    return value


def viewer_for(request: Any) -> Viewer:
    """The viewer of a request (reified as ``request.viewer``)."""
    return Viewer(request.user, frozenset(request.principals), request.registry.forum.hooks)


def public_viewer(request: Any) -> Viewer:
    """An anonymous visitor, whoever is asking: what public documents (the sitemap) list."""
    return Viewer(None, frozenset(), request.registry.forum.hooks)


def readable_levels(viewer: Viewer) -> list[str]:
    return [level for level in ACCESS_LEVELS if viewer.has_access(level)]


def _plugin_clauses(viewer: Viewer, model: type) -> list[ColumnElement[bool]]:
    if viewer.hooks is None:
        return []
    if model not in viewer._plugin_clauses:
        viewer._plugin_clauses[model] = [clause for clause in viewer.hooks.collect(
            "forum_visibility_filter", viewer=viewer, model=model) if clause is not None]
    return viewer._plugin_clauses[model]


def _governed(viewer: Viewer, governed_by: Any) -> list[ColumnElement[bool]]:
    """Rows not governed by a plugin, or governed by an enabled one (whose own filter
    decides); administrators see every row."""
    if viewer.sees_governed:
        return []
    enabled = sorted(viewer.enabled_plugins)
    if not enabled:
        return [governed_by.is_(None)]
    return [or_(governed_by.is_(None), governed_by.in_(enabled))]


def category_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Categories the viewer may read."""
    return and_(Category.read_access.in_(readable_levels(viewer)),
                *_governed(viewer, Category.governed_by), *_plugin_clauses(viewer, Category))


def topic_clause(viewer: Viewer, user_id: UserId = None) -> ColumnElement[bool]:
    """Topics the viewer may see: in a readable category, not deleted (staff see deleted),
    not governed by a plugin that is not enabled (administrators see those).

    ``user_id`` stands for the viewer's id (default: the number, :data:`VIEWER_ID` in kept
    statements)."""
    readable = select(Category.id).where(category_clause(viewer))
    state: ColumnElement[bool]
    if viewer.is_staff:
        state = true()
    else:
        uid = viewer.user_id if user_id is None else user_id
        own_held = Topic.user_id == uid if viewer.user_id else false()
        state = and_(Topic.is_deleted.is_(False), or_(Topic.is_held.is_(False), own_held))
    return and_(Topic.category_id.in_(readable), state, *_governed(viewer, Topic.governed_by),
                *_plugin_clauses(viewer, Topic))


def post_clause(viewer: Viewer, user_id: UserId = None, topic_joined: bool = False,
                ) -> ColumnElement[bool]:
    """Posts the viewer may see: in a visible topic; hidden, held or deleted posts only for
    staff (and a held post for its own author).

    ``topic_joined``: the statement joins each post's own ``Topic`` already (``Topic.id ==
    Post.topic_id``), so the topic's visibility is checked on that row, once per topic,
    instead of by a subquery per post."""
    uid = viewer.user_id if user_id is None else user_id
    own_state: ColumnElement[bool]
    if viewer.is_staff:
        own_state = true()
    else:
        normal = and_(Post.is_deleted.is_(False), Post.is_hidden.is_(False),
                      Post.is_held.is_(False))
        own_held = and_(Post.user_id == uid, Post.is_held.is_(True),
                        Post.is_deleted.is_(False)) if viewer.user_id else false()
        own_state = or_(normal, own_held)
    # correlated on the post's own topic: "topic_id IN (every visible topic)" made SQLite
    # list all topics for each query, 5-10 ms on a topic page at 10,000 topics
    in_visible_topic = topic_clause(viewer, user_id) if topic_joined else (
        select(Topic.id).where(Topic.id == Post.topic_id, topic_clause(viewer, user_id))
        .correlate(Post).exists())
    return and_(in_visible_topic, own_state, *_plugin_clauses(viewer, Post))


def includeme(config: Configurator) -> None:
    config.add_request_method(viewer_for, "viewer", reify=True)


def visible_categories(viewer: Viewer) -> Select[tuple[Category]]:
    """``select(Category)`` of the categories ``viewer`` may read; add your own ``where``."""
    return select(Category).where(category_clause(viewer))


def visible_topics(viewer: Viewer) -> Select[tuple[Topic]]:
    """``select(Topic)`` of the topics ``viewer`` may see; add your own ``where``."""
    return select(Topic).where(topic_clause(viewer))


def visible_posts(viewer: Viewer) -> Select[tuple[Post]]:
    """``select(Post)`` of the posts ``viewer`` may see; add your own ``where``."""
    return select(Post).where(post_clause(viewer))
