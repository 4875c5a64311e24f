"""Back-off without lock-out: failed guesses slow the guesser (429 + Retry-After) on every login-like door,
while the owner, elsewhere, waits at most a few seconds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.core import clock as core_clock
from tests.backend.helpers import PASSWORD, Factory, login

START = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(core_clock, "utcnow", clock)  # the one time source
    return clock


@pytest.fixture()
def world(make_app):
    from backend.extensions import db

    application = make_app()
    with application.app_context():
        factory = Factory(db.session)
        citizen = factory.citizen()
        factory.account(citizen)
        admin = factory.staff("fleet_admin", username="fleet.owner")
        db.session.commit()
        return application, citizen.personal_id, admin.username


def _client(application, address: str):
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, username, password="wrong guess"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_guesses_from_one_address_back_off_exponentially(world, clock):
    application, username, _ = world
    attacker = _client(application, "198.51.100.7")
    assert [_login(attacker, username).status_code for _ in range(5)] == [401] * 5
    waits = []
    for _ in range(4):
        refused = _login(attacker, username, PASSWORD)  # even the right password: the wait comes first
        assert refused.status_code == 429 and refused.content_type == "application/problem+json", refused.json
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert _login(attacker, username).status_code == 401  # one more guess once the wait is over
    assert waits == [2, 4, 8, 16], refused.json


def test_the_owner_elsewhere_waits_seconds_not_a_lock_out(world, clock):
    application, username, _ = world
    # A botnet: four guesses from each of 20 addresses, past every account-wide threshold.
    for n in range(20):
        bot = _client(application, f"203.0.113.{n}")
        for _ in range(4):
            response = _login(bot, username)
            assert response.status_code in (401, 429)
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) <= 30
    owner = _client(application, "192.0.2.10")
    first = _login(owner, username, PASSWORD)
    assert first.status_code == 429 and int(first.headers["Retry-After"]) <= 30
    clock.advance(int(first.headers["Retry-After"]))
    assert login(owner, username)["access_token"]


def test_an_attacker_cannot_lock_the_owner_out_by_guessing_from_his_own_address(world, clock):
    application, username, _ = world
    attacker = _client(application, "198.51.100.8")
    counted = 0
    while counted < 11:  # eleven wrong guesses, each made once its wait was over
        response = _login(attacker, username)
        if response.status_code == 429:
            clock.advance(int(response.headers["Retry-After"]))
        else:
            counted += 1
    long_wait = int(_login(attacker, username).headers["Retry-After"])
    owner = _client(application, "192.0.2.11")
    response = _login(owner, username, PASSWORD)
    wait = int(response.headers.get("Retry-After", 0))
    assert wait <= 30 < long_wait
    clock.advance(wait)
    assert _login(owner, username, PASSWORD).status_code == 200
    assert _login(attacker, username, PASSWORD).status_code == 429  # the guesser still waits


def test_unknown_accounts_back_off_the_same_way(world, clock):
    application, _, _ = world
    attacker = _client(application, "198.51.100.9")
    statuses = [_login(attacker, "001099999997").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_console_login_shares_the_back_off(world, clock):
    import re

    application, _, admin = world
    attacker = _client(application, "198.51.100.10")
    for _ in range(5):
        assert _login(attacker, admin).status_code == 401
    page = attacker.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = attacker.post("/login", data={"csrf_token": csrf, "username": admin, "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    clock.advance(int(response.headers["Retry-After"]))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    response = attacker.post("/login", data={"csrf_token": csrf, "username": admin, "password": PASSWORD})
    assert response.status_code == 302  # the right password, once the wait is over


def test_old_back_off_entries_are_forgotten_by_auth_maintain(world, clock):
    import sqlalchemy as sa

    from backend.auth.models import LoginThrottle
    from backend.extensions import db

    application, username, _ = world
    _login(_client(application, "198.51.100.12"), username)
    with application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 3
    assert "forgot 0 " in application.test_cli_runner().invoke(args=["auth-maintain"]).output
    clock.advance(2 * 3600)
    result = application.test_cli_runner().invoke(args=["auth-maintain"])
    assert "forgot 3 login back-off entries" in result.output


def test_behind_a_trusted_proxy_the_back_off_keys_on_the_forwarded_client(make_app, clock):
    from backend.extensions import db

    application = make_app(PROXY_FIX_HOPS=1)
    with application.app_context():
        citizen = Factory(db.session).citizen()
        Factory(db.session).account(citizen)
        db.session.commit()
        username = citizen.personal_id
    proxy = _client(application, "127.0.0.1")  # nginx on loopback, forwarding two different clients

    def via(client_address, password="wrong guess"):
        return proxy.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password},
            headers={"X-Forwarded-For": client_address},
        )

    assert [via("198.51.100.30").status_code for _ in range(6)] == [401] * 5 + [429]
    assert via("192.0.2.40", PASSWORD).status_code == 200  # another client behind the same proxy
