"""audit trail partitioned by month on PostgreSQL (issue 21): the citizen's "who read my data" page stays fast as
the trail grows, and old months can be detached and archived whole (`flask audit archive`). SQLite: unchanged.

The primary key becomes (id, occurred_at), as PostgreSQL requires the partition key in it; ids still come from
the one sequence, so they stay unique. Existing rows are copied into their months.

Revision ID: 0004_audit_partitions
Revises: 0003_audit_record_types
"""

from __future__ import annotations

from backend.database import utcnow

from alembic import op

revision = "0004_audit_partitions"
down_revision = "0003_audit_record_types"
branch_labels = None
depends_on = None

_INDEXES = ("pk_audit_events", "ix_audit_events_occurred_at", "ix_audit_events_subject_time")
_AHEAD = 3  # months created beyond the current one; `flask audit partitions --ahead N` keeps this up


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _append_only_trigger(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )


def _rename_old(suffix: str) -> None:
    op.execute(f"ALTER TABLE audit_events RENAME TO audit_events_{suffix}")
    for index in _INDEXES:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_{suffix}")


def _constraints_and_indexes(table: str) -> None:
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_audit_events_subject_citizen_id_citizens "
        "FOREIGN KEY (subject_citizen_id) REFERENCES citizens (id)"
    )
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_audit_events_actor_account_id_accounts "
        "FOREIGN KEY (actor_account_id) REFERENCES accounts (id)"
    )
    op.execute(f"CREATE INDEX ix_audit_events_occurred_at ON {table} (occurred_at)")
    op.execute(f"CREATE INDEX ix_audit_events_subject_time ON {table} (subject_citizen_id, occurred_at)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rename_old("unpartitioned")
    op.execute(
        "CREATE TABLE audit_events (LIKE audit_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        "CONSTRAINT pk_audit_events PRIMARY KEY (id, occurred_at)) PARTITION BY RANGE (occurred_at)"
    )
    _constraints_and_indexes("audit_events")
    _append_only_trigger("audit_events")
    op.execute("CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT")
    now = utcnow()  # the migration runs at deploy time: the real clock decides what is "ahead"
    oldest = op.get_bind().exec_driver_sql("SELECT min(occurred_at) FROM audit_events_unpartitioned").scalar()
    first = (oldest.year, oldest.month) if oldest else (now.year, now.month)
    last_index = now.year * 12 + now.month - 1 + _AHEAD
    for year, month in _months(min(first, (now.year, now.month)), (last_index // 12, last_index % 12 + 1)):
        upper = (year + 1, 1) if month == 12 else (year, month + 1)
        op.execute(
            f"CREATE TABLE audit_events_{year:04d}_{month:02d} PARTITION OF audit_events "
            f"FOR VALUES FROM ('{year:04d}-{month:02d}-01') TO ('{upper[0]:04d}-{upper[1]:02d}-01')"
        )
    op.execute("INSERT INTO audit_events SELECT * FROM audit_events_unpartitioned")
    op.execute("ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id")
    op.execute("DROP TABLE audit_events_unpartitioned")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rename_old("partitioned")
    op.execute(
        "CREATE TABLE audit_events (LIKE audit_events_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        "CONSTRAINT pk_audit_events PRIMARY KEY (id))"
    )
    _constraints_and_indexes("audit_events")
    _append_only_trigger("audit_events")
    op.execute("INSERT INTO audit_events SELECT * FROM audit_events_partitioned")
    op.execute("ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id")
    op.execute("DROP TABLE audit_events_partitioned")  # drops its partitions with it
