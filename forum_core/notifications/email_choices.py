"""How members are e-mailed about their notifications, and unsubscribing in one click.

Per member and notification kind, one of :data:`MODES`: ``immediately`` (a message a few
minutes later, one per topic), ``daily`` or ``weekly`` (in a digest), or ``never``. A member
who chose nothing for a kind gets the kind's default (``NotificationKind.email``: the core's
replies, quotes and mentions at once, likes never, plugin kinds as they declare). A row of
``email_preferences`` is kept only for a choice made.

Every message carries a link that unsubscribes without signing in (RFC 8058). Its token is
signed with the forum's secret and names the member, what it unsubscribes from (a kind,
several kinds, a digest, or everything) and the member's token generation: turning e-mail
back on raises the generation, so the link of an older message is refused from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..db import dialect_insert
from ..errors import ValidationError
from ..i18n import _
from ..registries import EMAIL_MODES, NotificationKind, Registries
from .models import EmailPreference, EmailState

MODES = EMAIL_MODES
IMMEDIATELY, DAILY, WEEKLY, NEVER = MODES
DIGESTS = (DAILY, WEEKLY)
#: what a token unsubscribes from besides kind names: one digest, or all e-mail
ALL = "all"
_TOKEN = re.compile(r"^(\d{1,12})-(\d{1,9})-([a-z0-9_.+]{1,400})-([0-9a-f]{32})$")


@dataclass(frozen=True)
class EmailChoice:
    """A member's e-mail mode for one declared kind (``chosen``: not the default)."""

    kind: NotificationKind
    mode: str
    chosen: bool


def has_usable_address(user: User) -> bool:
    """Whether the forum e-mails ``user`` at all: an address, not banned, and not one of
    the demo accounts (``forum init --demo``) whose addresses are made up."""
    return "@" in (user.email or "") and user.status != "banned" and not user.is_demo


def email_choices(session: Session, registries: Registries, user_id: int) -> list[EmailChoice]:
    """The member's mode for every declared kind, in the order the kinds were declared."""
    stored = dict(session.execute(select(EmailPreference.kind, EmailPreference.mode)
                                  .where(EmailPreference.user_id == user_id)).tuples().all())
    return [EmailChoice(kind, stored.get(kind.name, kind.email), kind.name in stored)
            for kind in registries.notification_kinds.values()]


def modes_of(session: Session, registries: Registries, user_ids: Iterable[int],
             kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """``(member, kind) -> mode`` for every pair of ``user_ids`` and ``kinds`` (one query;
    a kind no longer declared is ``never``)."""
    ids, names = sorted(set(user_ids)), sorted(set(kinds))
    found: dict[tuple[int, str], str] = {}
    if not ids or not names:
        return found
    for user_id, kind, mode in session.execute(
            select(EmailPreference.user_id, EmailPreference.kind, EmailPreference.mode)
            .where(EmailPreference.user_id.in_(ids), EmailPreference.kind.in_(names))):
        found[(user_id, kind)] = mode
    for name in names:
        declared = registries.notification_kinds.get(name)
        default = declared.email if declared is not None else NEVER
        for user_id in ids:
            found.setdefault((user_id, name), default)
    return found


def save_email_choices(session: Session, registries: Registries, user_id: int,
                       modes: Mapping[str, str]) -> None:
    """Store the member's modes for the kinds named in ``modes`` (kind name to mode); kinds
    left out keep theirs. Saving twice, or from two tabs at once, leaves one row per kind.
    Turning a kind back on from ``never`` makes the unsubscribe links of earlier messages
    invalid (a link must not undo a later choice).

    :raises ValidationError: for a kind that is not declared or a mode that is not one of
        :data:`MODES`.
    """
    unknown = sorted(set(modes) - set(registries.notification_kinds))
    if unknown:
        raise ValidationError(_("There is no kind of notification called ${kind}.",
                                mapping={"kind": unknown[0][:60]}))
    bad = sorted(mode for mode in modes.values() if mode not in MODES)
    if bad:
        raise ValidationError(_("${mode} is not a way to be e-mailed: choose immediately, "
                                "daily, weekly or never.", mapping={"mode": bad[0][:20]}))
    before = modes_of(session, registries, [user_id], modes)
    for kind, mode in sorted(modes.items()):
        statement = dialect_insert(session, EmailPreference).values(
            user_id=user_id, kind=kind, mode=mode)
        session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "kind"], set_={"mode": mode}))
    if any(before[(user_id, kind)] == NEVER and mode != NEVER for kind, mode in modes.items()):
        _ensure_state(session, [user_id])
        session.execute(update(EmailState).where(EmailState.user_id == user_id)
                        .values(token_generation=EmailState.token_generation + 1))


def _ensure_state(session: Session, user_ids: Iterable[int]) -> None:
    rows = [{"user_id": user_id, "token_generation": 0} for user_id in sorted(set(user_ids))]
    if rows:
        session.execute(dialect_insert(session, EmailState).values(rows)
                        .on_conflict_do_nothing(index_elements=["user_id"]))


def token_generation(session: Session, user_id: int) -> int:
    return session.scalar(select(EmailState.token_generation)
                          .where(EmailState.user_id == user_id)) or 0


# -- unsubscribing in one click ---------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid token stands for: the member and what to stop (kind names, ``daily``,
    ``weekly`` or ``all``)."""

    user_id: int
    generation: int
    scope: tuple[str, ...]


def _signature(secret: str, message: str) -> str:
    key = hashlib.sha256(f"forum.email.unsubscribe:{secret}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(secret: str, user_id: int, generation: int, scope: Iterable[str]) -> str:
    """The signed token of an unsubscribe link (``scope``: kind names, a digest or ``all``)."""
    message = f"{user_id}-{generation}-{'+'.join(sorted(set(scope)))}"
    return f"{message}-{_signature(secret, message)}"


def read_token(session: Session, secret: str, token: str) -> Unsubscribe:
    """What ``token`` unsubscribes from.

    :raises ValidationError: for a token that is malformed or not signed by this forum, or
        that an earlier message carried before the member turned e-mail back on.
    """
    found = _TOKEN.match(token or "")
    if found is None or not secret or not hmac.compare_digest(
            found[4], _signature(secret, token.rpartition("-")[0])):
        raise ValidationError(_("This unsubscribe link is not valid: it is incomplete or was "
                                "not made by this forum. Use the link of the e-mail itself, "
                                "or change your e-mail settings on your account page."))
    user_id, generation = int(found[1]), int(found[2])
    if session.get(User, user_id) is None or generation != token_generation(session, user_id):
        raise ValidationError(_("This unsubscribe link is out of date: you changed your e-mail "
                                "settings after this message was sent. Use the link of a newer "
                                "e-mail, or change your settings on your account page."))
    return Unsubscribe(user_id, generation, tuple(found[3].split("+")))


def apply_unsubscribe(session: Session, registries: Registries, wanted: Unsubscribe,
                      ) -> list[NotificationKind]:
    """Stop e-mail of what ``wanted`` names, at once (a job that has not built its message
    yet sends nothing for those kinds); returns the kinds that now send none. Applying the
    same token again changes nothing."""
    declared = registries.notification_kinds
    current = {choice.kind.name: choice.mode
               for choice in email_choices(session, registries, wanted.user_id)}
    if ALL in wanted.scope:
        names = list(declared)
    else:
        digests = set(wanted.scope) & set(DIGESTS)
        names = [name for name in declared
                 if name in wanted.scope or current[name] in digests]
    save_email_choices(session, registries, wanted.user_id, dict.fromkeys(names, NEVER))
    return [declared[name] for name in names]
