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


@dataclass(frozen=True)
class PostLiked(Event):
    """A member liked a post (``user_id``: who liked it; ``author_id``: who wrote it).
    ``like_count`` is the post's count with this like. Announced once per like: liking a
    post one likes already announces nothing."""

    post_id: int
    topic_id: int
    user_id: int
    author_id: int
    like_count: int


@dataclass(frozen=True)
class PostUnliked(Event):
    """A member took back their like of a post; ``like_count`` is the count without it.
    Announced only when there was a like to take back."""

    post_id: int
    topic_id: int
    user_id: int
    author_id: int
    like_count: int
