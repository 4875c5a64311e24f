"""Shared by the fault tests: a demo-seeded database built in-process, and a small HTTP client that retries
with the same Idempotency-Key, as the kiosk and the citizen's app do."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from backend import create_app, migrate
from backend.database import make_engine
from backend.demo import add_demo_people
from backend.extensions import db
from backend.health.demo import DEMO_KIOSK_USERNAME, add_demo_hospitals
from backend.registry.reference import sync_administrative_units
from bench.harness import DEMO_PASSWORD, UNLIMITED, open_round_the_clock

__all__ = ["DEMO_KIOSK_USERNAME", "DEMO_PASSWORD", "Http", "demo_app", "demo_database"]


FAST_HASHES = {"PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}}


def demo_database(url: str) -> None:
    """Migrate `url` and add the demo people, hospitals and kiosk (every clinic open round the clock)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = demo_app(url)
    with app.app_context():
        sync_administrative_units(session=db.session)
        add_demo_people(session=db.session, password=DEMO_PASSWORD)
        add_demo_hospitals(session=db.session, password=DEMO_PASSWORD)
        db.session.commit()
    app.extensions["congdan.db"]["engine"].dispose()
    open_round_the_clock(url)


def demo_app(url: str, **config):
    """An in-process app on `url` with the same (development) secrets as the gunicorn server; cheap password
    hashes for the accounts tests add (the server verifies whatever parameters a hash carries)."""
    return create_app(
        {
            "DATABASE_URL": url,
            "LOGIN_LIMIT_PER_ADDRESS": UNLIMITED,
            "LOGIN_LIMIT_PER_ACCOUNT": UNLIMITED,
            **FAST_HASHES,
            **config,
        }
    )


class Http:
    """One request per connection (no state to lose when a worker dies under it)."""

    def __init__(self, base_url: str, timeout_s: float = 10) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout_s = parts.hostname, parts.port, timeout_s

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, dict]:
        """(status, JSON body, headers); raises OSError/HTTPException when the connection fails."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=None if body is None else json.dumps(body), headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {}
            return response.status, parsed, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    def login(self, username: str, password: str = DEMO_PASSWORD) -> dict:
        status, body, _ = self.retrying(
            "POST", "/api/v1/auth/login", lambda: {"username": username, "password": password}
        )
        assert status == 200, body
        return {"Authorization": f"Bearer {body['access_token']}"}

    def retrying(
        self, method: str, path: str, body_factory, headers_factory=dict, *, attempts: int = 40, log: list | None = None
    ) -> tuple[int, dict, dict]:
        """Send until an answer that is not a transport failure or a 5xx: the same request (same
        Idempotency-Key in `headers_factory`'s headers) each time. `log` collects what went wrong."""
        for attempt in range(attempts):
            try:
                status, body, headers = self.call(method, path, body_factory(), headers_factory())
            except (OSError, http.client.HTTPException) as exc:
                if log is not None:
                    log.append(type(exc).__name__)
            else:
                if status < 500:
                    return status, body, headers
                if log is not None:
                    log.append(status)
            time.sleep(min(0.05 * (attempt + 1), 0.5))
        raise AssertionError(f"{method} {path}: no answer after {attempts} attempts")


def pg_ctl(server, action: str) -> None:
    """Stop or start the throwaway cluster in place (same data, same port), as a database restart does."""
    from tests.pg_server import _bin

    if action == "stop":
        server._run(_bin("pg_ctl"), "-D", str(server.data), "-m", "fast", "-w", "stop")
        return
    options = (
        f"-p {server.port} -k {server.root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    server._run(_bin("pg_ctl"), "-D", str(server.data), "-l", str(server.root / "log"), "-w", "-o", options, "start")
