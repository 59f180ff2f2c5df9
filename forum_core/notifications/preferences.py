"""Which kinds of notifications a member gets: their choices, per kind and channel.

Every declared kind (the core's replies, quotes, mentions and likes, and each enabled
plugin's) can be turned off by a member. A member who chose nothing gets every kind in the
forum: a row of ``notification_preferences`` is stored only for a choice made on the account
page or through the API, and a missing row means the channel's default
(:data:`~.models.CHANNEL_DEFAULTS`).

Channels: the forum's own list of notifications (``web``) is the only one today. E-mail is
the next (the issue "News streams"): declare it in ``CHANNEL_DEFAULTS`` as ``"email": False``
and the same table keeps each member's e-mail choice per kind, off until they turn it on,
with no migration; :func:`choices` and :func:`save_choices` already take the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import dialect_insert
from ..errors import ValidationError
from ..i18n import _
from ..registries import NotificationKind, Registries
from .models import CHANNEL_DEFAULTS, WEB, NotificationPreference


@dataclass(frozen=True)
class Choice:
    """A member's choice for one declared kind: whether they get it (``enabled``), per
    channel."""

    kind: NotificationKind
    enabled: Mapping[str, bool]

    @property
    def web(self) -> bool:
        """Whether the member gets this kind in the forum's list of notifications."""
        return self.enabled[WEB]


def choices(session: Session, registries: Registries, user_id: int) -> list[Choice]:
    """The member's choice for every declared kind, in the order the kinds were declared
    (the core's first, then each enabled plugin's)."""
    stored = {(row.kind, row.channel): row.enabled for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return [Choice(kind, {channel: stored.get((kind.name, channel), default)
                          for channel, default in CHANNEL_DEFAULTS.items()})
            for kind in registries.notification_kinds.values()]


def save_choices(session: Session, registries: Registries, user_id: int,
                 enabled: Mapping[str, bool], channel: str = WEB) -> None:
    """Store the member's choice on ``channel`` for the kinds named in ``enabled`` (kind
    name to on/off); kinds left out keep their choice. Saving the same choices twice, or
    from two tabs at once, leaves one row per kind and channel.

    :raises ValidationError: for a kind that is not declared, or an unknown channel.
    """
    if channel not in CHANNEL_DEFAULTS:
        raise ValidationError(_("There is no notification channel ${channel}.",
                                mapping={"channel": channel}))
    unknown = sorted(set(enabled) - set(registries.notification_kinds))
    if unknown:
        raise ValidationError(_("There is no kind of notification called ${kind}.",
                                mapping={"kind": unknown[0]}))
    for kind, on in sorted(enabled.items()):
        statement = dialect_insert(session, NotificationPreference).values(
            user_id=user_id, kind=kind, channel=channel, enabled=bool(on))
        session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "kind", "channel"], set_={"enabled": bool(on)}))


def muted(session: Session, user_ids: Iterable[int], kinds: Iterable[str],
          channel: str = WEB) -> set[tuple[int, str]]:
    """``(member, kind)`` pairs among ``user_ids`` and ``kinds`` that the members turned
    off on ``channel`` (one query)."""
    ids, names = sorted(set(user_ids)), sorted(set(kinds))
    if not ids or not names:
        return set()
    default = CHANNEL_DEFAULTS[channel]
    rows = session.execute(select(NotificationPreference.user_id, NotificationPreference.kind)
                           .where(NotificationPreference.user_id.in_(ids),
                                  NotificationPreference.kind.in_(names),
                                  NotificationPreference.channel == channel,
                                  NotificationPreference.enabled.is_(not default)))
    if default:
        return {(user_id, kind) for user_id, kind in rows}
    # (a channel that is off by default: everyone is muted but those who turned it on)
    turned_on = {(user_id, kind) for user_id, kind in rows}
    return {(user_id, kind) for user_id in ids for kind in names} - turned_on
