"""Keyset pagination: a page starts after the last row of the previous one, so page 5,000
costs what page 1 costs (no OFFSET scans).

A cursor is the last row's sort values written as numbers joined by dots (``1.1767225600000000.42``
for pinned, a time in microseconds since 1970, an id). :func:`cursor_pattern` gives its exact
form for the API's document, and every string of that form decodes: a cursor is a position,
so one that no page wrote still answers a page, and anything else is a :class:`BadCursor`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, bindparam, literal, tuple_

from .limits import ID_DIGITS

T = TypeVar("T")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
#: a time is at most this many digits of microseconds: 10**17 of them reach the year 5138,
#: so every cursor of the pattern is a time Python can hold
_TIME_DIGITS = 17
_PARTS: dict[type, str] = {bool: "[01]", int: f"[0-9]{{1,{ID_DIGITS}}}",
                           dt.datetime: f"[0-9]{{1,{_TIME_DIGITS}}}"}


class BadCursor(ValueError):
    """The cursor in a URL was not made by us (or the URL was edited)."""


def cursor_pattern(kinds: Sequence[type]) -> str:
    """The form of a cursor of values of ``kinds`` (bool, int or datetime), as a pattern
    for Python and for JSON Schema alike."""
    return "^" + "\\.".join(_PARTS[kind] for kind in kinds) + "$"


def encode_cursor(values: Sequence[Any]) -> str:
    return ".".join(_encode(value) for value in values)


def _encode(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return str(max(0, (value - _EPOCH) // _MICROSECOND))
    return str(int(value))


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """Values of ``cursor`` converted to ``kinds`` (bool, int or datetime).

    :raises BadCursor: for a string not of :func:`cursor_pattern`'s form.
    """
    if re.fullmatch(cursor_pattern(kinds), cursor, flags=re.ASCII) is None:
        raise BadCursor(cursor)
    return [_decode(part, kind) for part, kind in zip(cursor.split("."), kinds, strict=True)]


def _decode(part: str, kind: type) -> Any:
    if kind is dt.datetime:
        return _EPOCH + int(part) * _MICROSECOND
    if kind is bool:
        return part == "1"
    return int(part)


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
