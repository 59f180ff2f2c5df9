"""Members' visits: when a member was last here, and when their visit before this one ended

``users.last_seen_at`` is when the member was last here (written behind their requests);
``users.previous_visit_at`` is when their visit before the current one ended: "Since your
last visit" lists the activity after it. Existing members were last seen when they last
signed in (or when they joined).

Revision ID: core_0026
Revises: core_0025
Created: 2026-12-07 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0026"
down_revision = "core_0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("previous_visit_at", sa.DateTime(), nullable=True))
    # (left nullable: on SQLite, making it NOT NULL would copy the table that every other
    # refers to; the forum writes it for every member made, and reads a missing one as the
    # time the member joined)
    op.execute("UPDATE users SET last_seen_at = COALESCE((SELECT max(s.created_at) FROM "
               "auth_sessions s WHERE s.user_id = users.id), created_at)")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("previous_visit_at")
        batch_op.drop_column("last_seen_at")
