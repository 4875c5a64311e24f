"""kiosk software updates: releases, TUF metadata, rollouts, kiosk update states, the update audit trail

Revision ID: 0004_updates
Revises: 0003_kiosk_help
Create Date: 2026-12-02 06:27:28.037266
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0004_updates"
down_revision = "0003_kiosk_help"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_tuf_metadata",
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("expires_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("signed_at", backend.database.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('root', 'targets', 'snapshot', 'timestamp')", name=op.f("ck_update_tuf_metadata_role")
        ),
        sa.PrimaryKeyConstraint("role", "version", name=op.f("pk_update_tuf_metadata")),
    )
    op.create_table(
        "update_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("target_name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("package", sa.LargeBinary(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], name=op.f("fk_update_releases_created_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_releases")),
        sa.UniqueConstraint("target_name", name=op.f("uq_update_releases_target_name")),
        sa.UniqueConstraint("version", name=op.f("uq_update_releases_version")),
    )
    op.create_table(
        "update_rollouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("wave", sa.String(length=8), nullable=False),
        sa.Column("canary_kiosk_ids", sa.JSON(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("outside_clinic_hours", sa.Boolean(), nullable=False),
        sa.Column("not_before", backend.database.UtcDateTime(), nullable=False),
        sa.Column("halted_reason", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("updated_at", backend.database.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('running', 'halted', 'stopped', 'completed')", name=op.f("ck_update_rollouts_state")
        ),
        sa.CheckConstraint("wave IN ('canary', 'share', 'all')", name=op.f("ck_update_rollouts_wave")),
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name=op.f("ck_update_rollouts_share_percent")),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], name=op.f("fk_update_rollouts_created_by_accounts")),
        sa.ForeignKeyConstraint(
            ["release_id"], ["update_releases.id"], name=op.f("fk_update_rollouts_release_id_update_releases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_rollouts")),
    )
    op.create_table(
        "update_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("kiosk_id", sa.String(length=12), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"], ["update_releases.id"], name=op.f("fk_update_events_release_id_update_releases")
        ),
        sa.ForeignKeyConstraint(
            ["rollout_id"], ["update_rollouts.id"], name=op.f("fk_update_events_rollout_id_update_rollouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_events")),
    )
    with op.batch_alter_table("update_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_update_events_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "update_kiosk_states",
        sa.Column("kiosk_id", sa.String(length=12), nullable=False),
        sa.Column("running_version", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.String(length=1), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("target_version", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("crashes", sa.Integer(), nullable=False),
        sa.Column("updated_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", backend.database.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["fleet_kiosks.id"], name=op.f("fk_update_kiosk_states_kiosk_id_fleet_kiosks")
        ),
        sa.ForeignKeyConstraint(
            ["rollout_id"], ["update_rollouts.id"], name=op.f("fk_update_kiosk_states_rollout_id_update_rollouts")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_update_kiosk_states")),
    )


def downgrade() -> None:
    op.drop_table("update_kiosk_states")
    with op.batch_alter_table("update_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_events_occurred_at"))

    op.drop_table("update_events")
    op.drop_table("update_rollouts")
    op.drop_table("update_releases")
    op.drop_table("update_tuf_metadata")
