"""support: who wrote a question's last reply (the staff queue's "waiting for staff")

Revision ID: support_0002
Revises: support_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "support_0002"
down_revision = "support_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_replier_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_support_questions_last_replier_id_users"), "users",
            ["last_replier_id"], ["id"], ondelete="SET NULL")
    # existing questions: the author of their latest reply that is shown
    op.execute(
        "UPDATE support_questions SET last_replier_id = (SELECT p.user_id FROM posts p "
        "WHERE p.topic_id = support_questions.topic_id AND p.number > 1 "
        "AND NOT p.is_deleted AND NOT p.is_hidden AND NOT p.is_held "
        "ORDER BY p.created_at DESC, p.number DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table("support_questions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_support_questions_last_replier_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("last_replier_id")
