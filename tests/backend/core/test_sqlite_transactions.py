"""SQLite transactions per request. A read request (GET) runs on the reader (backend/database.py:
`make_reader_engine`): autocommit connections with `PRAGMA query_only`, its SELECTs alone, no BEGIN or COMMIT, never
waiting for the write lock. SQLite refuses any write there; the unit of work then runs the request again on the
writer, taking the write lock at BEGIN (IMMEDIATE), and sends that endpoint to the writer from then on, where it
begins DEFERRED (reads side by side under WAL) and upgrades at its first write. Writes begin IMMEDIATE; a read that
writes after losing the race for the write lock is retried, once, IMMEDIATE."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from backend.database import is_read_only_refusal, make_reader_engine
from backend.extensions import db
from tests.backend.helpers import Statements, audit_rows, bearer, holder_and_officer, login

PURPOSE = "purpose=identity+check"


@pytest.fixture()
def sqlite_app(make_app):
    app = make_app()
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the write lock in question is SQLite's")
    return app


def _writer(app) -> sqlite3.Connection:
    """Another process's connection; timeout=0 so that it never waits for a lock itself."""
    return sqlite3.connect(app.config["DATABASE_URL"].split("///", 1)[1], timeout=0, isolation_level=None)


def _signed_in(app, username: str):
    """A client signed in as `username`, its headers, and the statements the app sends from now on."""
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    return client, headers, Statements(app)


def test_a_read_is_served_while_another_connection_holds_the_write_lock(sqlite_app):
    holder, _officer, _pid, _cid = holder_and_officer(sqlite_app)
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


def test_a_read_is_its_select_alone_on_the_reader_and_a_write_begins_immediate(sqlite_app):
    holder, _officer, pid, _cid = holder_and_officer(sqlite_app)
    client, headers, statements = _signed_in(sqlite_app, holder)
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200  # refreshes the token-state cache
    statements.clear()
    response = client.get("/api/v1/citizens/me", headers=headers)
    assert response.status_code == 200 and response.json["personal_id"] == pid
    assert statements.writer == []
    assert len(statements.reader) == 1 and statements.reader[0].lstrip().upper().startswith("SELECT")
    statements.clear()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code in (200, 204)
    assert statements.reader == [] and statements.writer[0] == "BEGIN IMMEDIATE"


def test_sqlite_refuses_writes_on_the_reader(sqlite_app):
    reader = sqlite_app.extensions["congdan.db"]["reader"]
    with reader.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA query_only").scalar() == 1
        with pytest.raises(sa.exc.DBAPIError) as refused:
            connection.exec_driver_sql("UPDATE accounts SET level = level + 0")
    assert is_read_only_refusal(refused.value)


def test_an_in_memory_database_has_no_reader():
    assert make_reader_engine("sqlite://") is None
    assert make_reader_engine("sqlite:///:memory:") is None


def test_a_read_that_writes_runs_again_on_the_writer_immediate_and_its_endpoint_stays_there(sqlite_app):
    """An officer's look-up is a read that writes its access-log record: refused on the reader, run again on the
    writer with the write lock taken at BEGIN. One record, not two."""
    _holder, officer, pid, citizen_id = holder_and_officer(sqlite_app)
    client, headers, statements = _signed_in(sqlite_app, officer)
    first = client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers)
    assert first.status_code == 200 and first.json["personal_id"] == pid
    assert [s for s in statements.writer if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert audit_rows(sqlite_app, citizen_id) == 1
    statements.clear()
    second = client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers)
    assert second.status_code == 200
    assert statements.reader == []  # known to write: straight to the writer, DEFERRED
    assert [s for s in statements.writer if s.startswith("BEGIN")] == ["BEGIN"]
    assert audit_rows(sqlite_app, citizen_id) == 2


def test_a_read_that_writes_is_retried_immediate_when_another_writer_got_in_first(sqlite_app, monkeypatch):
    """Another connection commits between a writing read's read and its write (DEFERRED, on the writer): SQLite
    refuses the stale upgrade, the unit of work retries, and the retry takes the write lock at BEGIN. One record
    per request; nothing lost."""
    from backend.registry import service

    _holder, officer, pid, citizen_id = holder_and_officer(sqlite_app)
    client, headers, statements = _signed_in(sqlite_app, officer)
    assert client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers).status_code == 200  # learnt: it writes
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
    statements.clear()
    response = client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers)
    assert response.status_code == 200, response.json
    begins = [s for s in statements.writer if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"], begins
    assert audit_rows(sqlite_app, citizen_id) == 2


def test_a_read_sees_what_the_write_before_it_committed(sqlite_app):
    """Read-your-writes across the two pools: the reader's next statement sees the writer's commit."""
    from backend.notifications import service

    holder, _officer, _pid, citizen_id = holder_and_officer(sqlite_app)
    with sqlite_app.app_context():
        session = db.new_session()
        notice = service.notify(session=session, citizen_id=citizen_id, kind="info", title="Thư", body="Nội dung")
        session.commit()
        notice_id = notice.id
        session.close()
    client, headers, statements = _signed_in(sqlite_app, holder)
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 1
    assert client.post(f"/api/v1/notifications/{notice_id}/read", headers=headers).status_code == 200
    statements.clear()
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 0
    assert statements.reader and statements.writer == []  # read on the reader, after the writer's commit
