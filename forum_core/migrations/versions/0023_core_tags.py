"""Tags: groups of tags, tags, the tags of each item of a content type, and the search filter

``content_tags`` holds a tag on one item of any content type that opts in (``"topic"`` for
the core's topics), so no content table changes. ``search_entries.tags`` holds the tag ids
of each document for the PostgreSQL search backend's tag filter (empty until the index is
rebuilt, which ``forum reindex`` does; the Whoosh index rebuilds itself when it lacks them).

Revision ID: core_0023
Revises: core_0022
Created: 2026-12-07 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0023"
down_revision = "core_0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("staff_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("one_per_topic", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_groups")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["tag_groups.id"],
                                name=op.f("fk_tags_group_id_tag_groups"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("slug", name=op.f("uq_tags_slug")),
    )
    op.create_index("ix_tags_group_id", "tags", ["group_id"])
    op.create_table(
        "content_tags",
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("content_key", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"],
                                name=op.f("fk_content_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("content_type", "content_key", "tag_id",
                                name=op.f("pk_content_tags")),
    )
    op.create_index("ix_content_tags_tag", "content_tags",
                    ["tag_id", "content_type", "content_key"])
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.add_column(sa.Column("tags", sa.Text(), nullable=False,
                                      server_default=sa.text("''")))


def downgrade() -> None:
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.drop_column("tags")
    op.drop_index("ix_content_tags_tag", table_name="content_tags")
    op.drop_table("content_tags")
    op.drop_index("ix_tags_group_id", table_name="tags")
    op.drop_table("tags")
    op.drop_table("tag_groups")
