"""The table behind the PostgreSQL search backend (unused, and empty, with Whoosh)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

#: indexes and (table, column) pairs made by migrations that the models cannot describe on
#: every database (autogenerate leaves them alone): PostgreSQL's stored tsvector and its index
UNMODELLED_INDEXES = frozenset({"ix_search_entries_fts", "ix_search_entries_vector"})
UNMODELLED_COLUMNS = frozenset({("search_entries", "vector")})


class SearchEntry(Base):
    """One indexed document: filters as columns, the words in ``terms`` (title words twice, so
    a match in the title ranks higher). On PostgreSQL, migration core_0012 adds the generated
    column ``vector`` (the tsvector of ``terms``) and its GIN index, which the backend uses."""

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("doc_type", "doc_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_key: Mapped[int]
    category_id: Mapped[int | None] = mapped_column(default=None, index=True)
    author_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime]
    terms: Mapped[str] = mapped_column(Text)
    #: the document's tag ids, each between spaces (" 3 7 "), for the tag filter
    tags: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))


class SearchQueue(Base):
    """Index work promised by a committed transaction: the documents it changed, written in
    that same transaction. A row is deleted once the index has them; rows left by a process
    that was killed before its index write are replayed when the forum starts again."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the documents as "type:key" items separated by spaces
    hits: Mapped[str] = mapped_column(Text)
