"""Topics count their views; the forum-wide lists (Latest, Top) read topics by activity

``topics.view_count`` starts at 0 for every topic. ``ix_topics_last_post`` orders all
topics by their last activity, which the Latest and Unread lists page through.

Revision ID: core_0022
Revises: core_0021
Created: 2026-12-06 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0022"
down_revision = "core_0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("view_count", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))
        batch_op.create_index("ix_topics_last_post", ["last_post_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_index("ix_topics_last_post")
        batch_op.drop_column("view_count")
