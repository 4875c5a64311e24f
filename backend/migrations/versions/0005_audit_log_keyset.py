"""the citizen's access log in its own order (issue 21): the (subject, time) index becomes (subject, time, id), the
order of the page (newest first, then highest id), so a page - first or deep, through a keyset cursor - is one
backward range scan per month with no sort, and the count reads this index only.

PostgreSQL: the index is created on the partitioned parent, which builds it on every monthly partition (and on
partitions created later). It is built in the migration's transaction, holding off writes to the trail for the
build (about a minute per 10 million events); deploy it in a quiet hour, or build it beforehand per partition with
CREATE INDEX CONCURRENTLY and attach those (ALTER INDEX ... ATTACH PARTITION): this migration then finds it.

Revision ID: 0005_audit_log_keyset
Revises: 0004_audit_partitions
"""

from __future__ import annotations

from alembic import op

revision = "0005_audit_log_keyset"
down_revision = "0004_audit_partitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_audit_events_subject_time_id "
        "ON audit_events (subject_citizen_id, occurred_at, id)"
    )
    op.drop_index("ix_audit_events_subject_time", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_subject_time", "audit_events", ["subject_citizen_id", "occurred_at"])
    op.drop_index("ix_audit_events_subject_time_id", table_name="audit_events")
