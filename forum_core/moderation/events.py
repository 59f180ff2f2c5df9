"""Content events of moderation, announced to plugins after commit."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event


@dataclass(frozen=True)
class PostStateChanged(Event):
    """A moderator (or the author) hid, deleted, restored or approved a post."""

    post_id: int
    topic_id: int
    action: str


@dataclass(frozen=True)
class TopicStateChanged(Event):
    """A moderator deleted or restored a whole topic (``action``: "delete" or "restore"):
    every post in it is gone from view, or back."""

    topic_id: int
    action: str


@dataclass(frozen=True)
class TopicMoved(Event):
    """A moderator moved a topic to another category (a plugin that gives a category's
    topics a role, such as questions or ideas, takes on or lets go of it)."""

    topic_id: int
    from_category_id: int
    to_category_id: int


@dataclass(frozen=True)
class MemberRestricted(Event):
    """A member was suspended, banned or reinstated."""

    user_id: int
    action: str
