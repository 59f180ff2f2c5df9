"""Notifications are e-mailed: at once (batched), in daily or weekly digests, or never

``email_preferences`` keeps each member's chosen mode per notification kind (no row: the
kind's default). ``email_states`` keeps, per member, the unsubscribe links' generation, when
their batched e-mail is due and when their last digests were made. ``notifications.mailed_at``
says which notifications e-mail has dealt with.

Revision ID: core_0025
Revises: core_0024
Created: 2026-12-07 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0025"
# (the lead re-chains it after core_0024 when merging the parallel branches)
down_revision = "core_0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_notifications_unmailed", ["mailed_at", "user_id", "created_at"])
    op.create_table(
        "email_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_email_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_email_preferences")),
    )
    op.create_table(
        "email_states",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("daily_at", sa.DateTime(), nullable=True),
        sa.Column("weekly_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_email_states_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_states")),
    )


def downgrade() -> None:
    op.drop_table("email_states")
    op.drop_table("email_preferences")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_unmailed")
        batch_op.drop_column("mailed_at")
