"""Content events of discussions, announced to plugins after commit (``forum_on_event``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event


@dataclass(frozen=True)
class TopicCreated(Event):
    """A topic was started (its opening post is announced as ``PostCreated`` too)."""

    topic_id: int
    post_id: int
    user_id: int
    category_id: int


@dataclass(frozen=True)
class PostCreated(Event):
    """A post exists: the first post of a topic or a reply."""

    post_id: int
    topic_id: int
    user_id: int
    mentions: tuple[str, ...] = ()
    quoted_post_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PostEdited(Event):
    """A post's text was changed (``user_id``: who changed it)."""

    post_id: int
    topic_id: int
    user_id: int
