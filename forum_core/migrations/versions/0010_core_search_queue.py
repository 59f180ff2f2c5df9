"""The search index's queue of promised work, replayed after a crash

Revision ID: core_0010
Revises: core_0009
Created: 2026-11-29 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queue")),
    )


def downgrade() -> None:
    op.drop_table("search_queue")
