"""Verification fixtures: a spool folder per test, small chunks (so every job has several), an agency."""

from __future__ import annotations

import pytest

from backend.verification.models import Agency


@pytest.fixture()
def verification_config(app, tmp_path):
    keys = {
        "VERIFICATION_SPOOL_DIR": str(tmp_path / "spool"),
        "VERIFICATION_CHUNK_ROWS": 3,
        "VERIFICATION_WORKER": "inline",
    }
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    yield keys
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture()
def agency(factory, session, verification_config):
    record = Agency(code="SGDDT-79", name="Sở Giáo dục và Đào tạo TP.HCM", daily_quota=1_000)
    session.add(record)
    session.flush()
    account = factory.staff("agency", "SGDDT-79")
    return record, account


@pytest.fixture()
def agency_headers(agency, auth_headers):
    return auth_headers(agency[1])
