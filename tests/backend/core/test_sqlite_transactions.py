"""SQLite transactions per request: reads begin DEFERRED (two workers' reads run side by side under WAL), writes
begin IMMEDIATE, and a read that writes after losing the race for the write lock is retried, once, IMMEDIATE."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.extensions import db
from tests.backend.helpers import Factory, bearer, login


@pytest.fixture()
def sqlite_app(make_app):
    app = make_app()
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the write lock in question is SQLite's")
    return app


def _people(app):
    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        citizen = factory.citizen(full_name="Trần Thị Mai", sex="female", date_of_birth=date(1961, 5, 2))
        holder = factory.account(citizen, level=2)
        officer = factory.staff("officer", "00088")
        session.commit()
        names = holder.username, officer.username, citizen.personal_id, citizen.id
        session.close()
    return names


def _writer(app) -> sqlite3.Connection:
    """Another process's connection; timeout=0 so that it never waits for a lock itself."""
    return sqlite3.connect(app.config["DATABASE_URL"].split("///", 1)[1], timeout=0, isolation_level=None)


def _signed_in(app, username: str):
    """A client signed in as `username`, and the list of statements the app sends from now on."""
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    return client, headers, statements


def test_a_read_is_served_while_another_connection_holds_the_write_lock(sqlite_app):
    holder, _officer, _pid, _cid = _people(sqlite_app)
    client = sqlite_app.test_client()
    headers = bearer(login(client, holder)["access_token"])
    writer = _writer(sqlite_app)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE accounts SET level = level + 0")
    try:
        # IMMEDIATE would queue behind the writer for busy_timeout (10 s) and then fail with 503.
        response = client.get("/api/v1/citizens/me", headers=headers)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200, response.json
    assert response.json["full_name"] == "Trần Thị Mai"


def test_reads_begin_deferred_and_writes_immediate(sqlite_app):
    holder, _officer, _pid, _cid = _people(sqlite_app)
    client, headers, statements = _signed_in(sqlite_app, holder)
    client.get("/api/v1/citizens/me", headers=headers)
    assert statements[0] == "BEGIN"
    statements.clear()
    client.post("/api/v1/auth/logout", headers=headers)
    assert statements[0] == "BEGIN IMMEDIATE"


def test_a_read_that_writes_is_retried_immediate_when_another_writer_got_in_first(sqlite_app, monkeypatch):
    """An officer's look-up is a read that writes its access-log record. Another connection commits between the
    look-up's read and its write: SQLite refuses the stale upgrade, the unit of work retries, and the retry
    takes the write lock at BEGIN. One record, not two; nothing lost."""
    from backend.registry import service

    _holder, officer, pid, citizen_id = _people(sqlite_app)
    client, headers, statements = _signed_in(sqlite_app, officer)
    real = service.record_access
    scratch = _writer(sqlite_app)
    scratch.execute("CREATE TABLE scratch (x)")
    scratch.close()
    interruptions = []

    def another_writer_first(**kwargs):
        if not interruptions:
            writer = _writer(sqlite_app)
            writer.execute("INSERT INTO scratch VALUES (1)")  # autocommit: commits at once (a change)
            writer.close()
            interruptions.append(True)
        return real(**kwargs)

    monkeypatch.setattr(service, "record_access", another_writer_first)
    response = client.get(f"/api/v1/citizens/{pid}?purpose=identity+check", headers=headers)
    assert response.status_code == 200, response.json
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"], begins
    with sqlite_app.app_context():
        session = db.new_session()
        reads = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.subject_citizen_id == citizen_id)
        ).all()
        session.close()
    assert len(reads) == 1
