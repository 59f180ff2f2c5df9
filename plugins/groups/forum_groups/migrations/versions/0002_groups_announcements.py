"""groups: e-mail announcements opt-in, invitations sent to an e-mail address

Revision ID: groups_0002
Revises: groups_0001
Created: 2026-11-29 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "groups_0002"
down_revision = "groups_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups_memberships") as batch:
        batch.add_column(sa.Column("email_announcements", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("groups_invitations") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("groups_invitations") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("groups_memberships") as batch:
        batch.drop_column("email_announcements")
