"""badges: badges, awards, revocations, points entries and totals, ranks, featured members

The forum starts with four ranks (their English names are shown translated). The default
badges are made by the plugin's first re-check, for the rules of the plugins then enabled.

Revision ID: badges_0001
Revises:
Created: 2026-12-07 14:52:57.692576
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "badges_0001"
down_revision = None
branch_labels = ("badges",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "badges_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("icon", sa.String(length=20), nullable=False),
        sa.Column("icon_data", sa.LargeBinary(), nullable=True),
        sa.Column("icon_type", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("repeatable", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("builtin", sa.String(length=40), nullable=True),
        sa.Column("award_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges_badges")),
        sa.UniqueConstraint("builtin", name=op.f("uq_badges_badges_builtin")),
        sa.UniqueConstraint("slug", name=op.f("uq_badges_badges_slug")),
    )
    op.create_table(
        "badges_point_values",
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("action", name=op.f("pk_badges_point_values")),
    )
    ranks = op.create_table(
        "badges_ranks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("min_points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges_ranks")),
        sa.UniqueConstraint("min_points", name=op.f("uq_badges_ranks_min_points")),
    )
    op.create_table(
        "badges_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_badges_state")),
    )
    op.create_table(
        "badges_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("reason_type", sa.String(length=40), nullable=True),
        sa.Column("reason_key", sa.Integer(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badges_badges.id"],
            name=op.f("fk_badges_awards_badge_id_badges_badges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_badges_awards_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badges_awards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges_awards")),
        sa.UniqueConstraint("badge_id", "user_id", "item", name=op.f("uq_badges_awards_badge_id")),
    )
    with op.batch_alter_table("badges_awards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_badges_awards_badge_newest", ["badge_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_badges_awards_user_id"), ["user_id"], unique=False)

    op.create_table(
        "badges_featured",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("featured_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["featured_by_id"],
            ["users.id"],
            name=op.f("fk_badges_featured_featured_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badges_featured_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges_featured")),
    )
    with op.batch_alter_table("badges_featured", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_badges_featured_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_badges_featured_user_id"), ["user_id"], unique=False)

    op.create_table(
        "badges_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("earned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badges_points_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges_points")),
        sa.UniqueConstraint("user_id", "action", "subject", name=op.f("uq_badges_points_user_id")),
    )
    with op.batch_alter_table("badges_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badges_points_earned_at"), ["earned_at"], unique=False)

    op.create_table(
        "badges_revoked",
        sa.Column("badge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["badges_badges.id"],
            name=op.f("fk_badges_revoked_badge_id_badges_badges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_badges_revoked_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badges_revoked_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("badge_id", "user_id", "item", name=op.f("pk_badges_revoked")),
    )
    op.create_table(
        "badges_totals",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_badges_totals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_badges_totals")),
    )
    with op.batch_alter_table("badges_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badges_totals_total"), ["total"], unique=False)
    op.bulk_insert(
        ranks,
        [
            {"name": "Newcomer", "min_points": 0},
            {"name": "Regular", "min_points": 50},
            {"name": "Contributor", "min_points": 250},
            {"name": "Expert", "min_points": 1000},
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("badges_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badges_totals_total"))

    op.drop_table("badges_totals")
    op.drop_table("badges_revoked")
    with op.batch_alter_table("badges_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badges_points_earned_at"))

    op.drop_table("badges_points")
    with op.batch_alter_table("badges_featured", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badges_featured_user_id"))
        batch_op.drop_index(batch_op.f("ix_badges_featured_created_at"))

    op.drop_table("badges_featured")
    with op.batch_alter_table("badges_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badges_awards_user_id"))
        batch_op.drop_index("ix_badges_awards_badge_newest")

    op.drop_table("badges_awards")
    op.drop_table("badges_state")
    op.drop_table("badges_ranks")
    op.drop_table("badges_point_values")
    op.drop_table("badges_badges")
