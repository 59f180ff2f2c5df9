"""kb: sections, rights, articles, revisions, feedback

Revision ID: kb_0001
Revises:
Created: 2026-12-07 09:10:52.249916
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kb_0001"
down_revision = None
branch_labels = ("kb",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("read_access", sa.String(length=20), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["kb_sections.id"],
            name=op.f("fk_kb_sections_parent_id_kb_sections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["categories.id"],
            name=op.f("fk_kb_sections_space_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_sections")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_sections_slug")),
    )
    with op.batch_alter_table("kb_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_sections_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_sections_space_id"), ["space_id"], unique=False)

    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("published_revision_id", sa.Integer(), nullable=True),
        sa.Column("latest_revision_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_by", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("source_topic_id", sa.Integer(), nullable=True),
        sa.Column("helpful_yes", sa.Integer(), nullable=False),
        sa.Column("helpful_no", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_kb_articles_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_kb_articles_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["kb_sections.id"],
            name=op.f("fk_kb_articles_section_id_kb_sections"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_topic_id"],
            ["topics.id"],
            name=op.f("fk_kb_articles_source_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_kb_articles_review_by", ["review_by"], unique=False)
        batch_op.create_index("ix_kb_articles_section", ["section_id", "title"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kb_articles_source_topic_id"), ["source_topic_id"], unique=False
        )

    op.create_table(
        "kb_section_rights",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("right", sa.String(length=20), nullable=False),
        sa.Column("principal", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["kb_sections.id"],
            name=op.f("fk_kb_section_rights_section_id_kb_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "section_id", "right", "principal", name=op.f("pk_kb_section_rights")
        ),
    )
    op.create_table(
        "kb_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_revisions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_kb_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_revisions")),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_kb_revisions_article_id")),
    )
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("visitor", sa.String(length=64), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_feedback_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["kb_revisions.id"],
            name=op.f("fk_kb_feedback_revision_id_kb_revisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kb_feedback_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_feedback")),
        sa.UniqueConstraint("revision_id", "user_id", name="uq_kb_feedback_member"),
        sa.UniqueConstraint("revision_id", "visitor", name="uq_kb_feedback_visitor"),
    )
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_kb_feedback_article", ["article_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_feedback_article")

    op.drop_table("kb_feedback")
    op.drop_table("kb_revisions")
    op.drop_table("kb_section_rights")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_articles_source_topic_id"))
        batch_op.drop_index("ix_kb_articles_section")
        batch_op.drop_index("ix_kb_articles_review_by")
        batch_op.drop_index(batch_op.f("ix_kb_articles_owner_id"))

    op.drop_table("kb_articles")
    with op.batch_alter_table("kb_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_sections_space_id"))
        batch_op.drop_index(batch_op.f("ix_kb_sections_parent_id"))

    op.drop_table("kb_sections")
