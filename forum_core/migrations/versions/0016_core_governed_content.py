"""Which plugin governs a category or a topic, so it stays closed while that plugin is disabled

Revision ID: core_0016
Revises: core_0015
Created: 2026-12-06 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None

_GOVERNED = "governed_by IS NOT NULL"


def upgrade() -> None:
    # (a nullable column: SQLite adds it in place, without copying the table)
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("governed_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("governed_by", sa.String(length=64), nullable=True))
    # partial: it holds only the few governed topics, and no listing's plan can pick it
    op.create_index("ix_topics_governed_by", "topics", ["governed_by"], unique=False,
                    sqlite_where=sa.text(_GOVERNED), postgresql_where=sa.text(_GOVERNED))


def downgrade() -> None:
    op.drop_index("ix_topics_governed_by", table_name="topics")
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_column("governed_by")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("governed_by")
