"""No known secret: unconfigured secrets are generated per instance (0600, once, race-safe) and each is its own."""

from __future__ import annotations

import stat
import threading
from datetime import datetime, timezone
from pathlib import Path

import jwt as pyjwt

from backend.instance_secrets import GENERATED_SECRETS, load_or_create
from backend.payments import gateway as gateways
from tests.backend.conftest import app_config

# The value every `make run` used to sign with, as published in the source before this change.
FORMER_DEV_SECRET = "congdan-development-secret-not-for-production"
REPO = Path(__file__).resolve().parents[3]


def _dev_app(make_app, folder):
    # A development app that names no secret at all, as `make run` starts.
    return make_app(
        ENV_NAME="development",
        CONGDAN_ENV="development",
        TESTING=False,
        SECRETS_DIR=str(folder),
        SECRET_KEY=None,
        JWT_SECRET_KEY=None,
    )


def test_unconfigured_secrets_are_generated_into_private_files(make_app, tmp_path):
    folder = tmp_path / "secrets"
    app = _dev_app(make_app, folder)
    values = {name: app.config[name] for name in GENERATED_SECRETS}
    assert len(set(values.values())) == len(values)  # none derived from another
    for name, value in values.items():
        path = folder / name
        assert path.read_text().strip() == value and len(value) >= 32
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FORMER_DEV_SECRET not in values.values()
    again = _dev_app(make_app, folder)  # a restart (or the second worker) reads the same values
    assert {name: again.config[name] for name in GENERATED_SECRETS} == values


def test_workers_starting_together_agree_on_one_secret(tmp_path):
    results, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        results.append(load_or_create(tmp_path, "SECRET_KEY"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["SECRET_KEY"]  # no temporary file left behind


def test_no_secret_is_written_in_the_source():
    sources = list((REPO / "backend").rglob("*.py")) + [REPO / "Makefile"]
    assert not [p for p in sources if FORMER_DEV_SECRET in p.read_text(encoding="utf-8")]


def test_a_token_signed_with_the_former_development_secret_is_refused(make_app, tmp_path):
    app = _dev_app(make_app, tmp_path / "secrets")
    now = int(datetime.now(timezone.utc).timestamp())
    forged = pyjwt.encode(
        {
            "sub": "1",
            "role": "admin",
            "lvl": 2,
            "fam": "x" * 32,
            "type": "access",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": "j",
        },
        FORMER_DEV_SECRET,
        algorithm="HS256",
    )
    response = app.test_client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_the_gateway_secret_is_not_derived_from_the_session_secret(make_app, tmp_path):
    app = _dev_app(make_app, tmp_path / "secrets")
    fields = {
        "intent_id": "f" * 32,
        "gateway_transaction_id": "txn-0001",
        "outcome": "succeeded",
        "amount": 1,
        "currency": "VND",
        "paid_at": "2026-11-20T10:00:00+07:00",
    }
    now = datetime.now(timezone.utc)
    derived = gateways.SimulatedGateway((app.config["SECRET_KEY"] + ":payments").encode())
    forged = derived.resign(fields, now=now)
    response = app.test_client().post("/api/v1/payments/callbacks/simulated", json=forged.body, headers=forged.headers)
    assert response.status_code == 401
    assert response.json["code"] == "callback-signature-invalid"


def test_tests_keep_their_own_fixed_secrets(make_app):
    app = make_app()
    assert app.config["SECRET_KEY"] == app_config("sqlite://")["SECRET_KEY"]
