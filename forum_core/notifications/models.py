"""In-app notifications: replies to your topics, quotes of your posts, @mentions, and what
plugins tell members about (announcements to their groups, status changes of ideas they
voted for)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..content.models import Post
from ..db import Base, utcnow

#: what a notification is about; each kind has its sentence in notifications/list.html
KINDS = ("mention", "quote", "reply", "announcement", "status")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    post: Mapped[Post] = relationship()
