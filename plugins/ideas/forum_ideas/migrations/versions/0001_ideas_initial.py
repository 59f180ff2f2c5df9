"""ideas: boards, ideas, votes

Revision ID: ideas_0001
Revises:
Created: 2026-11-29 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ideas_0001"
down_revision = None
branch_labels = ("ideas",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ideas_boards",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("allow_downvotes", sa.Boolean(), nullable=False),
        sa.Column("vote_budget", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_ideas_boards_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_ideas_boards")),
    )
    op.create_table(
        "ideas_ideas",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["ideas_ideas.topic_id"],
            name=op.f("fk_ideas_ideas_merged_into_id_ideas_ideas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_ideas_ideas_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_ideas_ideas")),
    )
    with op.batch_alter_table("ideas_ideas", schema=None) as batch_op:
        batch_op.create_index("ix_ideas_ideas_votes", ["votes", "topic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_ideas_status"), ["status"], unique=False)

    op.create_table(
        "ideas_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas_ideas.topic_id"],
            name=op.f("fk_ideas_votes_idea_id_ideas_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ideas_votes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_votes")),
        sa.UniqueConstraint("idea_id", "user_id", name=op.f("uq_ideas_votes_idea_id")),
    )
    with op.batch_alter_table("ideas_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_votes_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_votes_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ideas_votes_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("ideas_votes")
    op.drop_table("ideas_ideas")
    op.drop_table("ideas_boards")
