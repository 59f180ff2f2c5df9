"""Content events: small dataclasses announced twice, inside the transaction and after it.

Services call :func:`emit` while they work. Inside the transaction, ``emit`` hands the event
to ``forum_on_event_in_transaction`` at once: the core's notifications and a plugin's own
rows are written in the same session, saved with the change or not at all. Then the event
waits in the session and is handed to ``forum_on_event`` once the transaction has committed;
a rollback throws it away, so nothing reacts after the fact to something that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from .plugins import AccessHookFailed
from .registries import registries_of

if TYPE_CHECKING:
    from .plugins import Hooks

_PENDING = "forum.pending_events"


@dataclass(frozen=True)
class Event:
    """Base class of all events; subclass it (frozen dataclass) for a plugin's own events."""


@dataclass(frozen=True)
class UserRegistered(Event):
    """A new member account exists."""

    user_id: int
    username: str


@dataclass(frozen=True)
class AudienceJoined(Event):
    """A member joined an audience (``principal``: a group's ``group:12``), so they get the
    default follow levels an administrator set for it."""

    user_id: int
    principal: str


@dataclass(frozen=True)
class UserRoleChanged(Event):
    """A member's role changed (for example from member to moderator)."""

    user_id: int
    old_role: str
    new_role: str


@dataclass(frozen=True)
class ContributionChanged(Event):
    """Something a member contributed changed in a way recognition may count: an idea got or
    lost a vote, an article was published or found helpful, an answer was accepted or no
    longer is. ``author_id`` is the member who contributed it (None when nobody does any
    more); plugins announce it for their own content so that rules and point actions
    about it re-check its author."""

    type_name: str
    key: int
    author_id: int | None


def _hooks(session: Session) -> Hooks | None:
    registries = registries_of(session)
    return None if registries is None else registries.hooks


def emit(session: Session, event: Event) -> None:
    """Announce ``event``: now to the hooks that write in this transaction, and to the hooks
    that react after it once ``session`` commits.

    :raises RuntimeError: for a session that belongs to no forum (opened without
        ``open_session``): its events would reach nobody, notifications included.
    """
    hooks = _hooks(session)
    if hooks is None:
        raise RuntimeError("emit() needs a session opened by the forum (db.open_session)")
    hooks.collect("forum_on_event_in_transaction", session=session, event=event)
    session.info.setdefault(_PENDING, []).append(event)


@sa_event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    hooks = _hooks(session)
    if hooks is None:
        return
    for item in pending:
        try:
            hooks.collect("forum_on_event", event=item)
        except AccessHookFailed:  # (logged where it failed) the commit is done: go on
            continue


@sa_event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    # a rolled-back savepoint leaves the outer transaction's events standing
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
