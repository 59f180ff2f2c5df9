"""Notifications about any content type, of kinds plugins declare

A notification named a post; it now names an item of a declared content type (type, key),
and its kind is a declared kind's name (plugins' kinds are "<plugin>.<what>").

Revision ID: core_0014
Revises: core_0013
Created: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0014"
down_revision = "core_0013"
branch_labels = None
depends_on = None

#: the kinds the bundled plugins sent before they were declared under their own names
RENAMED = {"announcement": "groups.announcement", "status": "ideas.status"}


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("content_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("content_key", sa.Integer(), nullable=True))
        batch_op.alter_column("kind", type_=sa.String(length=60), existing_nullable=False)
    op.execute("UPDATE notifications SET content_type = 'post', content_key = post_id")
    for old, new in RENAMED.items():
        op.execute(sa.text("UPDATE notifications SET kind = :new WHERE kind = :old")
                   .bindparams(new=new, old=old))
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column("content_type", existing_type=sa.String(length=40),
                              nullable=False)
        batch_op.alter_column("content_key", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("fk_notifications_post_id_posts", type_="foreignkey")
        batch_op.drop_column("post_id")


def downgrade() -> None:
    # notifications about anything but posts cannot be kept by the older schema
    op.execute("DELETE FROM notifications WHERE content_type <> 'post'")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
    op.execute("UPDATE notifications SET post_id = content_key")
    op.execute("DELETE FROM notifications WHERE post_id NOT IN (SELECT id FROM posts)")
    for old, new in RENAMED.items():
        op.execute(sa.text("UPDATE notifications SET kind = :old WHERE kind = :new")
                   .bindparams(new=new, old=old))
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column("post_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_notifications_post_id_posts", "posts", ["post_id"],
                                    ["id"], ondelete="CASCADE")
        batch_op.drop_column("content_key")
        batch_op.drop_column("content_type")
        batch_op.alter_column("kind", type_=sa.String(length=20), existing_nullable=False)
