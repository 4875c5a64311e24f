"""`flask --app backend audit partitions | archive`: the audit trail's monthly partitions on PostgreSQL.

    flask --app backend audit partitions --ahead 3      # this month and the next 3 exist (cron: daily)
    flask --app backend audit archive --before 2025-01 --out instance/audit-archive

Archival detaches every month older than --before (a short lock on the live table), dumps each to a gzip'd CSV
through COPY with a line in MANIFEST.jsonl (rows, SHA-256 of the CSV), and drops the month only once the dump
holds every row. A run that stopped half way is resumed by running it again. On SQLite both commands refuse:
the trail there is one table."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from backend.audit import partitions
from backend.core import clock
from backend.extensions import db


def _partitioned_connection():
    connection = db.engine.connect()
    partitioned = partitions.is_partitioned(connection)
    connection.rollback()  # end the catalog read's transaction: each step below commits on its own
    if not partitioned:
        connection.close()
        raise click.ClickException(
            "the audit trail is partitioned on PostgreSQL only (this database keeps one table); nothing to do"
        )
    return connection


def register(app: Flask) -> None:
    @app.cli.group("audit")
    def audit() -> None:
        """The audit trail's monthly partitions (PostgreSQL)."""

    @audit.command("partitions")
    @click.option("--ahead", default=3, show_default=True, type=click.IntRange(0, 36), help="Months beyond this one")
    def create_ahead(ahead: int) -> None:
        """Create this month's partition and the next ones."""
        with _partitioned_connection() as connection:
            created = partitions.ensure_ahead(connection, today=clock.now().date(), ahead=ahead)
            months = partitions.attached_months(connection)
            connection.commit()
        click.echo(
            f"created {len(created)} partitions ({', '.join(map(str, created)) or 'none'}); "
            f"{len(months)} monthly partitions from {months[0] if months else '-'} to {months[-1] if months else '-'}"
        )

    @audit.command("archive")
    @click.option("--before", "before_text", required=True, metavar="YYYY-MM", help="Archive months before this one")
    @click.option("--out", "out_dir", default="instance/audit-archive", show_default=True, type=click.Path())
    def archive(before_text: str, out_dir: str) -> None:
        """Detach the months before --before, dump each to a compressed CSV, then drop it."""
        try:
            before = partitions.Month.parse(before_text)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--before") from None
        if before > partitions.Month.of(clock.now().date()):
            raise click.BadParameter(
                "at most the current month: later months are still being written", param_hint="--before"
            )
        with _partitioned_connection() as connection:
            partitions.detach_before(connection, before)
            connection.commit()
            pending = [month for month in partitions.detached_months(connection) if month < before]
            for month in pending:
                done = partitions.dump_and_drop(connection, month, Path(out_dir))
                connection.commit()
                click.echo(f"{done.month}: {done.rows} rows -> {done.path} (csv sha256 {done.sha256})")
        click.echo(f"archived {len(pending)} months before {before}")
