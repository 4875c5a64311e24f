"""queue tickets: at most one open ticket (not done) per patient, department and day, as a unique partial index;
issuing a ticket relies on it instead of locking the department's counter from its first statement

Revision ID: 0005_queue_open_ticket
Revises: 0004_hospital_console
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_queue_open_ticket"
down_revision = "0004_hospital_console"
branch_labels = None
depends_on = None

_OPEN = sa.text("status <> 'done'")


def upgrade() -> None:
    # Issuing has always refused a second open ticket (under the counter lock), so existing data satisfies it;
    # should a database hold duplicates anyway, this fails and names them rather than picking one.
    op.create_index(
        "uq_hospital_queue_tickets_open_per_patient",
        "hospital_queue_tickets",
        ["department_id", "service_date", "citizen_id"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_hospital_queue_tickets_open_per_patient", table_name="hospital_queue_tickets")
