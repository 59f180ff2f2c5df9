"""Keyset pagination: a page starts after the last row of the previous one, so page 5,000
costs what page 1 costs (no OFFSET scans). Cursors are opaque URL-safe strings."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, bindparam, literal, tuple_

T = TypeVar("T")


class BadCursor(ValueError):
    """The cursor in a URL was not made by us (or the URL was edited)."""


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """Values of ``cursor`` converted to ``kinds`` (int, bool, str or datetime)."""
    if len(cursor) > 200:
        raise BadCursor(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise BadCursor(cursor)
        return [_convert(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except (ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc


def _convert(value: Any, kind: type) -> Any:
    if kind is dt.datetime:
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(value)
        return value
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(value)
    if kind is str and not isinstance(value, str):
        raise TypeError(value)
    return value


def after(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """Rows after ``values`` in an ordering by ``columns`` (all ascending or all descending)."""
    left = tuple_(*columns)
    # bind each value with its column's type, so timestamps are stored-format on every backend
    right = tuple_(*[literal(value, type_=column.type)
                     for column, value in zip(columns, values, strict=True)])
    return left < right if descending else left > right


def after_params(columns: Sequence[Any], names: Sequence[str],
                 descending: bool) -> ColumnElement[bool]:
    """:func:`after` with the values bound at run time as parameters ``names`` (for a
    statement built once and run for many cursors)."""
    left = tuple_(*columns)
    right = tuple_(*[bindparam(name, type_=column.type, required=True)
                     for column, name in zip(columns, names, strict=True)])
    return left < right if descending else left > right


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
