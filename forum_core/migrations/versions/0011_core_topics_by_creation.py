"""An index of topics by creation time, for the newest-topics feeds

Revision ID: core_0011
Revises: core_0010
Created: 2026-11-30 07:40:00
"""

from __future__ import annotations

from alembic import op

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index("ix_topics_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_topics_category_created", ["category_id", "created_at", "id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_index("ix_topics_category_created")
        batch_op.drop_index("ix_topics_created")
