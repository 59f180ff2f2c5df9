"""Content a plugin governs: categories and topics whose readers a plugin's visibility filter
decides (a group's space, a private question).

A disabled plugin is not loaded, so its filter no longer hides anything; without a record
of what it governed, a closed group's space would open to every member. The core therefore
keeps, on the row itself, the id of the plugin that governs it, and the visibility choke
point hides governed rows from everyone but administrators while that plugin is not enabled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyramid.i18n import TranslationString
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..i18n import _
from .models import GOVERNOR_MAX, Category, Topic

#: a plugin id (an entry-point name) as the ``governed_by`` columns hold it
_PLUGIN_ID = re.compile(rf"^[A-Za-z][A-Za-z0-9_.-]{{0,{GOVERNOR_MAX - 1}}}$")


def govern(target: Category | Topic, plugin_id: str | None) -> None:
    """Mark ``target`` as governed by the plugin ``plugin_id`` (None: by the core alone).

    Call it when your plugin creates (or takes over) a category or topic that only its
    ``forum_visibility_filter`` keeps closed: while the plugin is enabled nothing changes,
    but while it is not, the core hides ``target`` (and, for a category, every topic and
    post in it) from everyone except administrators, everywhere: pages, listings, search,
    feeds, the sitemap, the JSON API, profiles and notifications. ``forum serve`` says how
    much stays hidden, so the owner knows why. Mark content that exists from before the
    plugin called this in one of the plugin's migrations.

    :param target: a ``Category`` or a ``Topic`` (new or loaded; saved with the session).
    :param plugin_id: your plugin's id (``plugin.id``), or None to hand it back to the core.
    :raises ValueError: for something that is neither, or an id that is no plugin id.
    """
    if not isinstance(target, Category | Topic):
        raise ValueError(f"only a Category or a Topic can be governed, not {target!r}")
    if plugin_id is not None and not _PLUGIN_ID.match(plugin_id):
        raise ValueError(f"{plugin_id!r} is not a plugin id")
    target.governed_by = plugin_id


def governed_topics_for(plugin_id: str, principals: Iterable[str], prefix: str) -> Any:
    """For a plugin's ``forum_visibility_filter`` on ``Topic``: every topic the plugin does
    not govern, and those it governs whose id the viewer holds a principal for (``<prefix>
    <topic id>``, given by its ``forum_extra_principals``). Anything else it governs stays
    hidden. One clause object per plugin and set of ids, so viewers with the same ids share
    their statements."""
    mine = tuple(sorted(int(principal[len(prefix):]) for principal in principals
                        if principal.startswith(prefix) and principal[len(prefix):].isdigit()))
    return _governed_clause(plugin_id, mine)


@lru_cache(maxsize=2048)
def _governed_clause(plugin_id: str, mine: tuple[int, ...]) -> Any:
    ungoverned = or_(Topic.governed_by.is_(None), Topic.governed_by != plugin_id)
    return or_(ungoverned, Topic.id.in_(mine)) if mine else ungoverned


@dataclass(frozen=True)
class Orphaned:
    """What a plugin that is not enabled governs: it stays hidden from all but admins.
    ``topics`` counts the topics it governs and those in the categories it governs."""

    plugin_id: str
    categories: int
    topics: int

    @property
    def notice(self) -> TranslationString:
        """What ``forum serve`` tells the owner about it, in one line."""
        return _("What the plugin '${plugin}' governs stays hidden from everyone but "
                 "administrators while it is not enabled (categories: ${categories}, topics: "
                 "${topics}); enable it again, or have an administrator move or delete that "
                 "content.", mapping={"plugin": self.plugin_id, "categories": self.categories,
                                      "topics": self.topics})


def orphaned(session: Session, enabled: Iterable[str]) -> list[Orphaned]:
    """How many categories and topics each plugin that is not among ``enabled`` governs,
    by plugin id (for the start-up message of ``forum serve``)."""
    enabled = set(enabled)
    counts: dict[str, list[int]] = {}
    queries = (
        (0, select(Category.governed_by, func.count()).where(Category.governed_by.is_not(None))
         .group_by(Category.governed_by)),
        # (both use an index: the partial one of governed topics, the listing's by category)
        (1, select(Topic.governed_by, func.count()).where(Topic.governed_by.is_not(None))
         .group_by(Topic.governed_by)),
        (1, select(Category.governed_by, func.count()).join(Topic, Topic.category_id ==
                                                            Category.id)
         .where(Category.governed_by.is_not(None), Topic.governed_by.is_(None))
         .group_by(Category.governed_by)),
    )
    for position, query in queries:
        for plugin_id, count in session.execute(query):
            if plugin_id not in enabled:
                counts.setdefault(plugin_id, [0, 0])[position] += count
    return [Orphaned(plugin_id, *found) for plugin_id, found in sorted(counts.items())]
