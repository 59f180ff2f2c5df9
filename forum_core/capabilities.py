"""Capabilities: what one plugin provides and others use, without importing each other.

A consumer asks the core for a capability by name (``capability(request, "votes")``) and gets
whichever enabled plugin provides it, or None; a provider returns its implementation from
``forum_register_capabilities``. The core defines the interfaces it knows of below, so a
consumer (badges wanting vote scores, SEO wanting accepted answers) and a provider (ideas,
support questions) agree on one small contract. A plugin may also provide a capability of
its own, named ``<plugin id>.<what>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .errors import StartupError
from .i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@runtime_checkable
class Votes(Protocol):
    """``votes``: members vote on content (ideas; later answers, articles)."""

    def scores(self, session: Session, type_name: str, keys: Sequence[int]) -> dict[int, int]:
        """The vote score (up-votes minus down-votes) of each of ``keys`` of content type
        ``type_name`` that has votes; keys without any are left out."""
        ...

    def votes_of(self, session: Session, user_id: int) -> int:
        """How many votes member ``user_id`` has cast (for recognition, such as badges)."""
        ...


@runtime_checkable
class AcceptedAnswer(Protocol):
    """``accepted_answer``: a question's answer chosen as the solution (support Q&A)."""

    def accepted_answers(self, session: Session, topic_ids: Sequence[int]) -> dict[int, int]:
        """The id of the accepted post of each of ``topic_ids`` that has one."""
        ...


@runtime_checkable
class Attendance(Protocol):
    """``attendance``: members say they attend something (calendar events)."""

    def attendees(self, session: Session, type_name: str, key: int) -> list[int]:
        """The ids of the members attending item ``key`` of content type ``type_name``."""
        ...


@runtime_checkable
class Groups(Protocol):
    """``groups``: members belong to groups (closed groups)."""

    def group_ids_of(self, session: Session, user_id: int) -> list[int]:
        """The ids of the groups member ``user_id`` belongs to."""
        ...

    def create_group(self, session: Session, name: str, owner_id: int,
                     members: Iterable[int] = (), kind: str = "invite") -> int:
        """Make a group owned by ``owner_id`` with ``members`` in it; returns its id."""
        ...

    def add_space(self, session: Session, group_id: int, name: str) -> str:
        """Give the group a category only its members see; returns the category's slug."""
        ...

    def group_names(self, session: Session) -> dict[int, str]:
        """Every group's name by id, in alphabetical order (to choose one from a list)."""
        ...

    def members_among(self, session: Session, group_id: int,
                      user_ids: Sequence[int]) -> set[int]:
        """Which of ``user_ids`` belong to group ``group_id`` (one query for a page)."""
        ...

    def member_ids(self, session: Session, group_id: int) -> list[int]:
        """The ids of every member of group ``group_id``, in order (an invitation to the
        whole group); empty for a group that does not exist."""
        ...


#: The capabilities the core defines, by name.
KNOWN: dict[str, type] = {
    "votes": Votes,
    "accepted_answer": AcceptedAnswer,
    "attendance": Attendance,
    "groups": Groups,
}


class Capabilities:
    """The registry: each capability's implementation and the plugin that provides it."""

    def __init__(self) -> None:
        self._provided: dict[str, tuple[str, Any]] = {}

    def provide(self, plugin_id: str, offered: Mapping[str, Any]) -> None:
        """Register what ``plugin_id`` provides; a second provider, an unknown name outside
        the plugin's own prefix, or an implementation missing an interface's method stops
        start-up."""
        for name, implementation in offered.items():
            interface = KNOWN.get(name)
            if interface is None and not name.startswith(f"{plugin_id}."):
                raise StartupError(_(
                    "Plugin '${plugin}' provides the unknown capability '${name}'; the core "
                    "knows ${known}, and a plugin's own are named '${plugin}.<what>'.",
                    mapping={"plugin": plugin_id, "name": name, "known": ", ".join(KNOWN)}))
            if interface is not None and not isinstance(implementation, interface):
                raise StartupError(_(
                    "Plugin '${plugin}' provides '${name}' without all of its methods; see "
                    "forum_core.api.${interface}.",
                    mapping={"plugin": plugin_id, "name": name,
                             "interface": interface.__name__}))
            if name in self._provided:
                raise StartupError(_(
                    "Plugins '${first}' and '${second}' both provide '${name}'; enable only "
                    "one of them.",
                    mapping={"first": self._provided[name][0], "second": plugin_id,
                             "name": name}))
            self._provided[name] = (plugin_id, implementation)

    def get(self, name: str) -> Any:
        """The implementation of capability ``name``, or None when no enabled plugin has it."""
        found = self._provided.get(name)
        return None if found is None else found[1]

    def provider(self, name: str) -> str | None:
        """The id of the plugin that provides ``name``."""
        found = self._provided.get(name)
        return None if found is None else found[0]

    def names(self) -> list[str]:
        return sorted(self._provided)
