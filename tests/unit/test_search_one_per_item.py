"""A content type that stands for another (``ContentType.stands_for``) is listed once by
search: the richer item replaces the one it stands for, at the better of the two places."""

from __future__ import annotations

from types import SimpleNamespace

from forum_core.contenttypes import ContentType
from forum_core.search.service import one_per_item


class Base(ContentType):
    name = "base"


class Rich(ContentType):
    name = "rich"
    stands_for = "base"


class Other(ContentType):
    name = "other"


def index(*types):
    return SimpleNamespace(types={t.name: t for t in types})


def test_the_standing_in_item_replaces_its_base_at_the_first_place():
    hits = [("base", 1), ("other", 1), ("base", 2), ("rich", 1), ("rich", 3), ("base", 3)]
    assert one_per_item(index(Base(), Rich(), Other()), hits) == [
        ("rich", 1), ("other", 1), ("base", 2), ("rich", 3)]


def test_without_standing_in_types_nothing_changes():
    hits = [("base", 1), ("other", 1), ("base", 1)]
    assert one_per_item(index(Base(), Other()), hits) is hits
