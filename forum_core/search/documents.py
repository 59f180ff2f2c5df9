"""Search results as members read them: the passage around the matching words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from .query import Clause

SNIPPET_CHARS = 240


def snippet(text: str, clauses: Sequence[Clause], length: int = SNIPPET_CHARS) -> Markup:
    """A window of ``text`` around the first matching word, matches wrapped in ``<mark>``."""
    patterns = [re.escape(word) + (r"\w*" if clause.prefix and word == clause.words[-1] else "")
                for clause in clauses if not clause.negated for word in clause.words]
    if not patterns:
        return Markup(escape(text[:length]))
    regex = re.compile(r"(?<!\w)(?:" + "|".join(sorted(patterns, key=len, reverse=True))
                       + r")(?!\w)", re.IGNORECASE)
    first = regex.search(text)
    start = 0 if first is None else max(0, first.start() - length // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first.start() else start  # type: ignore[union-attr]
    window = text[start:start + length]
    out, last = [], 0
    for match in regex.finditer(window):
        out.append(escape(window[last:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + length < len(text) else ""
    return Markup(prefix + "".join(out) + suffix)
