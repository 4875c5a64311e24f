"""The audit trail's monthly partitions (PostgreSQL): created ahead, rows that arrive before their month is
created kept and moved into it, old months archived to compressed CSV and dropped, the citizen's page intact."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from backend.audit import partitions
from backend.audit.models import AuditEvent
from backend.audit.partitions import Month
from backend.extensions import db
from tests.backend.conftest import BACKEND
from tests.backend.helpers import PASSWORD, Factory, bearer, login

postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="partitioning is PostgreSQL only")
NOW = datetime(2031, 5, 10, 9, 0, tzinfo=UTC)


def _event(citizen_id: int, moment: datetime) -> dict:
    return {
        "occurred_at": moment,
        "subject_citizen_id": citizen_id,
        "actor_account_id": None,
        "actor_role": "officer",
        "actor_label": "Cán bộ / Officer",
        "action": "read",
        "record_type": "citizen",
        "record_ref": None,
        "purpose": 'kiểm tra, "trích dẫn"\nhai dòng',  # CSV quoting and a newline survive the archive
        "client_kind": "address",
        "client_id": "127.0.0.1",
        "request_id": None,
    }


def _where(app, event_id: int) -> str:
    with app.app_context():
        return db.session.execute(
            sa.text("SELECT tableoid::regclass::text FROM audit_events WHERE id = :id"), {"id": event_id}
        ).scalar_one()


@pytest.fixture()
def trail(make_app):
    """A fresh database with one citizen and a few events over four months, committed."""
    app = make_app(CLOCK=lambda: NOW)
    with app.app_context():
        session = db.session
        citizen = Factory(session).citizen()
        account = Factory(session).account(citizen)
        moments = [datetime(2031, m, 3, 8, 0, tzinfo=UTC) for m in (1, 1, 2, 3, 5)]
        session.execute(sa.insert(AuditEvent), [_event(citizen.id, moment) for moment in moments])
        session.commit()
        ids = session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
        username = account.username
    return app, ids, username


@postgres_only
def test_the_migration_partitions_the_trail_and_writes_outside_any_month_land_in_the_default(trail):
    app, ids, _ = trail
    with app.app_context():
        connection = db.session.connection()
        assert partitions.is_partitioned(connection)
        pk = connection.exec_driver_sql(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_audit_events'"
        ).scalar_one()
    assert pk == "PRIMARY KEY (id, occurred_at)"
    assert {_where(app, event_id) for event_id in ids} == {"audit_events_default"}  # 2031 is not created yet


@postgres_only
def test_partitions_ahead_creates_the_months_and_moves_stranded_rows_into_them(trail):
    app, ids, username = trail
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "partitions", "--ahead", "2"])
    assert result.exit_code == 0, result.output
    assert "created 3 partitions (2031-05, 2031-06, 2031-07)" in result.output
    assert _where(app, ids[-1]) == "audit_events_2031_05"
    with app.app_context():
        connection = db.session.connection()
        partitions.ensure_months(connection, [Month(2031, 1), Month(2031, 2), Month(2031, 3)])
        db.session.commit()
    assert [_where(app, event_id) for event_id in ids] == [
        "audit_events_2031_01",
        "audit_events_2031_01",
        "audit_events_2031_02",
        "audit_events_2031_03",
        "audit_events_2031_05",
    ]
    again = runner.invoke(args=["audit", "partitions", "--ahead", "2"])
    assert "created 0 partitions" in again.output
    client = app.test_client()
    page = client.get("/api/v1/me/access-log", headers=bearer(login(client, username, PASSWORD)["access_token"]))
    assert page.json["meta"]["total"] == 5


@postgres_only
def test_archive_dumps_old_months_to_compressed_csv_and_drops_them(trail, tmp_path):
    app, ids, username = trail
    with app.app_context():
        partitions.ensure_months(db.session.connection(), [Month(2031, m) for m in range(1, 6)])
        older = [m for m in partitions.attached_months(db.session.connection()) if m < Month(2031, 3)]
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "archive", "--before", "2031-03", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"archived {len(older)} months before 2031-03" in result.output  # the migration's months are empty
    assert "2031-01: 2 rows" in result.output and "2031-02: 1 rows" in result.output
    with gzip.open(tmp_path / "audit_events_2031_01.csv.gz", "rt", encoding="utf-8", newline="") as dump:
        rows = list(csv.DictReader(io.StringIO(dump.read())))
    assert [int(row["id"]) for row in rows] == ids[:2]
    assert rows[0]["purpose"] == 'kiểm tra, "trích dẫn"\nhai dòng'
    manifest = [json.loads(line) for line in (tmp_path / "MANIFEST.jsonl").read_text().splitlines()]
    assert [(entry["month"], entry["rows"]) for entry in manifest if entry["rows"]] == [("2031-01", 2), ("2031-02", 1)]
    with app.app_context():
        connection = db.session.connection()
        assert Month(2031, 1) not in partitions.attached_months(connection)
        assert connection.exec_driver_sql("SELECT to_regclass('audit_events_2031_01')").scalar() is None
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_events").scalar_one() == 2
    client = app.test_client()
    page = client.get("/api/v1/me/access-log", headers=bearer(login(client, username, PASSWORD)["access_token"]))
    assert page.json["meta"]["total"] == 2


@postgres_only
def test_archive_refuses_the_current_month_and_a_malformed_month(trail):
    app, _, _ = trail
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "archive", "--before", "2031-06"]).exit_code == 2
    assert runner.invoke(args=["audit", "archive", "--before", "2031-13"]).exit_code == 2


@postgres_only
def test_an_archive_that_stopped_after_detaching_resumes(trail, tmp_path):
    app, _, _ = trail
    with app.app_context():
        connection = db.session.connection()
        partitions.ensure_months(connection, [Month(2031, 1), Month(2031, 2)])
        partitions.detach_before(connection, Month(2031, 2))  # then the process died
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "archive", "--before", "2031-02", "--out", str(tmp_path)])
    assert result.exit_code == 0 and "2031-01: 2 rows" in result.output, result.output


@pytest.mark.skipif(BACKEND == "postgresql", reason="the SQLite refusal")
def test_on_sqlite_the_commands_say_there_is_nothing_to_partition(make_app):
    result = make_app().test_cli_runner().invoke(args=["audit", "partitions"])
    assert result.exit_code == 1 and "PostgreSQL only" in result.output


@postgres_only
def _page_plan(**arguments) -> str:
    """EXPLAIN of the statement the service runs for a page (the same bound values): one statement."""
    from backend.audit import service

    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        service.list_for_citizen(session=db.session, citizen_id=1, per_page=20, **arguments)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert len(statements) == 1  # the page (and its count) in one statement
    statement, parameters = statements[0]
    connection = db.session.connection()
    return "\n".join(connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters).scalars())


def _scanned(plan: str) -> set[str]:
    return set(re.findall(r" on (audit_events_(?:\d{4}_\d{2}|default))\b", plan))


@postgres_only
def test_a_period_of_the_access_log_reads_only_its_months_through_the_subject_time_id_index(trail):
    from datetime import date

    app, _, _ = trail
    with app.app_context():
        partitions.ensure_months(db.session.connection(), [Month(2031, m) for m in range(1, 6)])
        plan = _page_plan(since=date(2031, 2, 1), until=date(2031, 2, 28))
    # 1 February in Vietnam starts at 31 January 17:00 UTC: January's last hours and February (the page and its
    # count alike).
    assert _scanned(plan) == {"audit_events_2031_01", "audit_events_2031_02"}
    assert "subject_citizen_id_occurred_at_id_idx" in plan and "Seq Scan" not in plan


@postgres_only
def test_a_page_after_a_cursor_plans_only_the_months_up_to_it_and_needs_no_sort(trail):
    from backend.audit.service import LogPosition

    app, _, _ = trail
    with app.app_context():
        partitions.ensure_months(db.session.connection(), [Month(2031, m) for m in range(1, 6)])
        plan = _page_plan(after=LogPosition(3, 99, datetime(2031, 2, 15, tzinfo=UTC), 10**9))
    assert {"audit_events_2031_01", "audit_events_2031_02"} <= _scanned(plan)
    assert not _scanned(plan) & {"audit_events_2031_03", "audit_events_2031_04", "audit_events_2031_05"}
    assert "count" not in plan.lower() and "Aggregate" not in plan  # the total comes with the cursor
    assert "Sort" not in plan.replace("Sort Key", "") and "subject_citizen_id_occurred_at_id_idx" in plan


@postgres_only
def test_the_migration_keeps_existing_rows_and_their_ids(make_app):
    from backend import migrate

    app = make_app()
    engine = app.extensions["congdan.db"]["engine"]
    migrate.downgrade(engine, "0003_audit_record_types")  # the plain table of 0003 (0005, 0004 undone)
    with app.app_context():
        citizen = Factory(db.session).citizen()
        moments = [datetime(2024, 2, 29, 23, 0, tzinfo=UTC), datetime(2024, 3, 1, 0, 0, tzinfo=UTC)]
        db.session.execute(sa.insert(AuditEvent), [_event(citizen.id, moment) for moment in moments])
        db.session.commit()
        before = db.session.execute(sa.text("SELECT id, occurred_at FROM audit_events ORDER BY id")).all()
        db.session.close()
    migrate.upgrade(engine)
    with app.app_context():
        assert partitions.is_partitioned(db.session.connection())
        after = db.session.execute(sa.text("SELECT id, occurred_at FROM audit_events ORDER BY id")).all()
        assert after == before
        assert [_where(app, event_id) for event_id, _ in after] == ["audit_events_2024_02", "audit_events_2024_03"]
        db.session.execute(sa.insert(AuditEvent), [_event(citizen.id, datetime(2024, 3, 2, tzinfo=UTC))])
        newest = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        assert newest > after[-1][0]  # the sequence carried over
        db.session.rollback()
