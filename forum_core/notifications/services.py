"""Creating and reading notifications.

Notifications are written in the same transaction as the post that causes them. What a member
sees of them always goes through the visibility choke point: a notification about a post the
member may not see (a closed category, a hidden or held post) is neither listed nor counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import User
from ..content.models import Post, Topic
from ..db import utcnow
from ..visibility import Viewer, post_clause
from .models import KINDS, Notification

if TYPE_CHECKING:
    from pyramid.request import Request

PER_PAGE = 30


class DatabaseNotificationService:
    def __init__(self, session: Session) -> None:
        self.db = session

    def notify_for_post(self, post: Post, topic: Topic, mentions: Iterable[str],
                        quoted_post_ids: Iterable[int]) -> None:
        """Tell the people a new post concerns: mentioned members, quoted authors, and the
        topic's author. Each person gets one notification per post, the most specific kind."""
        recipients: dict[int, str] = {}
        names = [name.lower() for name in mentions][:50]
        if names:
            for user_id in self.db.scalars(select(User.id).where(func.lower(User.username)
                                                                 .in_(names))):
                recipients.setdefault(user_id, "mention")
        quoted = list(quoted_post_ids)[:50]
        if quoted:
            for user_id in self.db.scalars(select(Post.user_id).where(Post.id.in_(quoted))):
                recipients.setdefault(user_id, "quote")
        if post.number > 1:
            recipients.setdefault(topic.user_id, "reply")
        recipients.pop(post.user_id, None)  # never about one's own post
        for user_id, kind in recipients.items():
            self.db.add(Notification(user_id=user_id, kind=kind, actor_id=post.user_id,
                                     post_id=post.id))

    def notify(self, user_ids: Iterable[int], post: Post, kind: str,
               actor_id: int | None = None) -> int:
        """Tell each of ``user_ids`` (once each, never the actor) about ``post``; returns how
        many were told. Whoever may no longer see the post will not see the notification."""
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        recipients = set(user_ids) - {actor_id}
        for user_id in sorted(recipients):
            self.db.add(Notification(user_id=user_id, kind=kind, actor_id=actor_id,
                                     post_id=post.id))
        return len(recipients)

    def _visible(self, viewer: Viewer) -> Select[tuple[Notification]]:
        return (select(Notification).join(Post, Notification.post_id == Post.id)
                .where(Notification.user_id == viewer.user_id, post_clause(viewer)))

    def unread_count(self, viewer: Viewer) -> int:
        # most page views find nothing unread: one indexed look at the member's own rows
        # first, the visibility of the posts only when there is something to count
        anything = self.db.scalar(select(Notification.id).where(
            Notification.user_id == viewer.user_id, Notification.read_at.is_(None)).limit(1))
        if anything is None:
            return 0
        query = self._visible(viewer).where(Notification.read_at.is_(None))
        return self.db.scalar(select(func.count()).select_from(query.subquery())) or 0

    def page(self, viewer: Viewer, before_id: int | None = None) -> list[Notification]:
        query = (self._visible(viewer)
                 .options(joinedload(Notification.actor),
                          joinedload(Notification.post).joinedload(Post.topic))
                 .order_by(Notification.id.desc()).limit(PER_PAGE))
        if before_id is not None:
            query = query.where(Notification.id < before_id)
        return list(self.db.scalars(query))

    def open(self, viewer: Viewer, notification_id: int) -> Notification | None:
        """The viewer's own visible notification, marked read."""
        found = self.db.scalar(self._visible(viewer).where(Notification.id == notification_id)
                               .options(joinedload(Notification.post).joinedload(Post.topic)))
        if found is not None and found.read_at is None:
            found.read_at = utcnow()
        return found

    def mark_all_read(self, viewer: Viewer) -> None:
        self.db.execute(update(Notification).where(
            Notification.user_id == viewer.user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()))


def unread_notifications(request: Request) -> int:
    """Unread notifications of the signed-in member (``request.unread_notifications``)."""
    if request.user is None:
        return 0
    return DatabaseNotificationService(request.db).unread_count(request.viewer)


def notify(session: Session, user_ids: Iterable[int], post: Post, kind: str,
           actor: User | None = None) -> int:
    """Notify members about ``post`` (a plugin's announcement, a status change...).

    :param kind: one of :data:`~forum_core.notifications.models.KINDS`.
    :return: how many members were notified (never the actor; each member once).
    """
    return DatabaseNotificationService(session).notify(user_ids, post, kind,
                                                       actor.id if actor else None)
