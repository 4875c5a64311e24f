"""hospital console: skipped queue tickets and how often a number was called again
(hospital_queue_tickets.recalls); calls for help resolved with a note (hospital_help_requests.resolved_*)

Revision ID: 0004_hospital_console
Revises: 0003_kiosk_help
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0004_hospital_console"
down_revision = "0003_kiosk_help"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hospital_queue_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recalls", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(op.f("ck_hospital_queue_tickets_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('waiting', 'called', 'done', 'skipped')")
    with op.batch_alter_table("hospital_help_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", backend.database.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_hospital_help_requests_resolved_by_accounts"), "accounts", ["resolved_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("hospital_help_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_hospital_help_requests_resolved_by_accounts"), type_="foreignkey")
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_at")
    with op.batch_alter_table("hospital_queue_tickets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hospital_queue_tickets_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('waiting', 'called', 'done')")
        batch_op.drop_column("recalls")
