"""Follow levels: members watch, track or mute categories, topics, members and tags

``follows`` holds a member's level per place (no row: normal); ``ix_follows_place`` finds a
new post's watchers. ``notifications.reason`` says which watched place a notification came
from. ``users.auto_track``: whether topics a member posts in are tracked for them.

Revision ID: core_0024
Revises: core_0022
Created: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0024"
down_revision = "core_0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=20), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "place", "place_id", name=op.f("pk_follows")),
    )
    op.create_index("ix_follows_place", "follows", ["place", "place_id", "level"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=40), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_track", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("auto_track")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("reason")
    op.drop_index("ix_follows_place", table_name="follows")
    op.drop_table("follows")
