"""sessions and audit: login back-off state, account status history, the owner ID an applicant typed,
who cancelled a fine or last set an agency's quota; kiosk challenges no longer held per kiosk (they carry their own MAC)

Revision ID: 0003_sessions
Revises: 0002_residence, 0002_payments_traffic_judicial, 0002_fleet, 0002_verification
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0003_sessions"
down_revision = ("0002_residence", "0002_payments_traffic_judicial", "0002_fleet", "0002_verification")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("blocked_until", backend.database.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_login_throttles")),
    )
    op.create_index(op.f("ix_login_throttles_last_failure_at"), "login_throttles", ["last_failure_at"])
    op.create_table(
        "account_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("sessions_ended", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_account_status_changes_account_id_accounts")),
        sa.ForeignKeyConstraint(["actor_account_id"], ["accounts.id"],
                                name=op.f("fk_account_status_changes_actor_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_status_changes")),
    )
    op.create_index(op.f("ix_account_status_changes_account_id"), "account_status_changes", ["account_id"])
    op.add_column("residence_applications", sa.Column("owner_personal_id", sa.String(length=12), nullable=True))
    # Earlier applications named an owner who exists: their typed ID is that owner's.
    op.execute(
        "UPDATE residence_applications SET owner_personal_id = "
        "(SELECT personal_id FROM citizens WHERE citizens.id = residence_applications.owner_citizen_id) "
        "WHERE owner_citizen_id IS NOT NULL"
    )
    with op.batch_alter_table("penalty_decisions") as batch:
        batch.add_column(sa.Column("cancelled_by_account_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_penalty_decisions_cancelled_by_account_id_accounts"), "accounts",
                                 ["cancelled_by_account_id"], ["id"])
    with op.batch_alter_table("fleet_kiosks") as batch:
        batch.drop_column("challenge_expires_at")
        batch.drop_column("challenge")
    with op.batch_alter_table("verification_agencies") as batch:
        batch.add_column(sa.Column("changed_by_account_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_verification_agencies_changed_by_account_id_accounts"), "accounts",
                                 ["changed_by_account_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("verification_agencies") as batch:
        batch.drop_constraint(op.f("fk_verification_agencies_changed_by_account_id_accounts"), type_="foreignkey")
        batch.drop_column("changed_by_account_id")
    with op.batch_alter_table("fleet_kiosks") as batch:
        batch.add_column(sa.Column("challenge", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("challenge_expires_at", backend.database.UtcDateTime(), nullable=True))
    with op.batch_alter_table("penalty_decisions") as batch:
        batch.drop_constraint(op.f("fk_penalty_decisions_cancelled_by_account_id_accounts"), type_="foreignkey")
        batch.drop_column("cancelled_by_account_id")
    op.drop_column("residence_applications", "owner_personal_id")
    op.drop_index(op.f("ix_account_status_changes_account_id"), table_name="account_status_changes")
    op.drop_table("account_status_changes")
    op.drop_index(op.f("ix_login_throttles_last_failure_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
