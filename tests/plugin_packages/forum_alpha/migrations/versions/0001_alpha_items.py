"""alpha: items table."""

import sqlalchemy as sa
from alembic import op

revision = "alpha_0001"
down_revision = None
branch_labels = ("alpha",)
depends_on = None


def upgrade():
    op.create_table(
        "alpha_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )


def downgrade():
    op.drop_table("alpha_items")
