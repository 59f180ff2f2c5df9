"""groups: the spaces made before the core recorded who governs content are the plugin's

Revision ID: groups_0003
Revises: groups_0002
Created: 2026-12-06 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "groups_0003"
down_revision = "groups_0002"
branch_labels = None
# needs the core's core_0016 (categories.governed_by): the core always migrates first, and
# a plugin's branch cannot name the core's revisions (each branch has its own scripts)
depends_on = None

_categories = sa.table("categories", sa.column("id", sa.Integer),
                       sa.column("governed_by", sa.String))
_spaces = sa.table("groups_spaces", sa.column("category_id", sa.Integer))


def upgrade() -> None:
    # every space, so a later 'forum.plugins' without groups keeps them closed
    op.execute(_categories.update()
               .where(_categories.c.id.in_(sa.select(_spaces.c.category_id)))
               .values(governed_by="groups"))


def downgrade() -> None:
    op.execute(_categories.update().where(_categories.c.governed_by == "groups")
               .values(governed_by=None))
