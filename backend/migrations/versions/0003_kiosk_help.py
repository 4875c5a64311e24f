"""kiosk help: calls for staff from check-in kiosks (hospital_help_requests); the patient's insured /
self-paid choice on queue tickets (hospital_queue_tickets.payment)

Revision ID: 0003_kiosk_help
Revises: 0002_health, 0002_fleet
Create Date: 2026-12-02

A call belongs to a hospital and a kiosk account, and to the enrolled fleet kiosk when there is one.
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0003_kiosk_help"
down_revision = ("0002_health", "0002_fleet")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hospital_help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_account_id", sa.Integer(), nullable=False),
        sa.Column("fleet_kiosk_id", sa.String(length=12), nullable=True),
        sa.Column("screen", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("assisted", sa.Boolean(), nullable=False),
        sa.Column("created_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("acknowledged_at", backend.database.UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["accounts.id"],
                                name=op.f("fk_hospital_help_requests_acknowledged_by_accounts")),
        sa.ForeignKeyConstraint(["fleet_kiosk_id"], ["fleet_kiosks.id"],
                                name=op.f("fk_hospital_help_requests_fleet_kiosk_id_fleet_kiosks")),
        sa.ForeignKeyConstraint(["hospital_id"], ["hospitals.id"],
                                name=op.f("fk_hospital_help_requests_hospital_id_hospitals")),
        sa.ForeignKeyConstraint(["kiosk_account_id"], ["accounts.id"],
                                name=op.f("fk_hospital_help_requests_kiosk_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hospital_help_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_hospital_help_requests_public_id")),
    )
    with op.batch_alter_table("hospital_help_requests", schema=None) as batch_op:
        batch_op.create_index("ix_hospital_help_requests_open", ["hospital_id", "acknowledged_at", "created_at"],
                              unique=False)
    with op.batch_alter_table("hospital_queue_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment", sa.String(length=10), server_default="insurance", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("hospital_queue_tickets", schema=None) as batch_op:
        batch_op.drop_column("payment")
    with op.batch_alter_table("hospital_help_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_hospital_help_requests_open")
    op.drop_table("hospital_help_requests")
