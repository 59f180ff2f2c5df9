"""The anonymous page cache's generation number

Revision ID: core_0009
Revises: core_0008
Created: 2026-11-29 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "page_cache_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_cache_state")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("page_cache_state")
