"""What earned an award, for one viewer: the one place pages and the API ask.

An award may name the item that earned it (``reason_type``, ``reason_key``): a post in a
closed group's space, an idea, an article. It is shown only when that content type's
``items()``, which queries through the visibility choke point, lists the item for the
viewer. An unknown type, an item left out, or a type that fails gives no reason at all
(fail closed): the badge shows, what earned it does not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from forum_core.api import content_types

from .models import Award

log = logging.getLogger(__name__)


def visible_reasons(request: Any, awards: Iterable[Award]) -> dict[tuple[str, int], Any]:
    """The items (``ContentItem``) that earned ``awards`` which the viewer may see, by
    ``(type, key)``: one question per content type."""
    wanted: dict[str, set[int]] = {}
    for award in awards:
        if award.reason_type and award.reason_key is not None:
            wanted.setdefault(award.reason_type, set()).add(award.reason_key)
    found: dict[tuple[str, int], Any] = {}
    types = content_types(request)
    for type_name, keys in wanted.items():
        declared = types.get(type_name)
        if declared is None:
            continue
        try:
            items = declared.items(request, sorted(keys)) or {}
        except Exception:  # noqa: BLE001  (a plugin's failure hides the reason, nothing else)
            log.exception("content type %s failed to list what earned badges", type_name)
            continue
        for key, item in items.items():
            if key in keys and getattr(item, "url", None) and getattr(item, "title", None):
                found[(type_name, key)] = item
    return found


def reason_of(reasons: dict[tuple[str, int], Any], award: Award) -> Any:
    """The visible item that earned ``award``, or None."""
    if not award.reason_type or award.reason_key is None:
        return None
    return reasons.get((award.reason_type, award.reason_key))
