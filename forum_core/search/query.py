"""What a member types into the search box, parsed into clauses every backend understands.

The syntax is small on purpose: words (all must match), ``"exact phrases"``, ``-excluded``
words or phrases, and ``prefix*``. Anything else is text: ``author:bob`` searches for the words
"author bob" as a phrase, a lone ``*`` or an unbalanced quote is forgiven. Text is split into
lower-cased word characters exactly as documents are (:func:`words`), so both backends see the
same tokens. Limits keep hostile input cheap: :data:`MAX_QUERY_CHARS` and :data:`MAX_CLAUSES`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import ValidationError
from ..i18n import _
from ..limits import SEARCH_CLAUSES_MAX, SEARCH_TEXT_MAX

MAX_QUERY_CHARS = SEARCH_TEXT_MAX
MAX_CLAUSES = SEARCH_CLAUSES_MAX
MIN_PREFIX = 2
#: at most this many hits are ranked and checked for visibility per search
MAX_HITS = 500

_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r'(-?)"([^"]*)(?:"|$)|(\S+)')


def words(text: str) -> list[str]:
    """The searchable words of ``text``: runs of letters and digits, lower-cased."""
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Clause:
    """One part of a query: a word, a phrase (several words in order) or a prefix."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class IndexQuery:
    """A parsed search as the backends see it: clauses and filters, no visibility rules (the
    service narrows ``category_ids`` to what the viewer may read and checks every hit again)."""

    clauses: tuple[Clause, ...]
    types: tuple[str, ...] = ()
    category_ids: tuple[int, ...] | None = None
    #: categories to leave out (the viewer may read all others): cheaper than listing the
    #: many readable ones when only a few are closed
    hidden_category_ids: tuple[int, ...] = ()
    author_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    status: str | None = None
    #: tag ids a document must all have
    tag_ids: tuple[int, ...] = ()
    newest: bool = False
    limit: int = MAX_HITS
    #: match documents with any of the positive clauses, best first (similar-content
    #: suggestions), instead of all of them (a member's search)
    any_clause: bool = False

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(clause for clause in self.clauses if not clause.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(clause for clause in self.clauses if clause.negated)


def parse_text(text: str) -> tuple[Clause, ...]:
    """Clauses of a member's query text.

    :raises ValidationError: for a query that is too long, has too many parts, or nothing to
        look for (only exclusions, only wildcards).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(_("The search text is too long; use at most ${maximum} characters.",
                                mapping={"maximum": MAX_QUERY_CHARS}))
    clauses: list[Clause] = []
    for match in _TOKEN.finditer(text):
        negated_phrase, phrase, bare = match.groups()
        if bare is None:
            found = words(phrase)
            if found:
                clauses.append(Clause(tuple(found), negated=bool(negated_phrase)))
            continue
        negated = bare.startswith("-") and len(bare) > 1
        prefix = bare.endswith("*")
        found = words(bare)
        if not found:
            continue  # a lone "*" or "-" or punctuation
        if prefix and len(found) == 1:
            if len(found[0]) < MIN_PREFIX:
                raise ValidationError(_(
                    "Put at least ${minimum} letters before the * of a search by prefix.",
                    mapping={"minimum": MIN_PREFIX}))
            clauses.append(Clause(tuple(found), prefix=True, negated=negated))
        else:
            clauses.append(Clause(tuple(found), negated=negated))
    unique = tuple(dict.fromkeys(clauses))
    if len(unique) > MAX_CLAUSES:
        raise ValidationError(_("A search can have at most ${maximum} words and phrases.",
                                mapping={"maximum": MAX_CLAUSES}))
    if not any(not clause.negated for clause in unique):
        raise ValidationError(_("Enter at least one word to search for."))
    return unique

