"""Drafts: what a member has written and not yet posted, one per place to write."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

#: the longest draft key ("new-topic-" and an id of 18 digits fit)
KEY_MAX = 40


class Draft(Base):
    """A member's unsent text for one place: a reply to a topic (``topic-<id>``), a new topic
    in a category (``new-topic-<category id>``, with a title) or a change of a post
    (``post-<id>``). One per member and key; saving again replaces it."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the category of a new topic's draft (None for replies and edits)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
