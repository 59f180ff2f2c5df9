"""Categories get a colour of the palette and an optional icon (both names; None: plain)

A member's title (``users.title``) needs no column: core_0004 added it.

Revision ID: core_0018
Revises: core_0017
Created: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None

#: forum_core.content.appearance.APPEARANCE_NAME_MAX when this was written
NAME_MAX = 20


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch_op:
        batch_op.add_column(sa.Column("colour", sa.String(length=NAME_MAX), nullable=True))
        batch_op.add_column(sa.Column("icon", sa.String(length=NAME_MAX), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch_op:
        batch_op.drop_column("icon")
        batch_op.drop_column("colour")
