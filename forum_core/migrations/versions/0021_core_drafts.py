"""Drafts saved while a member writes, and the member's choice of keyboard shortcuts

Revision ID: core_0021
Revises: core_0020
Created: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0021"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"],
                                name=op.f("fk_drafts_category_id_categories"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_drafts_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_drafts_user_id")),
    )
    # a plain ADD COLUMN (SQLite too): rebuilding the users table, which most tables refer
    # to, would fail on their foreign keys
    op.add_column("users", sa.Column("keyboard_shortcuts", sa.Boolean(),
                                     server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("users", "keyboard_shortcuts")  # SQLite 3.35 and later drop it in place
    op.drop_table("drafts")
