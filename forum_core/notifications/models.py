"""In-app notifications: about any kind of content (a reply, an idea, an event), of a kind the
core or a plugin declares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "read_at", "id"),
                      # what e-mail has yet to deal with, member by member (digests page
                      # through the members by id)
                      Index("ix_notifications_unmailed", "mailed_at", "user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: a declared NotificationKind's name: "reply", "groups.announcement"
    kind: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: what it is about: an item of a declared content type ("post", 12)
    content_type: Mapped[str] = mapped_column(String(40))
    content_key: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: why it came, for notifications about a watched place: "<place>:<id>" ("category:3")
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    #: when e-mail dealt with it: sent (at once or in a digest), or passed over because the
    #: member could not see it any more when the message was built; None: not yet
    mailed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def ref(self) -> tuple[str, int]:
        return self.content_type, self.content_key


#: where a member can be told: in the forum ("web"); the issue "News streams" adds "email"
WEB = "web"
#: whether a member who chose nothing gets a kind of notification, per channel (e-mail, once
#: there is such a channel, is chosen per kind and off by default)
CHANNEL_DEFAULTS = {WEB: True}


class NotificationPreference(Base):
    """A member's choice for one notification kind on one channel (``WEB`` today); no row
    means the channel's default (:data:`CHANNEL_DEFAULTS`). Written and read by
    :mod:`forum_core.notifications.preferences`."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: a declared NotificationKind's name (kept when its plugin is disabled, for later)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool]


class EmailPreference(Base):
    """How a member wants to be e-mailed about one notification kind: ``mode`` is one of
    :data:`~forum_core.registries.EMAIL_MODES`. No row means the kind's default
    (``NotificationKind.email``). Written and read by :mod:`forum_core.notifications.email`."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: a declared NotificationKind's name (kept when its plugin is disabled, for later)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    mode: Mapped[str] = mapped_column(String(12))


class EmailState(Base):
    """A member's e-mail bookkeeping, made when first needed."""

    __tablename__ = "email_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: in every unsubscribe link; raised when the member turns e-mail back on, so a link of
    #: an older message cannot turn it off again
    token_generation: Mapped[int] = mapped_column(default=0)
    #: when the job that mails their waiting notifications at once is due (None: no job)
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: when their last daily and weekly digests were made
    daily_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    weekly_at: Mapped[dt.datetime | None] = mapped_column(default=None)
