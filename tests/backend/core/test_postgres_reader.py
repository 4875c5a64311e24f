"""PostgreSQL read requests on the reader (backend/database.py: `make_reader_engine`): a GET runs on read-only
autocommit connections - its SELECTs alone, no pre-ping, BEGIN or COMMIT; PostgreSQL refuses any write there, and
the unit of work then runs the request again in a transaction on the writer (and sends that endpoint to the writer
from then on); a connection the server closed is replaced at checkout, one that dies under a read is run again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.core.access import public
from backend.extensions import db
from tests.backend.helpers import PASSWORD, Statements, audit_rows, bearer, holder_and_officer, login

PURPOSE = "purpose=residence+application+review"


@pytest.fixture()
def pg_app(make_app):
    app = make_app()
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL's reader (SQLite's: test_sqlite_transactions.py)")
    return app


def test_own_record_is_one_select_on_a_read_only_autocommit_connection(pg_app):
    holder, _officer, pid, _cid = holder_and_officer(pg_app)

    @pg_app.get("/test-probe/transaction")
    @public
    def probe():
        connection = db.session.connection()
        return {
            "read_only": db.session.execute(sa.text("SHOW transaction_read_only")).scalar(),
            "autocommit": connection.connection.dbapi_connection.autocommit,
        }

    client = pg_app.test_client()
    headers = bearer(login(client, holder)["access_token"])
    statements = Statements(pg_app)
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200
    # The first read after a sign-in refreshes this process's token-state cache; from then on, the record alone.
    assert statements.writer == [] and statements.reader[-1].startswith("SELECT citizens.id")
    statements.clear()
    response = client.get("/api/v1/citizens/me", headers=headers)
    assert response.status_code == 200 and response.json["personal_id"] == pid
    assert len(statements.reader) == 1 and statements.reader[0].lstrip().upper().startswith("SELECT")
    assert statements.writer == []  # not even the pool's pre-ping
    assert client.get("/test-probe/transaction").json == {"read_only": "on", "autocommit": True}
    # A write request still runs in a transaction on the writer.
    statements.clear()
    refused = client.post("/api/v1/auth/login", json={"username": holder, "password": "wrong password!"})
    assert refused.status_code == 401
    assert statements.reader == [] and statements.writer


def test_a_read_that_writes_runs_again_on_the_writer_once_and_its_endpoint_stays_there(pg_app):
    _holder, officer, pid, citizen_id = holder_and_officer(pg_app)
    client = pg_app.test_client()
    headers = bearer(login(client, officer)["access_token"])
    statements = Statements(pg_app)
    first = client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers)
    assert first.status_code == 200 and first.json["personal_id"] == pid
    assert any(s.lstrip().upper().startswith("INSERT") for s in statements.writer)  # the audit record, committed
    assert audit_rows(pg_app, citizen_id) == 1  # once: the reader's refused INSERT left nothing
    statements.clear()
    second = client.get(f"/api/v1/citizens/{pid}?{PURPOSE}", headers=headers)
    assert second.status_code == 200
    assert statements.reader == []  # known to write: straight to the writer
    assert audit_rows(pg_app, citizen_id) == 2


def test_postgres_refuses_writes_on_the_reader(pg_app):
    with pg_app.app_context():
        reader = pg_app.extensions["congdan.db"]["reader"]
        with reader.connect() as connection:
            with pytest.raises(sa.exc.DBAPIError) as refused:
                connection.execute(sa.text("SELECT 1 FROM accounts FOR UPDATE"))
    assert refused.value.orig.sqlstate == "25006"


def test_a_reader_connection_the_server_closed_is_replaced_before_use(pg_app):
    holder, _officer, pid, _cid = holder_and_officer(pg_app)
    client = pg_app.test_client()
    headers = bearer(login(client, holder)["access_token"])
    assert client.get("/api/v1/citizens/me", headers=headers).status_code == 200  # a pooled reader connection
    reader = pg_app.extensions["congdan.db"]["reader"]
    with reader.connect() as connection:
        pid_before = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    with pg_app.app_context():
        with db.engine.connect() as admin:
            assert admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid_before}).scalar()
    statements = Statements(pg_app)
    response = client.get("/api/v1/citizens/me", headers=headers)
    assert response.status_code == 200 and response.json["personal_id"] == pid
    assert statements.writer == []  # the pool's checkout replaced it: no rerun on the writer
    with reader.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid_before


def test_a_writer_connection_the_server_closed_is_replaced_before_use(pg_app):
    holder, _officer, _pid, _cid = holder_and_officer(pg_app)
    client = pg_app.test_client()
    assert (
        client.post("/api/v1/auth/login", json={"username": holder, "password": "wrong password!"}).status_code == 401
    )
    engine = pg_app.extensions["congdan.db"]["engine"]
    with engine.connect() as connection:  # the pooled connection the login used
        victim = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    with pg_app.extensions["congdan.db"]["reader"].connect() as admin:
        assert admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": victim}).scalar()
    statements, failures = Statements(pg_app), []
    sa.event.listen(engine, "handle_error", failures.append)
    assert client.post("/api/v1/auth/login", json={"username": holder, "password": PASSWORD}).status_code == 200
    assert failures == []  # no statement met the dead connection: the checkout check discarded it
    assert "SELECT 1" not in [s.strip() for s in statements.writer]  # and no pre-ping did
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() != victim


def test_a_read_whose_connection_dies_under_it_is_run_again_on_the_writer(pg_app):
    runs: list[str] = []

    @pg_app.get("/test-probe/dies")
    @public
    def dies():
        session = db.session
        runs.append("reader" if db.reads_only(session) else "writer")
        if len(runs) == 1:
            pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            with pg_app.extensions["congdan.db"]["engine"].connect() as admin:
                admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        return {"citizens": session.execute(sa.text("SELECT count(*) FROM citizens")).scalar()}

    response = pg_app.test_client().get("/test-probe/dies")
    assert response.status_code == 200, response.json
    assert runs == ["reader", "writer"]
    assert pg_app.extensions["congdan.db"]["writing_reads"] == set()  # it wrote nothing: still a reader endpoint
