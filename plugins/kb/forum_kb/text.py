"""What the knowledge base does with an article's text: anchors and a table of contents from
its headings, and a word-level comparison of two revisions.

Both work on text the core made safe: the headings' anchors are added to HTML that the
core's pipeline sanitised (an ``id`` made only of ``[a-z0-9-]``), and the comparison escapes
every word it shows.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from html import unescape

from forum_core.api import Markup, escape

_HEADING = re.compile(r"<h([2-4])>(.*?)</h\1>", re.S)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


def anchor_of(text: str) -> str:
    """An anchor made from a heading's words: the same words give the same anchor, so a
    link to a part of an article survives edits elsewhere in it."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "part"


def with_anchors(html: str) -> tuple[str, list[Heading]]:
    """``html`` with an ``id`` on each h2-h4 heading, and the headings in order (the table
    of contents). Repeated headings get ``-2``, ``-3``..."""
    headings: list[Heading] = []
    taken: dict[str, int] = {}

    def mark(match: re.Match[str]) -> str:
        level, inner = int(match.group(1)), match.group(2)
        text = " ".join(unescape(_TAGS.sub("", inner)).split())
        anchor = base = "h-" + anchor_of(text)
        if base in taken:
            taken[base] += 1
            anchor = f"{base}-{taken[base]}"
        else:
            taken[base] = 1
        headings.append(Heading(level, anchor, text))
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return _HEADING.sub(mark, html), headings


#: words and the spaces between them, each a token of the comparison
_TOKENS = re.compile(r"\s+|[^\s]+")
#: above this many tokens per side, the comparison is by lines, then words within changed
#: lines (difflib's matcher grows with the square of a side's length)
_WORDS_AT_ONCE = 4000


@dataclass(frozen=True)
class Change:
    """A stretch of the comparison: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


def _merge(changes: list[Change]) -> list[Change]:
    merged: list[Change] = []
    for change in changes:
        if merged and merged[-1].kind == change.kind:
            merged[-1] = Change(change.kind, merged[-1].text + change.text)
        elif change.text:
            merged.append(change)
    return merged


def _word_changes(old: str, new: str) -> list[Change]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    found: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            found.append(Change("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            found.append(Change("removed", "".join(a[i1:i2])))
        if j2 > j1:
            found.append(Change("added", "".join(b[j1:j2])))
    return found


def compare(old: str, new: str) -> list[Change]:
    """The word-level differences between two texts (Markdown sources)."""
    if len(_TOKENS.findall(old)) + len(_TOKENS.findall(new)) <= 2 * _WORDS_AT_ONCE:
        return _merge(_word_changes(old, new))
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    found: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            found.append(Change("same", "".join(a[i1:i2])))
        elif op == "replace" and (i2 - i1) * (j2 - j1) <= 400:
            found.extend(_word_changes("".join(a[i1:i2]), "".join(b[j1:j2])))
        else:
            found += [Change("removed", "".join(a[i1:i2])), Change("added", "".join(b[j1:j2]))]
    return _merge(found)


def changes_html(changes: list[Change]) -> Markup:
    """The comparison as HTML: removed words in ``<del>``, added ones in ``<ins>`` (every
    word escaped)."""
    parts = []
    for change in changes:
        text = escape(change.text)
        if change.kind == "added":
            parts.append(Markup("<ins>{}</ins>").format(text))
        elif change.kind == "removed":
            parts.append(Markup("<del>{}</del>").format(text))
        else:
            parts.append(text)
    return Markup("").join(parts)
