"""fleet heartbeats and alerts: the fleet revision counter (kiosk caches across workers); alerts acknowledged
and resolved by a person, with a note

Revision ID: 0004_fleet_heartbeats
Revises: 0003_kiosk_help
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0004_fleet_heartbeats"
down_revision = "0003_kiosk_help"
branch_labels = None
depends_on = None


def upgrade() -> None:
    revision_table = op.create_table(
        "fleet_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_revision")),
    )
    op.bulk_insert(revision_table, [{"id": 1, "value": 0}])
    with op.batch_alter_table("fleet_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", backend.database.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_fleet_alerts_acknowledged_by_accounts"), "accounts", ["acknowledged_by"], ["id"]
        )
        batch_op.create_foreign_key(op.f("fk_fleet_alerts_resolved_by_accounts"), "accounts", ["resolved_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("fleet_alerts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_fleet_alerts_resolved_by_accounts"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_fleet_alerts_acknowledged_by_accounts"), type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
    op.drop_table("fleet_revision")
