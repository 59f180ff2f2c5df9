"""Likes on posts: one row per member and post, and the post's count of them

``posts.like_count`` starts at 0 for every post (there were no likes before this revision);
the likes service keeps it equal to the post's rows in ``post_likes``.

Revision ID: core_0019
Revises: core_0018
Created: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("like_count", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))
    op.create_table(
        "post_likes",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_post_likes_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_post_likes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_post_likes")),
    )
    op.create_index("ix_post_likes_listing", "post_likes", ["post_id", "created_at", "user_id"])
    op.create_index("ix_post_likes_user_id", "post_likes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_post_likes_user_id", table_name="post_likes")
    op.drop_index("ix_post_likes_listing", table_name="post_likes")
    op.drop_table("post_likes")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("like_count")
