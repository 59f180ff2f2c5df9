"""Tags as a viewer meets them: the topics that have some tags, and how many topics of each
tag the viewer may see. Topics are counted and listed only through :func:`topic_clause`: a
tag used only in a closed group's topics counts 0 for those outside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select

from ..content.models import Topic
from ..content.tags import TOPIC, ContentTag, Tag
from ..db import read_rows
from . import VIEWER_ID, Viewer, topic_clause
from .kept import kept


def has_tags_clause() -> ColumnElement[bool]:
    """Topics that have every tag of the bound ``tag_ids`` (expanding; ``tag_count`` is
    their number): one index range of ``content_tags`` per tag."""
    tagged = (select(ContentTag.content_key)
              .where(ContentTag.content_type == TOPIC,
                     ContentTag.tag_id.in_(bindparam("tag_ids", expanding=True)))
              .group_by(ContentTag.content_key)
              .having(func.count() == bindparam("tag_count")))
    return Topic.id.in_(tagged)


def tag_params(tag_ids: Sequence[int]) -> dict[str, Any]:
    """The values :func:`has_tags_clause` needs."""
    return {"tag_ids": list(tag_ids), "tag_count": len(set(tag_ids))}


@dataclass(frozen=True)
class TagCount:
    """A tag and how many of its topics the viewer may see."""

    tag: Tag
    topic_count: int


def _counts(viewer: Viewer) -> Select[Any]:
    visible = (select(ContentTag.tag_id, func.count().label("n"))
               .join(Topic, and_(Topic.id == ContentTag.content_key,
                                 ContentTag.content_type == TOPIC))
               .where(topic_clause(viewer, VIEWER_ID))
               .group_by(ContentTag.tag_id).subquery())
    return (select(Tag, func.coalesce(visible.c.n, 0))
            .outerjoin(visible, visible.c.tag_id == Tag.id)
            .order_by(func.coalesce(visible.c.n, 0).desc(), Tag.name, Tag.id))


def tag_counts(db: Any, viewer: Viewer) -> list[TagCount]:
    """Every tag with the number of its topics ``viewer`` may see, most used first (one
    statement)."""
    return [TagCount(tag, count) for tag, count in db.execute(
        kept(viewer, _counts), viewer.params)]


def _newest(viewer: Viewer, limit: int) -> Select[tuple[dt.datetime, int]]:
    return (select(Topic.created_at, Topic.id)
            .where(topic_clause(viewer, VIEWER_ID), has_tags_clause())
            .order_by(Topic.created_at.desc(), Topic.id.desc()).limit(limit))


def newest_tagged(db: Any, viewer: Viewer, tag_ids: Sequence[int], limit: int,
                  ) -> list[int]:
    """Ids of the newest topics with all of ``tag_ids`` that the viewer may see (feeds)."""
    return [row[1] for row in read_rows(db, kept(viewer, _newest, limit),
                                        {**viewer.params, **tag_params(tag_ids)})]
