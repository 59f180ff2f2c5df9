"""Member accounts and their sign-in sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow

#: Roles in rising order of rights. Bans and suspensions are states, not roles.
ROLES = ("member", "moderator", "admin")


class User(Base):
    """A member: username, display ``name``, role (``ROLES``), language, status (active,
    suspended, banned) and profile."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    display_name: Mapped[str] = mapped_column(String(60), default="")
    locale: Mapped[str | None] = mapped_column(String(10), default=None)
    #: the IANA time zone the member reads times in (None: the forum's, forum.time_zone)
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the member was last here (written behind their requests: .visits; None: when
    #: they joined)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    #: when their visit before the current one ended (None: no visit before)
    previous_visit_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: on how many days (UTC) the member was here, the day they joined included
    days_visited: Mapped[int] = mapped_column(default=1, server_default="0")
    #: "active", "suspended" (reads, cannot post, until suspended_until) or "banned"
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    suspended_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    title: Mapped[str] = mapped_column(String(60), default="", server_default="")
    bio: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    #: file name of the uploaded avatar under <data_dir>/avatars, or "" for a generated one
    avatar: Mapped[str] = mapped_column(String(80), default="", server_default="")
    #: whether pages answer the keyboard shortcuts (j/k, r, /, ?) for this member
    keyboard_shortcuts: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: whether topics the member starts or replies to are tracked for them
    auto_track: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: the hash of the secret in the address of the member's personal feed (None: no feed)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True,
                                                        unique=True)

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)

    def is_restricted(self, now: dt.datetime) -> bool:
        """Banned, or suspended and the suspension has not run out."""
        if self.status == "banned":
            return True
        return self.status == "suspended" and (
            self.suspended_until is None or self.suspended_until > now)

    @property
    def name(self) -> str:
        """What pages show for this member."""
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r} {self.role}>"


# usernames and e-mail addresses are unique whatever their case
Index("uq_users_username_lower", func.lower(User.username), unique=True)
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class AuthSession(Base):
    """A signed-in browser. The cookie carries a random token; only its hash is stored, so a
    leaked database does not sign anyone in. Deleting rows signs browsers out everywhere."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(back_populates="sessions")


class PasswordReset(Base):
    """A single-use link to set a new password, e-mailed to the member; only the hash of its
    token is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class ApiToken(Base):
    """A personal API token: a member's key for scripts and other clients, sent as
    ``Authorization: Bearer``. Only its hash is stored; it acts with the member's permissions
    until it is revoked (deleted)."""

    __tablename__ = "api_tokens"
    # a member tells their tokens apart by name (migration core_0017)
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters, so the member can tell tokens apart
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
