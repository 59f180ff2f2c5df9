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
class MemberRestricted(Event):
    """A member was suspended, banned or reinstated."""

    user_id: int
    action: str
