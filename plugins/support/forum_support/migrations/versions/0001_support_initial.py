"""support: support categories, questions and private conversations

Revision ID: support_0001
Revises:
Created: 2026-12-07 11:47:26.848024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "support_0001"
down_revision = None
branch_labels = ("support",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_categories",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("experts_group_id", sa.Integer(), nullable=True),
        sa.Column("close_after_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_support_categories_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_support_categories")),
    )
    op.create_table(
        "support_questions",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("last_reply_at", sa.DateTime(), nullable=True),
        sa.Column("solved_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_post_id", sa.Integer(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("private_topic_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["users.id"],
            name=op.f("fk_support_questions_accepted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_post_id"],
            ["posts.id"],
            name=op.f("fk_support_questions_accepted_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["users.id"],
            name=op.f("fk_support_questions_asker_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_support_questions_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["users.id"],
            name=op.f("fk_support_questions_claimed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["private_topic_id"],
            ["topics.id"],
            name=op.f("fk_support_questions_private_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_support_questions_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_support_questions")),
    )
    with op.batch_alter_table("support_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_questions_asker_id"), ["asker_id"], unique=False
        )
        batch_op.create_index(
            "ix_support_questions_category_asked", ["category_id", "asked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_questions_claimed_by_id"), ["claimed_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_support_questions_state_asked", ["state", "asked_at"], unique=False
        )

    op.create_table(
        "support_private",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["users.id"],
            name=op.f("fk_support_private_asker_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["support_questions.topic_id"],
            name=op.f("fk_support_private_question_id_support_questions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_support_private_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_support_private")),
    )
    with op.batch_alter_table("support_private", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_private_asker_id"), ["asker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("support_private", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_private_asker_id"))

    op.drop_table("support_private")
    with op.batch_alter_table("support_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_support_questions_state_asked")
        batch_op.drop_index(batch_op.f("ix_support_questions_claimed_by_id"))
        batch_op.drop_index("ix_support_questions_category_asked")
        batch_op.drop_index(batch_op.f("ix_support_questions_asker_id"))

    op.drop_table("support_questions")
    op.drop_table("support_categories")
