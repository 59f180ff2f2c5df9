"""Creating and reading notifications.

Notifications are written in the same transaction as the change that causes them. A
notification names an item of a declared content type; what a member sees of them always
goes through that type's visibility (``ContentType.visible``/``items``): a notification about
something the member may not see (a closed category, a hidden post, a group they left) is
neither listed nor counted, and shows again if they may see it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pyramid.i18n import TranslationString
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session, joinedload, object_mapper

from ..accounts.models import User
from ..content.models import Post, Topic
from ..contenttypes import ContentItem
from ..db import read_rows, utcnow
from ..i18n import _
from ..registries import NotificationKind, Registries, registries_of
from .email_delivery import notified
from .kinds import LIKE, MENTION, QUOTE, REPLY
from .models import Notification
from .preferences import muted
from .watching import reasons

if TYPE_CHECKING:
    from pyramid.request import Request

PER_PAGE = 30
#: the newest notifications the header's menu lists (wide screens)
MENU_SIZE = 8
#: the newest unread notifications that are counted (the header shows "99+" beyond)
UNREAD_LIMIT = 100
#: a post's mentions and quotes that are notified at most (the rest is ignored)
MAX_TOLD = 50


@dataclass(frozen=True)
class Shown:
    """A notification the member may see, with what it is about and the sentence to show."""

    notification: Notification
    item: ContentItem
    kind: NotificationKind
    #: why it came, for a watched place ("You watch General"), to translate
    reason: TranslationString | None = None

    @property
    def message(self) -> TranslationString:
        """What the member reads ("Anna replied to Garden tips"), to translate."""
        actor = self.notification.actor
        return TranslationString(self.kind.message, mapping={
            "actor": actor.name if actor is not None else _("Someone"),
            "title": self.item.title})


def ref_of(session: Session, target: object) -> tuple[str, int]:
    """``(type, key)`` of ``target``: a pair already, or an instance of a content type's
    model (a ``Post``, an ``Idea``)."""
    if isinstance(target, tuple):
        name, key = target
        return str(name), int(key)
    registries = _registries(session)
    type_ = registries.content_types.for_model(type(target))
    if type_ is None:
        raise ValueError(f"{type(target).__name__} is not a declared content type's model")
    mapper = object_mapper(target)
    key = getattr(target, mapper.get_property_by_column(mapper.primary_key[0]).key)
    return type_.name, int(key)


def _registries(session: Session) -> Registries:
    registries = registries_of(session)
    if registries is None:
        raise RuntimeError("notifications need a session opened by the forum (db.open_session)")
    return registries


#: the member's newest unread notifications: every signed-in page asks (built once)
_UNREAD = (select(Notification.content_type, Notification.content_key)
           .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
           .order_by(Notification.id.desc()).limit(UNREAD_LIMIT))


@lru_cache(maxsize=16)
def _page_statement(per_page: int, after_cursor: bool) -> Any:
    """A page of a member's notifications with their actors, built once per shape (the
    header's menu asks on every page a member views): ``user_id`` and ``before_id`` bound."""
    query = (select(Notification).where(Notification.user_id == bindparam("user_id"))
             .options(joinedload(Notification.actor))
             .order_by(Notification.id.desc()).limit(per_page))
    if after_cursor:
        query = query.where(Notification.id < bindparam("before_id"))
    return query


