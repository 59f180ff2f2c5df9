"""What the forum accepts from people, written once: how long titles, posts and names may be,
which characters a line or a text may hold, and how an id in a URL, a query or a form is read.

Forms, services and the JSON API's schemas all read these, so the OpenAPI document says
exactly what the server enforces and a form cannot drift from the API. The character classes
are ``\\uXXXX`` ranges, which mean the same in Python's ``re`` and in the ECMA-262 regular
expressions of JSON Schema, so one pattern serves the server and the document.
"""

from __future__ import annotations

import re

# -- ids and numeric cursors ------------------------------------------------------------------

#: An id, a post number or a numeric cursor has at most this many digits: 10**18 - 1 still
#: fits a signed 64-bit integer (SQLite's INTEGER, PostgreSQL's BIGINT), so no lookup can
#: overflow the database's integers.
ID_DIGITS = 18
MAX_ID = 10**ID_DIGITS - 1
#: the pattern of such a number in a query string (a JSON Schema pattern too)
ID_PATTERN = f"^[0-9]{{1,{ID_DIGITS}}}$"


def parse_id(raw: object, maximum: int = MAX_ID) -> int | None:
    """The number an id, a post number or a numeric cursor from a URL, a query string or a
    form stands for; None when ``raw`` is not one.

    Only ASCII digits count: ``str.isdigit`` also takes "²" or "٣", which ``int`` then refuses
    or reads as another number. A number above ``maximum`` is not one either.
    """
    if not isinstance(raw, str) or not 0 < len(raw) <= ID_DIGITS:
        return None
    if not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if number <= maximum else None


# -- discussions ------------------------------------------------------------------------------

TITLE_MIN, TITLE_MAX = 3, 200
#: the longest post in characters (what Discourse allows by default, too)
BODY_MAX = 32_000
CATEGORY_NAME_MAX = 80
#: an address (slug) of a category or a group
SLUG_MAX = 80
DESCRIPTION_MAX = 2000
#: a tag's name (and its address, made from it); Discourse's default is 20, ours a little more
TAG_NAME_MAX = 30
TAG_GROUP_NAME_MAX = 60
#: a tag's description (shown on its page and in the tags index)
TAG_DESCRIPTION_MAX = 500

# -- members ----------------------------------------------------------------------------------

USERNAME_MIN, USERNAME_MAX = 3, 30
#: letters, digits, "_", "." and "-", starting and ending with a letter or digit (no pattern
#: anchors: mentions in posts find it inside a text)
USERNAME_CHARS = f"[A-Za-z0-9][A-Za-z0-9_.-]{{{USERNAME_MIN - 2},{USERNAME_MAX - 2}}}[A-Za-z0-9]"
USERNAME_PATTERN = f"^{USERNAME_CHARS}$"
EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
DISPLAY_NAME_MAX = 60
PROFILE_TITLE_MAX = 60
BIO_MAX = 2000
TOKEN_NAME_MAX = 80
API_TOKENS_MAX = 20

# -- moderation and search --------------------------------------------------------------------

REASON_MIN, REASON_MAX = 3, 500
SEARCH_TEXT_MAX = 300
SEARCH_CLAUSES_MAX = 12
#: the text whose possible duplicates are looked for (a title being typed)
SIMILAR_TEXT_MAX = 1000

#: The most of one form field a view reads before the service checks it: a guard against
#: megabytes of input, above every limit here, never a rule of its own.
FORM_FIELD_MAX = 100_000

# -- the shape of a request (checked before anything parses it: forum_core/web/guard.py) ------

#: Fields of one form or query string; the forum's largest form has a few dozen.
FORM_FIELDS_MAX = 200
#: Bytes of one header line of a multipart form's part (its field name and file name): a
#: file name of 255 characters in any script fits, hundreds of kilobytes do not.
FORM_PART_HEADER_MAX = 2048
#: Header lines of one part (a browser sends two: Content-Disposition and Content-Type).
FORM_PART_HEADERS_MAX = 8
#: Characters of a request's Content-Type header (a type, a charset, a boundary).
CONTENT_TYPE_MAX = 512
#: No path, query or form value may hold NUL (PostgreSQL cannot store it in text); the
#: pattern of a text parameter that has no pattern of its own
NO_NUL_PATTERN = "^[^\\u0000]*$"

# -- characters -------------------------------------------------------------------------------

#: Control characters a text of several lines (a post, a bio, a note) may not hold: all but
#: tab, line feed and carriage return.
TEXT_CONTROLS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f"
#: Control characters a line (a title, a name) may not hold: all, C1 included, but tab.
LINE_CONTROLS = "\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f"
#: What ``str.split()`` and ``str.strip()`` take for white space, less the control characters
#: refused anyway; a unit test keeps the two in step, so the server's strip() and the
#: schema's patterns agree on what is blank.
WHITESPACE = "\\t\\n\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"

_LINE_CONTROL_RE = re.compile(f"[{LINE_CONTROLS}]")
_TEXT_CONTROL_RE = re.compile(f"[{TEXT_CONTROLS}]")


def line_pattern(minimum: int = 0) -> str:
    """The pattern of one line: no control character but tab, and at least ``minimum``
    characters from its first to its last that is not white space."""
    char, solid = f"[^{LINE_CONTROLS}]", f"[^{LINE_CONTROLS}{WHITESPACE}]"
    if minimum <= 0:
        return f"^{char}*$"
    if minimum == 1:
        return f"^{char}*{solid}{char}*$"
    return f"^{char}*{solid}{char}{{{minimum - 2},}}{solid}{char}*$"


def text_pattern(required: bool = True) -> str:
    """The pattern of a text of several lines: no control character but tab and line ends,
    and (``required``) something that is not white space."""
    char, solid = f"[^{TEXT_CONTROLS}]", f"[^{TEXT_CONTROLS}{WHITESPACE}]"
    return f"^{char}*{solid}{char}*$" if required else f"^{char}*$"


def has_line_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`line_pattern` refuses."""
    return _LINE_CONTROL_RE.search(text) is not None


def has_text_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`text_pattern` refuses."""
    return _TEXT_CONTROL_RE.search(text) is not None


def one_line(text: str) -> str:
    """A line as it is stored: each run of white space one space, none at either end."""
    return " ".join(text.split())
