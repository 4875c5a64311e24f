"""account recovery: attempts at kiosks and officers' desks (chip card + face), their one-time binding codes

Revision ID: 0004_account_recovery
Revises: 0003_identity_provider
Create Date: 2026-12-02

The citizen's own lock needs no column: it is the account status "locked" (officers and admins disable).
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0004_account_recovery"
down_revision = "0003_identity_provider"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recovery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("operator_account_id", sa.Integer(), nullable=False),
        sa.Column("operator_label", sa.String(length=120), nullable=False),
        sa.Column("hospital_code", sa.String(length=20), nullable=True),
        sa.Column("prompt", sa.String(length=12), nullable=False),
        sa.Column("challenge_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("card_key", sa.String(length=64), nullable=True),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("trust_level", sa.String(length=24), nullable=True),
        sa.Column("match_distance", sa.Double(), nullable=True),
        sa.Column("liveness", sa.String(length=60), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("decided_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("completed_at", backend.database.UtcDateTime(), nullable=True),
        sa.CheckConstraint("channel IN ('kiosk', 'desk')", name=op.f("ck_recovery_attempts_channel")),
        sa.CheckConstraint(
            "status IN ('started', 'refused', 'needs_staff', 'approved', 'code_issued', 'completed')",
            name=op.f("ck_recovery_attempts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_account_id"], ["accounts.id"], name=op.f("fk_recovery_attempts_operator_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_recovery_attempts_citizen_id_citizens")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_recovery_attempts_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["accounts.id"], name=op.f("fk_recovery_attempts_confirmed_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_attempts")),
        sa.UniqueConstraint("public_id", name=op.f("uq_recovery_attempts_public_id")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_attempts_code_hash")),
    )
    op.create_index(op.f("ix_recovery_attempts_card_key"), "recovery_attempts", ["card_key"])
    op.create_index(op.f("ix_recovery_attempts_created_at"), "recovery_attempts", ["created_at"])
    op.create_index(op.f("ix_recovery_attempts_operator_account_id"), "recovery_attempts", ["operator_account_id"])


def downgrade() -> None:
    op.drop_table("recovery_attempts")
