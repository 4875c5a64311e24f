"""The audit trail's monthly partitions on PostgreSQL: names, creation ahead of time, and archival of old months.

`audit_events` is range-partitioned by `occurred_at` (naive UTC, see backend.database.UtcDateTime), one partition per
UTC month named `audit_events_YYYY_MM`, plus `audit_events_default` so that a write never fails when nobody created
the month ahead (a missed cron job must not lose evidence). SQLite keeps one plain table: none of this applies there.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

PARENT = "audit_events"
DEFAULT = "audit_events_default"
_NAME = re.compile(r"^audit_events_(\d{4})_(\d{2})$")
# Serialises partition maintenance between processes (two deploy hooks, a cron job and a migration).
_LOCK_KEY = 0x61756469  # "audi"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"expected YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def table(self) -> str:
        return f"{PARENT}_{self.year:04d}_{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def is_partitioned(connection: sa.Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.exec_driver_sql(
        "SELECT relkind FROM pg_class WHERE oid = to_regclass(%(name)s)", {"name": PARENT}
    ).scalar()
    return kind == "p"


def attached_months(connection: sa.Connection) -> list[Month]:
    names = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%(name)s)",
        {"name": PARENT},
    ).scalars()
    return sorted(Month(int(m.group(1)), int(m.group(2))) for m in map(_NAME.match, names) if m)


def detached_months(connection: sa.Connection) -> list[Month]:
    """Monthly tables no longer attached: an archive run that stopped after detaching (it resumes from here)."""
    names = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE 'audit\\_events\\_%%' "
        "AND NOT c.relispartition AND c.relnamespace = current_schema()::regnamespace"
    ).scalars()
    return sorted(Month(int(m.group(1)), int(m.group(2))) for m in map(_NAME.match, names) if m)


def ensure_months(connection: sa.Connection, months: list[Month]) -> list[Month]:
    """Create the missing monthly partitions; returns those created. Rows that landed in the default partition
    for such a month are moved into it (PostgreSQL refuses a new partition while the default holds its rows)."""
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _LOCK_KEY})
    existing = set(attached_months(connection))
    created = []
    for month in sorted(set(months) - existing):
        lower, upper = month.first_day.isoformat(), month.plus(1).first_day.isoformat()
        stranded = connection.exec_driver_sql(
            f"SELECT count(*) FROM {DEFAULT} WHERE occurred_at >= %(lower)s AND occurred_at < %(upper)s",  # nosec B608 - fixed names
            {"lower": lower, "upper": upper},
        ).scalar_one()
        if stranded:
            _move_out_of_default(connection, month, lower, upper)
        else:
            connection.exec_driver_sql(
                f"CREATE TABLE {month.table} PARTITION OF {PARENT} FOR VALUES FROM ('{lower}') TO ('{upper}')"
            )
        created.append(month)
    return created


def _move_out_of_default(connection: sa.Connection, month: Month, lower: str, upper: str) -> None:
    """Detach the default partition, create the month, re-route every row of the old default through the parent
    (so each lands in its month or the new default), drop the old default. Rows are copied, never updated:
    the append-only trigger stays in force on the parent."""
    connection.exec_driver_sql(f"ALTER TABLE {PARENT} DETACH PARTITION {DEFAULT}")
    connection.exec_driver_sql(f"ALTER TABLE {DEFAULT} RENAME TO {DEFAULT}_moving")
    connection.exec_driver_sql(
        f"CREATE TABLE {month.table} PARTITION OF {PARENT} FOR VALUES FROM ('{lower}') TO ('{upper}')"
    )
    connection.exec_driver_sql(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
    connection.exec_driver_sql(f"INSERT INTO {PARENT} SELECT * FROM {DEFAULT}_moving")  # nosec B608 - fixed names
    connection.exec_driver_sql(f"DROP TABLE {DEFAULT}_moving")


def ensure_ahead(connection: sa.Connection, *, today: date, ahead: int) -> list[Month]:
    """This month and the next `ahead` months exist as partitions."""
    current = Month.of(today)
    return ensure_months(connection, [current.plus(i) for i in range(ahead + 1)])


@dataclass(frozen=True)
class Archived:
    month: Month
    rows: int
    path: Path
    sha256: str


def detach_before(connection: sa.Connection, before: Month) -> list[Month]:
    """Detach every monthly partition older than `before` (a short lock on the parent; run in its own
    transaction so the dump that follows holds no lock on the live table)."""
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _LOCK_KEY})
    old = [month for month in attached_months(connection) if month < before]
    for month in old:
        connection.exec_driver_sql(f"ALTER TABLE {PARENT} DETACH PARTITION {month.table}")
    return old


def dump_and_drop(connection: sa.Connection, month: Month, out_dir: Path) -> Archived:
    """Write a detached month to `<out_dir>/audit_events_YYYY_MM.csv.gz` (CSV with a header, through COPY),
    check the row count written against the table, record a manifest line, then drop the table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{month.table}.csv.gz"
    partial = path.with_suffix(".gz.partial")
    raw = connection.connection.driver_connection
    digest = hashlib.sha256()
    with raw.cursor() as cursor, gzip.open(partial, "wb", compresslevel=6) as out:
        with cursor.copy(f"COPY (SELECT * FROM {month.table} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:  # nosec B608 - fixed name
            for block in copy:
                data = bytes(block)
                digest.update(data)
                out.write(data)
        written = cursor.rowcount
    rows = connection.exec_driver_sql(f"SELECT count(*) FROM {month.table}").scalar_one()  # nosec B608 - fixed name
    if written != rows:
        partial.unlink()
        raise RuntimeError(f"{month}: COPY wrote {written} rows of {rows}; table kept")
    partial.rename(path)
    archived = Archived(month, rows, path, digest.hexdigest())
    with (out_dir / "MANIFEST.jsonl").open("a", encoding="utf-8") as manifest:
        manifest.write(
            json.dumps({"month": str(month), "rows": rows, "file": path.name, "csv_sha256": archived.sha256}) + "\n"
        )
    connection.exec_driver_sql(f"DROP TABLE {month.table}")
    return archived


def include_in_schema_comparison(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's `include_name` hook: the monthly and default partitions are made by this module at run time,
    not by the models, so schema comparison (autogenerate, tests/backend/test_migrations.py) skips them."""
    return not (type_ == "table" and name is not None and (name == DEFAULT or _NAME.match(name)))
