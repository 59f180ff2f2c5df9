"""Moderation: topic and post states, flags, member suspensions, and the audit log.

Every action goes through here and leaves an audit entry. Counters shown in listings count
only posts everyone may see, so whenever a post becomes visible or invisible (hidden, deleted,
held, approved, restored) the counters move with it, in single UPDATE statements.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from ..content.models import Category, Post, Topic
from ..db import lock_row, utcnow
from ..errors import ValidationError
from ..events import emit
from ..i18n import _
from ..limits import REASON_MAX, REASON_MIN
from ..visibility import post_clause
from .events import MemberRestricted, PostStateChanged, TopicMoved, TopicStateChanged
from .models import AuditEntry, Flag

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..visibility import Viewer

TOPIC_SWITCHES = {"pin": ("is_pinned", True), "unpin": ("is_pinned", False),
                  "lock": ("is_locked", True), "unlock": ("is_locked", False),
                  "close": ("is_closed", True), "open": ("is_closed", False)}


def counted(post: Post) -> bool:
    """Whether a post counts in listings (everyone may see it)."""
    return not (post.is_deleted or post.is_hidden or post.is_held)


class DatabaseModerationService:
    def __init__(self, session: Session) -> None:
        self.db = session

    # -- audit log ---------------------------------------------------------------------------

    def log(self, actor: User | None, action: str, target_type: str, target_id: int,
            detail: str = "") -> None:
        self.db.add(AuditEntry(actor_id=actor.id if actor else None, action=action,
                               target_type=target_type, target_id=target_id, detail=detail))

    def audit_log(self, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        query = (select(AuditEntry).options(joinedload(AuditEntry.actor))
                 .order_by(AuditEntry.id.desc()).limit(limit))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        return list(self.db.scalars(query))

    # -- topics ------------------------------------------------------------------------------

    def switch_topic(self, actor: User, topic: Topic, action: str) -> None:
        """Pin, unpin, lock, unlock, close or open a topic."""
        if action not in TOPIC_SWITCHES:
            raise ValidationError(_("Unknown action."))
        field, value = TOPIC_SWITCHES[action]
        setattr(topic, field, value)
        self.log(actor, f"topic.{action}", "topic", topic.id)

    def move_topic(self, actor: User, topic: Topic, category: Category) -> None:
        if category.id == topic.category_id:
            return
        old = topic.category_id
        if not topic.is_deleted:
            posts = self._counted_posts(topic)
            self._move_counts(old, -1, -posts)
            self._move_counts(category.id, 1, posts)
        topic.category_id = category.id
        self.log(actor, "topic.move", "topic", topic.id, f"{old} -> {category.id}")
        self.db.flush()  # plugins read the topic where it is now
        emit(self.db, TopicMoved(topic_id=topic.id, from_category_id=old,
                                 to_category_id=category.id))

    def delete_topic(self, actor: User, topic: Topic) -> None:
        if topic.is_deleted:
            return
        topic.is_deleted = True
        self._move_counts(topic.category_id, -1, -self._counted_posts(topic))
        self.log(actor, "topic.delete", "topic", topic.id)
        self.db.flush()
        emit(self.db, TopicStateChanged(topic_id=topic.id, action="delete"))

    def restore_topic(self, actor: User, topic: Topic) -> None:
        if not topic.is_deleted:
            return
        topic.is_deleted = False
        self._move_counts(topic.category_id, 1, self._counted_posts(topic))
        self.log(actor, "topic.restore", "topic", topic.id)
        self.db.flush()
        emit(self.db, TopicStateChanged(topic_id=topic.id, action="restore"))

    def _refresh_last_post(self, topic: Topic) -> None:
        """Listings show the latest post everyone may see: after hiding the newest reply its
        author and time must not stay on the topic's row."""
        self.db.flush()  # the changed post state must be in the query below
        latest = self.db.execute(
            select(Post.created_at, Post.user_id).where(
                Post.topic_id == topic.id, Post.is_deleted.is_(False),
                Post.is_hidden.is_(False), Post.is_held.is_(False))
            .order_by(Post.number.desc()).limit(1)).first()
        if latest is not None:
            self.db.execute(update(Topic).where(Topic.id == topic.id).values(
                last_post_at=latest.created_at, last_post_user_id=latest.user_id))
            self.db.expire(topic, ["last_post_at", "last_post_user_id", "reply_count"])

    def _counted_posts(self, topic: Topic) -> int:
        return self.db.scalar(select(func.count()).select_from(Post).where(
            Post.topic_id == topic.id, Post.is_deleted.is_(False), Post.is_hidden.is_(False),
            Post.is_held.is_(False))) or 0

    def _move_counts(self, category_id: int, topics: int, posts: int) -> None:
        self.db.execute(update(Category).where(Category.id == category_id).values(
            topic_count=Category.topic_count + topics, post_count=Category.post_count + posts))

    # -- posts -------------------------------------------------------------------------------

    def set_post_state(self, actor: User, post: Post, action: str, reason: str = "") -> None:
        """hide, unhide, delete, restore or approve a post, keeping counters exact."""
        states = {"hide": ("is_hidden", True), "unhide": ("is_hidden", False),
                  "delete": ("is_deleted", True), "restore": ("is_deleted", False),
                  "approve": ("is_held", False)}
        if action not in states:
            raise ValidationError(_("Unknown action."))
        field, value = states[action]
        if getattr(post, field) == value:
            return
        before = counted(post)
        setattr(post, field, value)
        delta = int(counted(post)) - int(before)
        topic = self.db.get(Topic, post.topic_id)
        assert topic is not None  # foreign key
        opening_released = action == "approve" and post.number == 1 and topic.is_held
        if opening_released:
            topic.is_held = False
        if delta:
            if post.number > 1:
                self.db.execute(update(Topic).where(Topic.id == topic.id).values(
                    reply_count=Topic.reply_count + delta))
            self._refresh_last_post(topic)
            if not topic.is_deleted:
                self._move_counts(topic.category_id, int(opening_released), delta)
        self.log(actor, f"post.{action}", "post", post.id, reason[:REASON_MAX])
        emit(self.db, PostStateChanged(post_id=post.id, topic_id=post.topic_id, action=action))

    # -- flags -------------------------------------------------------------------------------

    def flag(self, user: User, post: Post, reason: str) -> Flag:
        reason = " ".join(reason.split())
        if not REASON_MIN <= len(reason) <= REASON_MAX:
            raise ValidationError(_("Say in ${minimum} to ${maximum} characters what is wrong "
                                    "with the post.", mapping={"minimum": REASON_MIN,
                                                               "maximum": REASON_MAX}))
        # one open flag per member and post, also when the form is sent twice at once
        lock_row(self.db, Post, post.id)
        existing = self.db.scalar(select(Flag).where(
            Flag.post_id == post.id, Flag.user_id == user.id, Flag.resolved_at.is_(None)))
        if existing is not None:
            raise ValidationError(_("You have flagged this post already; a moderator will "
                                    "look at it."))
        flag = Flag(post_id=post.id, user_id=user.id, reason=reason)
        self.db.add(flag)
        return flag

    def open_flags(self, viewer: Viewer) -> list[Flag]:
        """Flags not yet resolved, on posts ``viewer`` may see (a moderator outside a closed
        group does not see its posts here either)."""
        return list(self.db.scalars(
            select(Flag).join(Post, Post.id == Flag.post_id)
            .where(Flag.resolved_at.is_(None), post_clause(viewer))
            .options(joinedload(Flag.post).joinedload(Post.author), joinedload(Flag.flagger),
                     joinedload(Flag.post).joinedload(Post.topic))
            .order_by(Flag.id)).unique())

    def held_posts(self, viewer: Viewer) -> list[Post]:
        """Posts awaiting approval that ``viewer`` may see."""
        return list(self.db.scalars(
            select(Post).where(Post.is_held.is_(True), Post.is_deleted.is_(False),
                               post_clause(viewer))
            .options(joinedload(Post.author), joinedload(Post.topic)).order_by(Post.id)))

    def resolve_flag(self, actor: User, flag: Flag, resolution: str) -> None:
        """``hide`` the flagged post, or ``dismiss`` the flag."""
        if resolution not in ("hide", "dismiss"):
            raise ValidationError(_("Unknown action."))
        if flag.resolved_at is not None:
            return
        if resolution == "hide":
            self.set_post_state(actor, flag.post, "hide", flag.reason)
        flag.resolved_at, flag.resolved_by_id, flag.resolution = utcnow(), actor.id, resolution
        self.log(actor, f"flag.{resolution}", "post", flag.post_id, flag.reason)

    # -- members -----------------------------------------------------------------------------

    def restrict(self, actor: User, member: User, action: str, days: int | None = None,
                 reason: str = "") -> None:
        """``suspend`` for ``days`` (reads only), ``ban`` (cannot sign in), or ``reinstate``."""
        from ..accounts.services import DatabaseUserService

        if member.id == actor.id:
            raise ValidationError(_("You cannot moderate your own account."))
        if member.role == "admin" and actor.role != "admin":
            raise ValidationError(_("Only administrators can moderate administrators."))
        if action == "suspend":
            if days is None or not 1 <= days <= 3650:
                raise ValidationError(_("Suspend for 1 to 3650 days."))
            member.status, member.suspended_until = "suspended", utcnow() + dt.timedelta(days=days)
        elif action == "ban":
            member.status, member.suspended_until = "banned", None
            DatabaseUserService(self.db).end_all_sessions(member)
        elif action == "reinstate":
            member.status, member.suspended_until = "active", None
        else:
            raise ValidationError(_("Unknown action."))
        detail = f"{days} days: {reason}" if action == "suspend" else reason
        self.log(actor, f"member.{action}", "user", member.id, detail[:REASON_MAX])
        emit(self.db, MemberRestricted(user_id=member.id, action=action))
