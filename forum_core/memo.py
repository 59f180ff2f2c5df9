"""Reads a request repeats: done once per request, kept on the request object."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_MEMO = "_forum_memo"


def once_per_request(request: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, run at most once per request for ``key`` and then remembered for the
    rest of the request (several template slots or permission checks asking the same
    question, such as "which categories are idea boards", cost one query).

    Nothing is kept between requests, so the answer is never older than the request. Put the
    plugin's id in ``key`` (``("ideas", "boards")``) so keys of plugins cannot clash.
    """
    memo: dict[Hashable, Any] = request.__dict__.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]
