"""CSRF tokens masked afresh in every answer, so members' pages can be compressed.

The token itself lives in the browser's ``forum_csrf`` cookie (double submit, no session on the
server). A page never prints it as it is: every form field gets random bytes followed by the
token XOR-ed with them (``pad + (pad XOR token)``, base64url), a different string in every
answer and in every form of one answer. Compression (BREACH) can
then tell an attacker nothing about the token, since no two answers share its bytes.

How it is printed: :func:`printed_token` puts a placeholder where the token goes, a random
string made for this one answer (so nothing stored before it, such as a post, can stand for
it), and :func:`mask_placeholders` replaces each one with a fresh mask when the answer is
finished (:mod:`forum_core.web.httpcache`), after the ``ETag`` was taken from the page with
the token itself in place: a member's unchanged page keeps its validator and answers 304, and
a new token is a new validator.

The check accepts the token masked or as it is (the cookie's value, as scripts of other tools
and the forum's own tests send it).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from typing import TYPE_CHECKING

from pyramid.csrf import CookieCSRFStoragePolicy, get_csrf_token
from pyramid.util import strings_differ

if TYPE_CHECKING:
    from pyramid.request import Request

#: environ: (placeholder, token) once the answer printed the token
_PRINTED = "forum.csrf_printed"
_HEX_TOKEN = re.compile(r"[0-9a-f]{32}")


def _raw(token: str) -> bytes:
    """The bytes a token stands for: 16 for the forum's own (32 hex digits), else its text."""
    if _HEX_TOKEN.fullmatch(token):
        return bytes.fromhex(token)
    return token.encode("utf-8", "backslashreplace")


def mask(token: str) -> str:
    """``token`` hidden behind fresh random bytes: a new string on every call."""
    raw = _raw(token)
    pad = secrets.token_bytes(len(raw))
    hidden = bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    return base64.urlsafe_b64encode(pad + hidden).rstrip(b"=").decode("ascii")


def unmask(value: str) -> bytes | None:
    """The token bytes behind a masked value (None: not a masked value)."""
    if not value or len(value) > 512:
        return None
    try:
        both = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    if not both or len(both) % 2:
        return None
    half = len(both) // 2
    return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True))


def printed_token(request: Request) -> str:
    """What a page prints for the request's CSRF token: this answer's placeholder, replaced
    by a fresh mask of the token when the answer is finished. The browser gets the token's
    cookie when it has none (Pyramid's ``get_csrf_token``)."""
    found = request.environ.get(_PRINTED)
    if found is None:
        found = request.environ[_PRINTED] = ("csrf" + secrets.token_hex(12),
                                             get_csrf_token(request))
    return found[0]


def token_in_body(request: Request) -> tuple[bytes, str] | None:
    """(placeholder, token) when the answer printed the token, else None."""
    found = request.environ.get(_PRINTED)
    return None if found is None else (found[0].encode("ascii"), found[1])


def with_token(body: bytes, placeholder: bytes, token: str) -> bytes:
    """``body`` as it would be with the token itself in place of ``placeholder``."""
    return body.replace(placeholder, token.encode("utf-8", "backslashreplace"))


def mask_placeholders(body: bytes, placeholder: bytes, token: str) -> bytes:
    """``body`` with every ``placeholder`` replaced by its own mask of ``token``."""
    parts = body.split(placeholder)
    masked = [parts[0]]
    for part in parts[1:]:
        masked += (mask(token).encode("ascii"), part)
    return b"".join(masked)


class MaskedCookieCSRFStoragePolicy(CookieCSRFStoragePolicy):
    """Pyramid's double-submit cookie policy that also accepts masked tokens."""

    def check_csrf_token(self, request: Request, supplied_token: str) -> bool:
        expected = self.get_csrf_token(request)
        supplied = supplied_token.encode("utf-8", "backslashreplace")
        if not strings_differ(expected.encode("utf-8", "backslashreplace"), supplied):
            return True
        found = unmask(supplied_token)
        return found is not None and not strings_differ(_raw(expected), found)
