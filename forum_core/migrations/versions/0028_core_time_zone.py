"""Members' time zones: the zone a member reads times in (events, schedules)

``users.time_zone`` holds an IANA name ("Europe/Amsterdam") the member chose on /account or
their browser gave when they signed in; NULL until then (the forum's ``forum.time_zone``).

Revision ID: core_0028
Revises: core_0027
Created: 2026-12-07 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0028"
down_revision = "core_0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