class DatabaseNotificationService:
    def __init__(self, session: Session) -> None:
        self.db = session

    # -- writing -----------------------------------------------------------------------

    def notify(self, user_ids: Iterable[int], kind: str, target: object,
               actor_id: int | None = None) -> int:
        """Tell each of ``user_ids`` (once each, never the actor) about ``target`` with a
        notification of ``kind``; returns how many were told."""
        registries = _registries(self.db)
        if kind not in registries.notification_kinds:
            raise ValueError(f"unknown notification kind {kind!r}: declare it with "
                             "forum_register_notification_kinds")
        content_type, key = ref_of(self.db, target)
        if content_type not in registries.content_types:
            raise ValueError(f"unknown content type {content_type!r}")
        recipients = set(user_ids) - {actor_id}
        recipients -= {user_id for user_id, _kind in muted(self.db, recipients, [kind])}
        for user_id in sorted(recipients):
            self.db.add(Notification(user_id=user_id, kind=kind, actor_id=actor_id,
                                     content_type=content_type, content_key=key))
        notified(self.db, [(user_id, kind) for user_id in recipients])
        return len(recipients)

    def notify_for_post(self, post: Post, topic: Topic, mentions: Iterable[str],
                        quoted_post_ids: Iterable[int]) -> None:
        """Tell the people a new post concerns: mentioned members, quoted authors, and the
        topic's author. Each person gets one notification per post, the most specific kind."""
        # each person's kinds for this post, the most specific first
        concerns: dict[int, list[str]] = {}
        names = [name.lower() for name in mentions][:MAX_TOLD]
        if names:
            for user_id in self.db.scalars(select(User.id).where(func.lower(User.username)
                                                                 .in_(names))):
                concerns.setdefault(user_id, []).append(MENTION.name)
        quoted = list(quoted_post_ids)[:MAX_TOLD]
        if quoted:
            for user_id in set(self.db.scalars(select(Post.user_id)
                                               .where(Post.id.in_(quoted)))):
                concerns.setdefault(user_id, []).append(QUOTE.name)
        if post.number > 1:
            concerns.setdefault(topic.user_id, []).append(REPLY.name)
        concerns.pop(post.user_id, None)  # never about one's own post
        # the most specific kind the person did not turn off: with mentions off, a reply to
        # their topic that mentions them still tells them of the reply
        off = muted(self.db, concerns, {kind for kinds in concerns.values() for kind in kinds})
        told = []
        for user_id, kinds in concerns.items():
            kind = next((kind for kind in kinds if (user_id, kind) not in off), None)
            if kind is not None:
                self.db.add(Notification(user_id=user_id, kind=kind, actor_id=post.user_id,
                                         content_type="post", content_key=post.id))
                told.append((user_id, kind))
        notified(self.db, told)

    def notify_like(self, post_id: int, author_id: int, liker_id: int) -> None:
        """Tell a post's author that ``liker_id`` liked it (unless they turned likes off;
        never about liking one's own post, which the likes service refuses anyway)."""
        if author_id == liker_id or muted(self.db, [author_id], [LIKE.name]):
            return
        self.db.add(Notification(user_id=author_id, kind=LIKE.name, actor_id=liker_id,
                                 content_type="post", content_key=post_id))
        notified(self.db, [(author_id, LIKE.name)])

    def withdraw_like(self, post_id: int, author_id: int, liker_id: int) -> None:
        """A like was taken back: its notification goes too while the author has not read
        it (one they read stays: it happened, and they saw it)."""
        self.db.execute(delete(Notification).where(
            Notification.user_id == author_id, Notification.kind == LIKE.name,
            Notification.actor_id == liker_id, Notification.content_type == "post",
            Notification.content_key == post_id, Notification.read_at.is_(None)))

    # -- reading, through the content types' visibility ----------------------------------

    def unread_count(self, request: Request) -> int:
        """How many of the member's newest unread notifications they may see."""
        refs = read_rows(self.db, _UNREAD, {"user_id": request.viewer.user_id}).all()
        if not refs:  # most page views: one indexed look at the member's own rows
            return 0
        visible = _registries(self.db).content_types.visible(
            request, {(row[0], row[1]) for row in refs})
        return sum((row[0], row[1]) in visible for row in refs)

    def page(self, request: Request, before_id: int | None = None, per_page: int = PER_PAGE,
             ) -> tuple[list[Shown], int | None]:
        """A page of the member's notifications they may see, newest first, and the cursor
        of the next page (None on the last)."""
        rows = list(self.db.scalars(_page_statement(per_page, before_id is not None),
                                    {"user_id": request.viewer.user_id,
                                     "before_id": before_id}))
        shown = self._shown(request, rows)
        return shown, rows[-1].id if len(rows) == per_page else None

    def open(self, request: Request, notification_id: int) -> Shown | None:
        """The member's own notification, if they may see what it is about; marked read."""
        found = self.db.scalar(select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == request.viewer.user_id))
        if found is None:
            return None
        shown = self._shown(request, [found])
        if shown and found.read_at is None:
            found.read_at = utcnow()
        return shown[0] if shown else None

    def mark_all_read(self, request: Request) -> None:
        self.db.execute(update(Notification).where(
            Notification.user_id == request.viewer.user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow()))

    def _shown(self, request: Request, rows: list[Notification]) -> list[Shown]:
        registries = _registries(self.db)
        items = registries.content_types.items(request, {row.ref for row in rows})
        shown = [row for row in rows if row.ref in items]
        why = reasons(self.db, request.viewer, [row for row in shown if row.reason])
        return [Shown(row, items[row.ref], registries.kind(row.kind), why.get(row.id))
                for row in shown]


def unread_notifications(request: Request) -> int:
    """Unread notifications of the signed-in member (``request.unread_notifications``)."""
    if request.user is None:
        return 0
    return DatabaseNotificationService(request.db).unread_count(request)


def menu_notifications(request: Request) -> list[Shown]:
    """The signed-in member's newest notifications that they may see, for the header's menu
    (``request.menu_notifications``; at most :data:`MENU_SIZE`)."""
    if request.user is None:
        return []
    return DatabaseNotificationService(request.db).page(request, per_page=MENU_SIZE)[0]


def notify(session: Session, user_ids: Iterable[int], kind: str, target: object,
           actor: User | None = None) -> int:
    """Notify members about an item of content: a reply, an idea, an event.

    Call it while writing the change (in the same session): the notifications are saved with
    it or not at all. Whoever may not see the item never sees the notification.

    :param user_ids: the members to tell; each is told once, and never the ``actor``.
    :param kind: a declared notification kind's name (``forum_register_notification_kinds``),
        such as ``"ideas.status"``.
    :param target: what it is about: an instance of a declared content type's model (a
        ``Post``, an ``Idea``) or a ``(type name, key)`` pair.
    :param actor: the member who did it, if any.
    :return: how many members were notified.
    :raises ValueError: for a kind or content type that is not declared.
    """
    return DatabaseNotificationService(session).notify(user_ids, kind, target,
                                                       actor.id if actor else None)
