"""A member's API tokens have different names: creating one twice at once makes one

Tokens that already share a name keep working; all but the oldest of them get a number
added to the name ("backup (2)"), which the member sees on their account page.

Revision ID: core_0017
Revises: core_0016
Created: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0017"
down_revision = "core_0016"
branch_labels = None
depends_on = None

#: the longest token name (forum_core.limits.TOKEN_NAME_MAX when this was written)
NAME_MAX = 80

tokens = sa.table("api_tokens", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                  sa.column("name", sa.String))


def renamed(rows: list[tuple[int, int, str]]) -> dict[int, str]:
    """New names for the tokens whose member has an older token of the same name, by id;
    a new name is free among that member's names, old and new."""
    taken: dict[int, set[str]] = {}
    for _id, user_id, name in rows:
        taken.setdefault(user_id, set()).add(name)
    seen: set[tuple[int, str]] = set()
    changes: dict[int, str] = {}
    for token_id, user_id, name in rows:  # oldest first: the oldest keeps its name
        if (user_id, name) not in seen:
            seen.add((user_id, name))
            continue
        number = 2
        while True:
            suffix = f" ({number})"
            candidate = name[:NAME_MAX - len(suffix)] + suffix
            if candidate not in taken[user_id]:
                break
            number += 1
        taken[user_id].add(candidate)
        seen.add((user_id, candidate))
        changes[token_id] = candidate
    return changes


def upgrade() -> None:
    connection = op.get_bind()
    rows = [tuple(row) for row in connection.execute(
        sa.select(tokens.c.id, tokens.c.user_id, tokens.c.name).order_by(tokens.c.id))]
    for token_id, name in renamed(rows).items():
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(name=name))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_api_tokens_user_id"),
                                          ["user_id", "name"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_api_tokens_user_id"), type_="unique")
