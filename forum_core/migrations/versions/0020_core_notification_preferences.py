"""Members choose which kinds of notifications they get, per channel

One row per member, notification kind and channel that the member has set; a missing row
means the channel's default (in-app notifications on). The channel column leaves room for
e-mail ("email", off by default), which the issue "News streams" adds without a migration.

Revision ID: core_0020
Revises: core_0019
Created: 2026-12-06 22:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0020"
# (core_0017 on the branch that made it; chained after core_0019 here so the core keeps
# one head: the lead re-chains the revisions of the parallel branches when merging)
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_notification_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", "channel",
                                name=op.f("pk_notification_preferences")),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
