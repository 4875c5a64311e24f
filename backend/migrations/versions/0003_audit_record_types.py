"""one spelling of audit record types (issue 15): citizens read these values in their access log, so the
underscore spellings written by traffic and judicial become the hyphenated ones every other domain uses

Revision ID: 0003_audit_record_types
Revises: 0002_payments_traffic_judicial
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_audit_record_types"
down_revision = "0002_payments_traffic_judicial"
branch_labels = None
depends_on = None

RENAMED = {
    "certificate_request": "certificate-request",
    "conviction_record": "conviction-record",
    "driving_licence": "driving-licence",
    "penalty_decision": "penalty-decision",
}


def _rename(pairs) -> None:
    events = sa.table("audit_events", sa.column("record_type", sa.String))
    for old, new in pairs:
        op.execute(events.update().where(events.c.record_type == old).values(record_type=new))


def upgrade() -> None:
    _rename(RENAMED.items())


def downgrade() -> None:
    _rename((new, old) for old, new in RENAMED.items())
