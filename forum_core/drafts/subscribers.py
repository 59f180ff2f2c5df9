"""Posting discards the draft it was written in, inside the transaction of the post (a core
hook implementation): whichever way the post came (page, inline reply, JSON API, a plugin)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..content.events import PostCreated, PostEdited, TopicCreated
from ..events import Event
from ..hookspecs import hookimpl
from .services import DatabaseDraftService, new_topic_key, post_key, topic_key


@hookimpl
def forum_on_event_in_transaction(session: Session, event: Event) -> None:
    drafts = DatabaseDraftService(session)
    if isinstance(event, TopicCreated):
        drafts.discard(event.user_id, new_topic_key(event.category_id))
    elif isinstance(event, PostCreated):
        drafts.discard(event.user_id, topic_key(event.topic_id))
    elif isinstance(event, PostEdited):
        drafts.discard(event.user_id, post_key(event.post_id))
