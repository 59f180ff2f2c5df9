"""Notifications made from content events, inside the transaction of the change (a core
hook implementation, registered before any plugin's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..content.events import PostCreated, PostLiked, PostUnliked
from ..content.models import Post, Topic
from ..events import AudienceJoined, Event, UserRegistered, UserRoleChanged
from ..hookspecs import hookimpl
from ..jobs import QUEUE_KEY, Job, JobContext, enqueue
from .services import DatabaseNotificationService
from .watching import (
    NOTIFY_WATCHERS,
    apply_defaults,
    auto_track,
    may_have_watchers,
    tell_watchers,
)


@hookimpl
def forum_on_event_in_transaction(session: Session, event: Event) -> None:
    """A new post tells the members it concerns: mentioned, quoted, the topic's author (and
    a job tells those who watch its places); the author tracks the topic; a like tells the
    post's author, and taking it back withdraws that while it is unread; a member who
    registers, changes role or joins an audience (a group) gets its default follow levels."""
    if isinstance(event, UserRegistered):
        apply_defaults(session, event.user_id, ["role:member"])
        return
    if isinstance(event, UserRoleChanged):
        apply_defaults(session, event.user_id, [f"role:{event.new_role}"])
        return
    if isinstance(event, AudienceJoined):
        apply_defaults(session, event.user_id, [event.principal])
        return
    if isinstance(event, PostLiked):
        DatabaseNotificationService(session).notify_like(event.post_id, event.author_id,
                                                         event.user_id)
        return
    if isinstance(event, PostUnliked):
        DatabaseNotificationService(session).withdraw_like(event.post_id, event.author_id,
                                                           event.user_id)
        return
    if not isinstance(event, PostCreated):
        return
    post, topic = session.get(Post, event.post_id), session.get(Topic, event.topic_id)
    if post is None or topic is None:  # (both were just written by this session)
        return
    DatabaseNotificationService(session).notify_for_post(
        post, topic, event.mentions, event.quoted_post_ids)
    auto_track(session, post.user_id, topic.id)
    # the watchers (of a category, maybe thousands) are told by a job, after the commit; a
    # session without a job queue (a migration's, a bare one) tells nobody
    if session.info.get(QUEUE_KEY) is not None and may_have_watchers(session, post, topic):
        enqueue(session, NOTIFY_WATCHERS, post_id=post.id)


def _notify_watchers(context: JobContext, post_id: int) -> None:
    tell_watchers(context.session, post_id)


@hookimpl
def forum_register_jobs() -> list[Job]:
    return [Job(NOTIFY_WATCHERS, _notify_watchers, retries=5, retry_delay=30.0)]
