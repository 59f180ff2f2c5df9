"""Drop the page cache's generation number

Every write bumped one row, which serialised all writers on PostgreSQL; pages are now
rendered for every request and validated with HTTP (ETag, 304) instead.

Revision ID: core_0013
Revises: core_0012
Created: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("page_cache_state")


def downgrade() -> None:
    table = op.create_table(
        "page_cache_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_cache_state")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])
