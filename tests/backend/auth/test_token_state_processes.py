"""Revocation across processes: two gunicorn servers on one database, each caching token-family state. A logout,
"end my other sessions" and an administrator disabling the account, done through one server, refuse the tokens on
the other within seconds (its cache would keep them for TOKEN_STATE_MAX_AGE_S without the version counter)."""

from __future__ import annotations

import http.client
import json
import time

import pytest
import sqlalchemy as sa

from backend import create_app
from backend.database import make_engine
from backend.extensions import db
from bench.harness import Gunicorn, server_env
from tests.backend.conftest import app_config
from tests.backend.helpers import PASSWORD, Factory

RECHECK_S = 0.5
WITHIN_S = 5.0  # a few recheck periods, generous for a loaded 2-core machine; MAX_AGE is far longer
ME = "/api/v1/citizens/me"


def _call(server: Gunicorn, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {})
    finally:
        connection.close()


def _login(server: Gunicorn, username: str) -> str:
    status, body = _call(server, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


def _refused_within(server: Gunicorn, token: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status, _ = _call(server, "GET", ME, token=token)
        if status == 401:
            return time.monotonic() - started
        assert status == 200
        time.sleep(0.05)
    raise AssertionError(f"the other process still accepted the token after {seconds} s")


@pytest.fixture(scope="module")
def servers(database_server):
    url = database_server()
    seeder = create_app(app_config(url))
    with seeder.app_context():
        Factory(db.session).staff("admin", username="admin.cross")
        db.session.commit()
    env = server_env(
        url,
        CONGDAN_ENV="testing",
        SECRET_KEY="cross-process-secret-" + "s" * 32,
        JWT_SECRET_KEY="cross-process-jwt-" + "j" * 32,
        TOKEN_STATE_RECHECK_S=str(RECHECK_S),
        TOKEN_STATE_MAX_AGE_S="600",
    )
    started = [Gunicorn(env, workers=1, threads=2, extra=()) for _ in range(2)]
    try:
        for server in started:
            server.start()
        yield seeder, started
    finally:
        for server in started:
            server.stop()
        seeder.extensions["congdan.db"]["engine"].dispose()


@pytest.fixture()
def two_servers(servers):
    """The two servers and a fresh citizen account (with holdings) for this test."""
    seeder, started = servers
    with seeder.app_context():
        factory = Factory(db.session)
        citizen = factory.citizen(full_name="Trần Thị Bình", sex="female")
        factory.account(citizen)
        factory.holdings(citizen)
        db.session.commit()
        username = citizen.personal_id
    return started, username


def test_logout_in_one_process_refuses_the_token_in_the_other(two_servers):
    (first, second), username = two_servers
    token = _login(first, username)
    assert _call(second, "GET", ME, token=token)[0] == 200  # now cached in the second process
    assert _call(first, "POST", "/api/v1/auth/logout", token=token)[0] == 204
    assert _call(first, "GET", ME, token=token)[0] == 401  # the process that did it: at once
    _refused_within(second, token, WITHIN_S)


def test_ending_other_sessions_and_disabling_reach_the_other_process(two_servers):
    (first, second), username = two_servers
    phone, laptop = _login(first, username), _login(first, username)
    assert _call(second, "GET", ME, token=phone)[0] == 200
    assert _call(second, "GET", ME, token=laptop)[0] == 200
    status, body = _call(first, "DELETE", "/api/v1/accounts/me/sessions", token=laptop)
    assert (status, body) == (200, {"ended": 1})
    _refused_within(second, phone, WITHIN_S)
    assert _call(second, "GET", ME, token=laptop)[0] == 200  # the session that asked stays open

    admin = _login(first, "admin.cross")
    status, _ = _call(
        first, "PUT", f"/api/v1/accounts/{username}/status", {"status": "disabled", "reason": "mất điện thoại"}, admin
    )
    assert status == 200
    _refused_within(second, laptop, WITHIN_S)
    assert _call(second, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})[0] == 401


def test_a_raised_version_is_what_the_other_process_reads(two_servers):
    """Without the counter, the second process keeps its cached state: the same revocation written around the
    ORM (no version raised) is still accepted there after the recheck period."""
    (first, second), username = two_servers
    token = _login(first, username)
    assert _call(second, "GET", ME, token=token)[0] == 200
    engine = make_engine(second.env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE token_families SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL"))
    time.sleep(RECHECK_S * 3)
    assert _call(second, "GET", ME, token=token)[0] == 200  # stale by design until the version moves
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE auth_state_epochs SET version = version + 1"))
    engine.dispose()
    _refused_within(second, token, WITHIN_S)
