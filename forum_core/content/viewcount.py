"""How topics count their views without a write on the way of a page.

* A member's view counts once per topic: when their first read marker of the topic is made
  (:meth:`~.services.DatabaseContentService.mark_read`), in the savepoint that writes the
  marker, so reading a topic again, in another tab or on another device counts nothing.
* A visitor's view is added to a counter in the memory of the process
  (:class:`ViewCounter`: a dictionary increment under a lock, no database work), and a
  thread of the process adds what it counted to ``topics.view_count`` in one transaction
  every interval, and when the process exits normally (:mod:`forum_core.writebehind`).

What is not counted: the visits of the last interval when a process is killed, and those a
reverse proxy answers from its cache without asking the forum. A visitor reloading a page
counts again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, update

from ..writebehind import WriteBehind, close_writer, writer_of
from .models import Topic

if TYPE_CHECKING:
    from pyramid.registry import Registry
    from sqlalchemy.engine import Connection

_REGISTRY_KEY = "forum.view_counter"

_ADD_VIEWS = (update(Topic).where(Topic.id == bindparam("topic"))
              .values(view_count=Topic.view_count + bindparam("views")))


class ViewCounter(WriteBehind[int, int]):
    """Visitors' views by topic id, counted in memory and added to the topics in batches."""

    what = "visitor views"

    def combine(self, old: int, new: int) -> int:
        return old + new

    def write(self, connection: Connection, values: dict[int, int]) -> None:
        connection.execute(_ADD_VIEWS, [{"topic": topic, "views": views}
                                        for topic, views in sorted(values.items())])


def view_counter(registry: Registry) -> ViewCounter:
    """The view counter of the forum's web application (made with the first view)."""
    return writer_of(registry, _REGISTRY_KEY, ViewCounter)


def close_view_counter(registry: Registry) -> None:
    """Stop the application's view counter, if it made one, and add what it counted (before
    its database engine is disposed of)."""
    close_writer(registry, _REGISTRY_KEY)
