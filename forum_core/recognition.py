"""Recognition: the rules by which members earn badges and points, declared by the plugin
that owns the data a rule reads.

A recognition plugin (the bundled ``badges``) awards what these declarations say, without
knowing the plugins that declare them: the badges plugin itself counts posts, likes and
visits; ideas count ideas and the votes they receive; the knowledge base counts articles and
"helpful" answers; support Q&A counts accepted answers. Each declaration says which events
may change what it counts (:attr:`BadgeRule.triggers`), who those events concern
(:meth:`BadgeRule.members`) and who, among some members, has earned it now
(:meth:`BadgeRule.earned`). The recognising plugin re-checks the members an event concerns
in a job after the commit, and every member in batches when it is enabled (a backfill), so a
rule is a query of the present state, never a count kept beside it: running it twice awards
nothing twice.

A plugin declares rules with ``forum_register_badge_rules`` and point actions with
``forum_register_point_actions``; ``recognition(request).rules`` and ``.actions`` hold
what the enabled plugins declared, by name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import StartupError, ValidationError
from .i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .events import Event

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


@dataclass(frozen=True)
class RuleParameter:
    """A whole-number parameter of a badge rule ("how many posts"), set per badge.

    :param name: its key in the badge's parameters (``[a-z_]+``), and ``${name}`` in the
        rule's description.
    :param label: what the administrator's form calls it (a translation string).
    :param default: the value a new badge starts with.
    :param minimum: the smallest value allowed.
    :param maximum: the largest value allowed.
    """

    name: str
    label: Any
    default: int = 1
    minimum: int = 1
    maximum: int = 1_000_000


class Earned(NamedTuple):
    """A member who earned a badge, and what earned it: an item of a content type
    (``type_name``, ``key``) that is shown only to viewers who may see it, or nothing."""

    user_id: int
    type_name: str | None = None
    key: int | None = None


def _members_of(event: Event) -> list[int]:
    """The member an event concerns when the rule says nothing else: its author, else its
    actor."""
    for field in ("author_id", "user_id"):
        value = getattr(event, field, None)
        if isinstance(value, int):
            return [value]
    return []


class BadgeRule:
    """Base class of a rule by which members earn a badge. Subclass it and return an
    instance from ``forum_register_badge_rules``.

    :cvar name: the rule's name, stored with each badge made from it: ``<plugin id>.<what>``.
        Never rename it.
    :cvar label: what the administrator's list of rules calls it (a translation string).
    :cvar description: what a member must do, for badges made from it, with ``${name}`` for
        each parameter (``_("Wrote ${count} posts")``).
    :cvar parameters: the rule's whole-number parameters.
    :cvar triggers: the event classes that may change who has earned it. A rule without
        triggers is checked by the periodic re-check alone (members seen lately) and by the
        backfill.
    :cvar per_item: whether each item it names is earned on its own, so a badge marked
        repeatable is awarded once per item (one per idea that reached N votes).
    """

    name: str = ""
    label: Any = ""
    description: Any = ""
    parameters: tuple[RuleParameter, ...] = ()
    triggers: tuple[type[Event], ...] = ()
    per_item: bool = False

    def members(self, session: Session, event: Event) -> Iterable[int]:
        """The members to re-check because of ``event`` (one of :attr:`triggers`). Called in
        the transaction of the change: read little. The default is the event's
        ``author_id``, else its ``user_id``."""
        return _members_of(event)

    def earned(self, session: Session, params: Mapping[str, int],
               user_ids: Sequence[int]) -> Iterable[Earned]:
        """The members among ``user_ids`` who have earned a badge with ``params`` now, in
        one or a few queries for all of them (the backfill asks for a thousand at a
        time). A rule with :attr:`per_item` yields every item each member earned it with;
        otherwise one each, naming the item that earned it first, if any."""
        raise NotImplementedError

    def check(self, values: Mapping[str, Any]) -> dict[str, int]:
        """``values`` (from a form or the API) as the rule's parameters.

        :raises ValidationError: naming the parameter that is missing, not a whole number,
            or out of its range.
        """
        checked: dict[str, int] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name, parameter.default)
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise ValidationError(_("${label} must be a whole number.",
                                        mapping={"label": parameter.label})) from None
            if not parameter.minimum <= value <= parameter.maximum:
                raise ValidationError(_(
                    "${label} must be between ${minimum} and ${maximum}.",
                    mapping={"label": parameter.label, "minimum": parameter.minimum,
                             "maximum": parameter.maximum}))
            checked[parameter.name] = value
        return checked


class PointsAction:
    """Base class of an action members earn points for (a reply written, a like received).
    Subclass it and return an instance from ``forum_register_point_actions``.

    Points are kept as one entry per thing that earned them (``subject``), so an action
    undone (a post deleted, a vote taken back) takes its points back when its author is
    re-checked, and the same thing never counts twice.

    :cvar name: ``<plugin id>.<what>``; never rename it.
    :cvar label: what the administrator's table of points calls it (a translation string).
    :cvar default_points: the points it is worth until an administrator says otherwise.
    :cvar triggers: the event classes that may change who has earned it.
    """

    name: str = ""
    label: Any = ""
    default_points: int = 1
    triggers: tuple[type[Event], ...] = ()

    def members(self, session: Session, event: Event) -> Iterable[int]:
        """The members to re-check because of ``event``; as :meth:`BadgeRule.members`."""
        return _members_of(event)

    def earned(self, session: Session,
               user_ids: Sequence[int]) -> Iterable[tuple[int, str, dt.datetime]]:
        """Every ``(user id, subject, when)`` that earns the members among ``user_ids``
        points now: ``subject`` names the thing (``"post:12"``, at most 60 characters), unique
        within this action; ``when`` is when it was earned (for weekly and monthly totals)."""
        raise NotImplementedError


class Recognition:
    """The badge rules and point actions of the core and the enabled plugins, by name."""

    def __init__(self) -> None:
        self.rules: dict[str, BadgeRule] = {}
        self.actions: dict[str, PointsAction] = {}

    def add_rule(self, rule: BadgeRule) -> None:
        self._check(rule, BadgeRule, self.rules)
        for parameter in rule.parameters:
            if not re.match(r"^[a-z_]+$", parameter.name) \
                    or not parameter.minimum <= parameter.default <= parameter.maximum:
                raise StartupError(_("Badge rule ${name} has a malformed parameter.",
                                     mapping={"name": rule.name}))
        self.rules[rule.name] = rule

    def add_action(self, action: PointsAction) -> None:
        self._check(action, PointsAction, self.actions)
        self.actions[action.name] = action

    @staticmethod
    def _check(declared: object, base: type, taken: Mapping[str, object]) -> None:
        name = getattr(declared, "name", "")
        if not isinstance(declared, base) or not _NAME.match(name) or name in taken:
            raise StartupError(_(
                "${what} cannot be added: it is not a ${base}, or its name is taken or not "
                "of the form plugin.what.", mapping={"what": repr(declared),
                                                     "base": base.__name__}))
