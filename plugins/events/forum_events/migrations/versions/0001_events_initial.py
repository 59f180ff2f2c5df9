"""events: events, dates, answers, invitations, feedback, feeds

Revision ID: events_0001
Revises:
Created: 2026-12-07 21:31:29.835691
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "events_0001"
down_revision = None
branch_labels = ("events",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events_calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_events_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_events_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_events_calendar_feeds_token_hash")),
    )
    op.create_table(
        "events_events",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("starts_local", sa.DateTime(), nullable=False),
        sa.Column("fold", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("rrule_capped", sa.Boolean(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("online_url", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("rsvp_close_minutes", sa.Integer(), nullable=True),
        sa.Column("attendee_visibility", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("followup_topic_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_events_events_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["followup_topic_id"],
            ["topics.id"],
            name=op.f("fk_events_events_followup_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_events_events_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_events_events")),
    )
    with op.batch_alter_table("events_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_events_category_id"), ["category_id"], unique=False
        )

    op.create_table(
        "events_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events_events.topic_id"],
            name=op.f("fk_events_invitations_event_id_events_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_events_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_events_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events_invitations")),
        sa.UniqueConstraint("event_id", "email", name="uq_events_invitations_event_email"),
        sa.UniqueConstraint("event_id", "user_id", name="uq_events_invitations_event_user"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_events_invitations_token_hash")),
    )
    with op.batch_alter_table("events_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_invitations_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_events_invitations_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "events_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("recurrence_id", sa.DateTime(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("going_count", sa.Integer(), nullable=False),
        sa.Column("waiting_seq", sa.Integer(), nullable=False),
        sa.Column("reminded_day", sa.Boolean(), nullable=False),
        sa.Column("reminded_hour", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events_events.topic_id"],
            name=op.f("fk_events_occurrences_event_id_events_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events_occurrences")),
        sa.UniqueConstraint(
            "event_id", "recurrence_id", name=op.f("uq_events_occurrences_event_id")
        ),
    )
    with op.batch_alter_table("events_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_occurrences_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index("ix_events_occurrences_starts", ["starts_at"], unique=False)

    op.create_table(
        "events_organisers",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events_events.topic_id"],
            name=op.f("fk_events_organisers_event_id_events_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_events_organisers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_events_organisers")),
    )
    with op.batch_alter_table("events_organisers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_organisers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "events_feedback",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["events_occurrences.id"],
            name=op.f("fk_events_feedback_occurrence_id_events_occurrences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_events_feedback_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "user_id", name=op.f("pk_events_feedback")),
    )
    op.create_table(
        "events_rsvps",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["events_occurrences.id"],
            name=op.f("fk_events_rsvps_occurrence_id_events_occurrences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_events_rsvps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "user_id", name=op.f("pk_events_rsvps")),
    )
    with op.batch_alter_table("events_rsvps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_rsvps_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_events_rsvps_waiting", ["occurrence_id", "answer", "position"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("events_rsvps", schema=None) as batch_op:
        batch_op.drop_index("ix_events_rsvps_waiting")
        batch_op.drop_index(batch_op.f("ix_events_rsvps_user_id"))

    op.drop_table("events_rsvps")
    op.drop_table("events_feedback")
    with op.batch_alter_table("events_organisers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_organisers_user_id"))

    op.drop_table("events_organisers")
    with op.batch_alter_table("events_occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_events_occurrences_starts")
        batch_op.drop_index(batch_op.f("ix_events_occurrences_event_id"))

    op.drop_table("events_occurrences")
    with op.batch_alter_table("events_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_invitations_user_id"))
        batch_op.drop_index(batch_op.f("ix_events_invitations_event_id"))

    op.drop_table("events_invitations")
    with op.batch_alter_table("events_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_events_category_id"))

    op.drop_table("events_events")
    op.drop_table("events_calendar_feeds")
