"""Errors the core raises on purpose, each meant to be shown to a person as one line."""

from __future__ import annotations


class ForumError(Exception):
    """Base class of errors whose message is written for the person running the forum.

    The message may be a translation string with a mapping; ``str()`` gives it in English with
    its values filled in, and ``message`` keeps it for a localizer.
    """

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""

    def __str__(self) -> str:
        from .i18n import render

        return render(self.message)


class StartupError(ForumError):
    """The forum cannot start with this configuration; the message says what to change.

    Raised for bad settings, unknown or broken plugins, missing plugin dependencies and API
    version mismatches. The command line and the WSGI entry point print it as one line.
    """


class ValidationError(ForumError):
    """Input from a person (form, command line) is not acceptable; the message says why."""


class NotFoundError(ValidationError):
    """The input names something that does not exist, or that the person may not see (a
    member to invite, an idea to merge into). The JSON API answers 404."""


class NotAllowedError(ValidationError):
    """The person may not do this, whatever they send (a group that is by invitation only,
    a vote against where a board takes none). The JSON API answers 403."""


class ConflictError(ValidationError):
    """Acceptable input that the present state refuses (an address taken, the last owner
    leaving, a vote budget spent). The JSON API answers 409."""
