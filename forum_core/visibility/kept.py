"""Statements of the pages' queries, built once per kind of viewer and kept in the process.

Building a query with the visibility clauses and computing SQLAlchemy's cache key for it
cost more than running it (about 0.4 ms for a topic page's posts, which SQLite reads in
0.1 ms). A kept statement is built the first time a kind of viewer (:attr:`Viewer.kind`:
role, signed in or not, every plugin clause with its values) asks for it; later requests
run the same object with their own values bound (``viewer.params`` and the query's own),
so SQLAlchemy finds its compiled form without walking the statement again.

Only statements are kept, never rows: every request still asks the plugins' hooks for its
viewer and reads the database as it is now.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from . import Viewer

T = TypeVar("T")

#: kinds of viewers times queries; a plugin clause with a member's own values (the groups
#: they are in) makes a kind per combination of values, so the oldest are let go (a kept
#: statement takes 10 to 30 KB)
MAX_KEPT = 512

_kept: dict[Hashable, object] = {}
_lock = threading.Lock()


def kept(viewer: Viewer, build: Callable[..., T], *args: Hashable) -> T:
    """``build(viewer, *args)``, kept for viewers of the same kind.

    ``build`` writes the viewer's id as :data:`~forum_core.visibility.VIEWER_ID` and every
    other value that changes between requests as a named ``bindparam``; ``args`` are what
    the statement's shape depends on besides the viewer (a page size, with or without a
    cursor). Run the statement with ``{**viewer.params, ...}``.
    """
    kind = viewer.kind
    if kind is None:
        return build(viewer, *args)
    key = (build, args, kind)
    found = _kept.get(key)
    if found is None:
        found = build(viewer, *args)
        with _lock:
            while len(_kept) >= MAX_KEPT:
                del _kept[next(iter(_kept))]
            _kept[key] = found
    return found  # type: ignore[return-value]


def forget() -> None:
    """Let every kept statement go (tests that change the models or the plugins)."""
    with _lock:
        _kept.clear()
