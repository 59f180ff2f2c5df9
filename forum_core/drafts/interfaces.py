"""What the rest of the forum may ask of drafts; the implementation is in services.py."""

from __future__ import annotations

from zope.interface import Interface


class IDraftService(Interface):
    """A member's drafts: ``request.find_service(IDraftService)``. Reads and writes go through
    the visibility choke point (a draft of a place the member cannot see is not shown)."""

    def get(user, viewer, key):
        """The member's draft for ``key`` (``topic-<id>``, ``new-topic-<category id>``,
        ``post-<id>``) if its place is visible to them, else None."""

    def list(user, viewer):
        """The member's drafts of places they may see, latest first."""

    def save(user, viewer, key, body, title=""):
        """Keep a draft (replacing the one there was); ValidationError for bad input."""

    def discard(user_id, key):
        """Delete the member's draft for ``key``; whether there was one."""
