"""The groups plugin's tables; their names start with 'groups_'."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum_core.api import Base, Category, User, utcnow

#: open: anyone joins; request: owners approve; invite: by invitation only; hidden: like
#: invite, and not listed (only members know it exists)
KINDS = ("open", "request", "invite", "hidden")


class Group(Base):
    __tablename__ = "groups_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """A member of a group; owners manage the group's members and space."""

    __tablename__ = "groups_memberships"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    #: the member asked to get the group's announcements by e-mail too
    email_announcements: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship()


class Space(Base):
    """A category that belongs to a group: what is posted there only its members see."""

    __tablename__ = "groups_spaces"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups_groups.id", ondelete="CASCADE"), index=True)

    category: Mapped[Category] = relationship()
    group: Mapped[Group] = relationship()


class JoinRequest(Base):
    __tablename__ = "groups_join_requests"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Invitation(Base):
    """An invitation: to one member (``user_id``), or a link anyone holding it may use until
    it expires (only the hash of its token is stored). A link sent by e-mail to someone who
    has no account yet keeps the address (``email``) so the owners see who was invited."""

    __tablename__ = "groups_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    group: Mapped[Group] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
