"""fleet: kiosks, enrollment codes, profiles, commands, nonces, metric buckets, alerts

Revision ID: 0002_fleet
Revises: 0001
Create Date: 2026-11-22

Depends on the health branch: kiosks, codes and profiles belong to a hospital (hospitals.code).
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0002_fleet"
down_revision = "0001"
branch_labels = ("fleet",)
depends_on = "0002_health"


def upgrade() -> None:
    op.create_table(
        "fleet_request_nonces",
        sa.Column("kiosk_id", sa.String(length=12), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", backend.database.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "nonce", name=op.f("pk_fleet_request_nonces")),
    )
    with op.batch_alter_table("fleet_request_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fleet_request_nonces_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "fleet_enrollment_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hint", sa.String(length=4), nullable=False),
        sa.Column("hospital_code", sa.String(length=20), nullable=False),
        sa.Column("location_label", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("expires_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("used_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("kiosk_id", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_fleet_enrollment_codes_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["hospital_code"],
            ["hospitals.code"],
            name=op.f("fk_fleet_enrollment_codes_hospital_code_hospitals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_enrollment_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_fleet_enrollment_codes_code_hash")),
    )
    op.create_table(
        "fleet_kiosks",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("hospital_code", sa.String(length=20), nullable=False),
        sa.Column("location_label", sa.String(length=100), nullable=False),
        sa.Column("public_key", sa.String(length=43), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("token_family_id", sa.String(length=32), nullable=True),
        sa.Column("challenge", sa.String(length=64), nullable=True),
        sa.Column("challenge_expires_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("enrolled_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("app_version", sa.String(length=32), nullable=True),
        sa.Column("uptime_s", sa.Integer(), nullable=True),
        sa.Column("card_reader_state", sa.String(length=10), nullable=True),
        sa.Column("camera_state", sa.String(length=10), nullable=True),
        sa.Column("printer_state", sa.String(length=10), nullable=True),
        sa.Column("paper_low", sa.Boolean(), nullable=False),
        sa.Column("outbox_backlog", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'decommissioned')", name=op.f("ck_fleet_kiosks_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_fleet_kiosks_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["hospital_code"], ["hospitals.code"], name=op.f("fk_fleet_kiosks_hospital_code_hospitals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_kiosks")),
        sa.UniqueConstraint("account_id", name=op.f("uq_fleet_kiosks_account_id")),
        sa.UniqueConstraint("public_key", name=op.f("uq_fleet_kiosks_public_key")),
    )
    with op.batch_alter_table("fleet_kiosks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fleet_kiosks_hospital_code"), ["hospital_code"], unique=False)

    op.create_table(
        "fleet_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("opened_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("resolved_at", backend.database.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["fleet_kiosks.id"], name=op.f("fk_fleet_alerts_kiosk_id_fleet_kiosks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_alerts")),
    )
    with op.batch_alter_table("fleet_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fleet_alerts_kiosk_id_resolved_at", ["kiosk_id", "resolved_at"], unique=False
        )

    op.create_table(
        "fleet_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("expires_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("completed_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'delivered', 'succeeded', 'failed', 'expired')",
            name=op.f("ck_fleet_commands_state"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_fleet_commands_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["fleet_kiosks.id"], name=op.f("fk_fleet_commands_kiosk_id_fleet_kiosks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_commands")),
    )
    with op.batch_alter_table("fleet_commands", schema=None) as batch_op:
        batch_op.create_index("ix_fleet_commands_kiosk_id_state", ["kiosk_id", "state"], unique=False)

    op.create_table(
        "fleet_metric_buckets",
        sa.Column("kiosk_id", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=2), nullable=False),
        sa.Column("start", backend.database.UtcDateTime(), nullable=False),
        sa.Column("heartbeats", sa.Integer(), nullable=False),
        sa.Column("chip_attempted", sa.Integer(), nullable=False),
        sa.Column("chip_succeeded", sa.Integer(), nullable=False),
        sa.Column("cccd_qr_attempted", sa.Integer(), nullable=False),
        sa.Column("cccd_qr_succeeded", sa.Integer(), nullable=False),
        sa.Column("signed_qr_attempted", sa.Integer(), nullable=False),
        sa.Column("signed_qr_succeeded", sa.Integer(), nullable=False),
        sa.Column("id_and_dob_attempted", sa.Integer(), nullable=False),
        sa.Column("id_and_dob_succeeded", sa.Integer(), nullable=False),
        sa.Column("checkins_completed", sa.Integer(), nullable=False),
        sa.Column("step_ms", sa.JSON(), nullable=False),
        sa.Column("outbox_max", sa.Integer(), nullable=False),
        sa.Column("paper_low_heartbeats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["fleet_kiosks.id"], name=op.f("fk_fleet_metric_buckets_kiosk_id_fleet_kiosks")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "resolution", "start", name=op.f("pk_fleet_metric_buckets")),
    )
    op.create_table(
        "fleet_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hospital_code", sa.String(length=20), nullable=True),
        sa.Column("kiosk_id", sa.String(length=12), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "(hospital_code IS NULL) <> (kiosk_id IS NULL)", name=op.f("ck_fleet_profiles_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_fleet_profiles_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["hospital_code"], ["hospitals.code"], name=op.f("fk_fleet_profiles_hospital_code_hospitals")
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["fleet_kiosks.id"], name=op.f("fk_fleet_profiles_kiosk_id_fleet_kiosks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_profiles")),
    )
    with op.batch_alter_table("fleet_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fleet_profiles_hospital_code"), ["hospital_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_fleet_profiles_kiosk_id"), ["kiosk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fleet_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_profiles_kiosk_id"))
        batch_op.drop_index(batch_op.f("ix_fleet_profiles_hospital_code"))

    op.drop_table("fleet_profiles")
    op.drop_table("fleet_metric_buckets")
    with op.batch_alter_table("fleet_commands", schema=None) as batch_op:
        batch_op.drop_index("ix_fleet_commands_kiosk_id_state")

    op.drop_table("fleet_commands")
    with op.batch_alter_table("fleet_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_fleet_alerts_kiosk_id_resolved_at")

    op.drop_table("fleet_alerts")
    with op.batch_alter_table("fleet_kiosks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_kiosks_hospital_code"))

    op.drop_table("fleet_kiosks")
    op.drop_table("fleet_enrollment_codes")
    with op.batch_alter_table("fleet_request_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_request_nonces_seen_at"))

    op.drop_table("fleet_request_nonces")
