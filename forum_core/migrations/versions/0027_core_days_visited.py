"""Members' days visited: on how many days (UTC) a member was here

``users.days_visited`` grows by one with the first request a member makes on a day, written
behind their requests with ``last_seen_at`` (recognition counts it: "visited on 100 days").
Existing members count one day if they were ever seen.

Revision ID: core_0027
Revises: core_0026
Created: 2026-12-07 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0027"
down_revision = "core_0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("days_visited", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.execute("UPDATE users SET days_visited = 1 WHERE last_seen_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("days_visited")
