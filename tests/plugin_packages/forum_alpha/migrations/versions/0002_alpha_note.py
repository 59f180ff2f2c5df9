"""alpha: items get a note."""

import sqlalchemy as sa
from alembic import op

revision = "alpha_0002"
down_revision = "alpha_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alpha_items") as batch:
        batch.add_column(sa.Column("note", sa.String(50), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("alpha_items") as batch:
        batch.drop_column("note")
