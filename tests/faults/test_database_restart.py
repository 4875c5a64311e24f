"""PostgreSQL restarts under a running gunicorn server with traffic: while it is down every request fails
fast with 503 problem details and Retry-After (never a 500, never a hang), and the same server processes
serve again once it is back, without being restarted."""

from __future__ import annotations

import threading
import time

from bench.harness import Gunicorn, free_port, server_env
from tests.faults.conftest import size
from tests.faults.support import Http, demo_app, pg_ctl

DOWN_S = size(2, 10)
CITIZEN = "001090012345"  # Nguyễn Văn An, a demo account


def test_requests_fail_with_503_while_the_database_restarts_and_recover(postgres, pg_database):
    server_process = Gunicorn(server_env(pg_database), workers=2, threads=4).start()
    cluster = postgres[0]
    seen: list[tuple[float, str, int, str, str | None, float]] = []
    odd: list = []  # anything but 200/503, with its body, to say what went wrong
    stop = threading.Event()
    try:
        http = Http(server_process.url, timeout_s=10)
        citizen = http.login(CITIZEN)
        assert http.call("GET", "/api/v1/citizens/me", headers=citizen)[0] == 200

        def traffic(path: str, headers: dict) -> None:
            while not stop.is_set():
                started = time.monotonic()
                status, body, response_headers = http.call("GET", path, headers=headers)
                if status not in (200, 503):
                    odd.append((path, status, body))
                seen.append(
                    (
                        started,
                        path,
                        status,
                        response_headers.get("content-type", ""),
                        response_headers.get("retry-after"),
                        time.monotonic() - started,
                    )
                )
                time.sleep(0.02)

        threads = [
            threading.Thread(target=traffic, args=(path, citizen))
            for path in ("/api/v1/citizens/me", "/api/v1/traffic/penalties/mine", "/readyz", "/api/v1/citizens/me")
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        pg_ctl(cluster, "stop")
        down_at = time.monotonic()  # stopped (pg_ctl waits)
        time.sleep(DOWN_S)
        pg_ctl(cluster, "start")
        up_at = time.monotonic()
        # Back within a few seconds: the pool's checkout check replaces the dead connections.
        deadline = up_at + 15
        while time.monotonic() < deadline:
            if http.call("GET", "/api/v1/citizens/me", headers=citizen)[0] == 200:
                break
            time.sleep(0.1)
        recovered_in = time.monotonic() - up_at
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(10)
        # The same processes served throughout: nothing was restarted.
        assert server_process.process.poll() is None
    finally:
        stop.set()
        server_process.stop()

    statuses = {status for _, _, status, _, _, _ in seen}
    assert statuses <= {200, 503}, odd[:5]
    failed = [entry for entry in seen if entry[2] == 503]
    assert failed, "the outage was not observed"
    assert all(e[3].startswith("application/problem+json") and e[4] for e in failed), failed[:3]
    assert max(e[5] for e in failed) < 5, "a request hung instead of failing fast"
    outage = [e for e in seen if down_at < e[0] < up_at - 0.1]
    assert outage and all(e[2] == 503 for e in outage)
    after = [e for e in seen if e[0] > up_at + recovered_in + 0.1]
    assert after and all(e[2] == 200 for e in after), after[:5]
    print(
        f"\ndatabase restart: down {DOWN_S} s; {len(seen)} requests, {len(failed)} answered 503 problem details "
        f"with Retry-After (slowest {max(e[5] for e in failed) * 1000:.0f} ms), 0 other errors; "
        f"serving again {recovered_in:.1f} s after PostgreSQL came back, same processes"
    )


def test_an_unreachable_database_is_a_503_problem_not_a_500():
    app = demo_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    try:
        client = app.test_client()
        for response in (
            client.post("/api/v1/auth/login", json={"username": CITIZEN, "password": "x" * 12}),
            client.get("/api/v1/health/hospitals"),
            client.get("/readyz"),
        ):
            assert response.status_code == 503, response.data
            assert response.mimetype == "application/problem+json" and response.headers["Retry-After"]
        assert client.get("/healthz").status_code == 200  # the process itself is alive
    finally:
        app.extensions["congdan.db"]["engine"].dispose()


def test_a_connection_lost_after_the_response_is_made_is_not_a_500(pg_database):
    """The restart can land between a view's last query and the session's close in teardown, where no error
    handler runs: the rollback on the dead connection must not turn a finished response into a bare 500."""
    import sqlalchemy as sa

    from backend.extensions import db

    app = demo_app(pg_database)
    admin = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    @app.get("/fault-probe")
    def probe():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return {"answered": True}

    try:
        client = app.test_client()
        assert client.get("/fault-probe").json == {"answered": True}
        assert client.get("/api/v1/health/hospitals").status_code == 200  # a live connection next time
    finally:
        admin.dispose()
        app.extensions["congdan.db"]["engine"].dispose()
