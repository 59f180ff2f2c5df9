"""Follow levels: members watch, track or mute categories, topics, members and tags

``follows`` holds a member's level per place (no row: normal); ``ix_follows_place`` finds a
new post's watchers. ``follow_defaults``: the levels administrators give an audience (a
group, a role). ``streams`` and ``stream_places``: named sets of categories that staff
compose and members follow as a whole. ``notifications.reason`` says which watched place a
notification came from. ``users.auto_track``: whether topics a member posts in are tracked for them;
``users.feed_token_hash``: the secret of their personal feed's address.

Revision ID: core_0024
Revises: core_0023
Created: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0024"
down_revision = "core_0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=20), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "place", "place_id", name=op.f("pk_follows")),
    )
    op.create_index("ix_follows_place", "follows", ["place", "place_id", "level"])
    op.create_table(
        "streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streams")),
        sa.UniqueConstraint("slug", name=op.f("uq_streams_slug")),
    )
    op.create_table(
        "stream_places",
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=20), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stream_id"], ["streams.id"],
                                name=op.f("fk_stream_places_stream_id_streams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("stream_id", "place", "place_id", name=op.f("pk_stream_places")),
    )
    op.create_table(
        "follow_defaults",
        sa.Column("principal", sa.String(length=80), nullable=False),
        sa.Column("place", sa.String(length=20), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("principal", "place", "place_id",
                                name=op.f("pk_follow_defaults")),
    )
    # plain ADD COLUMNs (SQLite too): rebuilding the users table, which most tables refer
    # to, would fail on their foreign keys
    op.add_column("notifications", sa.Column("reason", sa.String(length=40), nullable=True))
    op.add_column("users", sa.Column("auto_track", sa.Boolean(), nullable=False,
                                     server_default=sa.true()))
    op.add_column("users", sa.Column("feed_token_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_users_feed_token_hash"), "users", ["feed_token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_feed_token_hash"), table_name="users")
    # (SQLite 3.35 and later drop them in place)
    op.drop_column("users", "feed_token_hash")
    op.drop_column("users", "auto_track")
    op.drop_column("notifications", "reason")
    op.drop_table("follow_defaults")
    op.drop_table("stream_places")
    op.drop_table("streams")
    op.drop_index("ix_follows_place", table_name="follows")
    op.drop_table("follows")
