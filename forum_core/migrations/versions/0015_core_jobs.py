"""The ledger of background jobs, written with the transaction that asks for a job

Revision ID: core_0015
Revises: core_0014
Created: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0015"
down_revision = "core_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("run_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("run_key", name=op.f("uq_jobs_run_key")),
    )
    op.create_index("ix_jobs_state_due_at", "jobs", ["state", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_state_due_at", table_name="jobs")
    op.drop_table("jobs")
