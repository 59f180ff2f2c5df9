"""PostgreSQL search: the words' tsvector stored in a column, instead of computed per match

Ranking computed to_tsvector(terms) again for every matching row (seconds at 200,000
posts); a generated column keeps it, and the GIN index covers that column.

Revision ID: core_0012
Revises: core_0011
Created: 2026-11-30 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # the Whoosh backend keeps its own index in files
    op.execute("ALTER TABLE search_entries ADD COLUMN vector tsvector GENERATED ALWAYS AS "
               "(to_tsvector('simple'::regconfig, terms)) STORED")
    op.execute("DROP INDEX ix_search_entries_fts")
    op.execute("CREATE INDEX ix_search_entries_vector ON search_entries USING gin (vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_entries_vector")
    op.execute("ALTER TABLE search_entries DROP COLUMN vector")
    op.execute("CREATE INDEX ix_search_entries_fts ON search_entries "
               "USING gin (to_tsvector('simple'::regconfig, terms))")
