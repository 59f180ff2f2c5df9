"""Where a form may send the browser back to: only a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.request import Request


def safe_next(request: Request, target: str | None, fallback: str | None = None) -> str:
    """``target`` (a form's or a link's ``next``) if it is a path on this site, else
    ``fallback`` (the home page by default): a ``next`` never leads to another host.

    :param target: what the browser sent, or None.
    :param fallback: where to go instead (a path), e.g. the page the form was on.
    """
    default = fallback or request.route_path("core.home")
    if not target or len(target) > 2000:
        return default
    # browsers read a backslash as a slash, so "/\\evil.example" would leave the site too
    if "\\" in target or any(ord(char) < 32 for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
