"""Enrollment codes, enrollment with a fresh key pair, device tokens by challenge, suspension."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.auth.models import Account
from backend.fleet.models import EnrollmentCode, Kiosk
from backend.health.models import KioskRegistration
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode
from tests.backend.fleet.fleet_data import create_code
from tests.backend.helpers import bearer


def _enroll_body(code: str, key: Ed25519PrivateKey | None = None) -> dict:
    key = key or Ed25519PrivateKey.generate()
    public = b64url_encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    proof = key.sign(contract.enrollment_proof_input(code=code, public_key=public))
    return {"code": code, "public_key": public, "proof": b64url_encode(proof)}


def test_code_is_shown_once_and_listed_by_hint(client, admin_headers, hospital):
    created = create_code(client, admin_headers, hospital.code)
    assert len(created["code"]) == 14 and created["state"] == "active"
    assert created["qr_text"] == contract.ENROLLMENT_QR_PREFIX + created["code"].replace("-", "")
    listed = client.get("/api/v1/fleet/enrollment-codes", headers=admin_headers).json
    assert listed[0]["code_hint"] == created["code"][-4:] and "code" not in listed[0]


def test_unknown_hospital_is_refused(client, admin_headers):
    response = client.post(
        "/api/v1/fleet/enrollment-codes",
        headers=admin_headers,
        json={"hospital_code": "BV-NONE", "location_label": "x"},
    )
    assert response.status_code == 422


def test_enroll_creates_a_kiosk_account_scoped_to_the_hospital(client, admin_headers, hospital, session):
    code = create_code(client, admin_headers, hospital.code)["code"]
    response = client.post("/api/v1/fleet/enroll", json=_enroll_body(code.lower()))  # typed in lower case
    assert response.status_code == 201, response.json
    kiosk = session.get(Kiosk, response.json["kiosk_id"])
    account = session.get(Account, kiosk.account_id)
    assert (account.role, account.scope_code) == ("kiosk", hospital.code)
    assert session.scalar(sa.select(KioskRegistration).where(KioskRegistration.account_id == account.id))
    assert response.json["signing_keys"]["keys"][0]["crv"] == "Ed25519"


def test_code_is_single_use(client, admin_headers, hospital):
    code = create_code(client, admin_headers, hospital.code)["code"]
    assert client.post("/api/v1/fleet/enroll", json=_enroll_body(code)).status_code == 201
    again = client.post("/api/v1/fleet/enroll", json=_enroll_body(code))
    assert again.status_code == 403 and again.json["code"] == "enrollment-code-refused"


def test_expired_code_and_wrong_code_are_refused(client, admin_headers, hospital, session):
    code = create_code(client, admin_headers, hospital.code)["code"]
    record = session.scalar(sa.select(EnrollmentCode).order_by(EnrollmentCode.id.desc()))
    record.expires_at = record.created_at - timedelta(seconds=1)
    session.flush()
    assert client.post("/api/v1/fleet/enroll", json=_enroll_body(code)).status_code == 403
    assert client.post("/api/v1/fleet/enroll", json=_enroll_body("ZZZZ-ZZZZ-ZZZZ")).status_code == 403


def test_proof_must_come_from_the_registered_key(client, admin_headers, hospital):
    code = create_code(client, admin_headers, hospital.code)["code"]
    body = _enroll_body(code)
    body["proof"] = _enroll_body(code)["proof"]  # signed by another key
    assert client.post("/api/v1/fleet/enroll", json=body).status_code == 422


def test_device_token_by_challenge_works_for_the_checkin_api(client, agent):
    token, expires_in = agent.device_token()
    assert expires_in == 600
    response = client.get("/api/v1/health/kiosks/me", headers=bearer(token))
    assert response.status_code == 200, response.json


def test_challenge_response_from_another_key_is_refused_and_spends_the_challenge(client, agent):
    challenge = client.post("/api/v1/fleet/device/challenge", json={"kiosk_id": agent.kiosk_id}).json["challenge"]
    forged = Ed25519PrivateKey.generate().sign(
        contract.challenge_signing_input(kiosk_id=agent.kiosk_id, challenge=challenge)
    )
    body = {"kiosk_id": agent.kiosk_id, "challenge": challenge, "signature": b64url_encode(forged)}
    assert client.post("/api/v1/fleet/device/token", json=body).status_code == 401
    genuine = agent._private.sign(contract.challenge_signing_input(kiosk_id=agent.kiosk_id, challenge=challenge))
    body["signature"] = b64url_encode(genuine)
    assert client.post("/api/v1/fleet/device/token", json=body).status_code == 401  # spent


def test_suspension_refuses_tokens_and_requests_at_once(client, agent, admin_headers):
    token, _ = agent.device_token()
    agent.heartbeat()
    response = client.put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=admin_headers,
        json={"status": "suspended", "reason": "stolen screen"},
    )
    assert response.status_code == 200 and response.json["status"] == "suspended"
    assert client.get("/api/v1/health/kiosks/me", headers=bearer(token)).status_code == 401
    from backend.auth.models import AccountStatusChange
    from backend.extensions import db

    change = db.session.scalars(sa.select(AccountStatusChange).order_by(AccountStatusChange.id.desc())).first()
    assert (change.status, change.reason, change.actor_role) == (
        "disabled",
        "kiosk suspended: stolen screen",
        "fleet_admin",
    )
    refused = client.post(
        "/api/v1/fleet/device/heartbeat",
        data=b"{}",
        headers={
            "Content-Type": "application/json",
            **agent.signed_headers("POST", "/api/v1/fleet/device/heartbeat", b"{}"),
        },
    )
    assert refused.status_code == 403 and refused.json["code"] == "kiosk-not-active"
    # Reactivated, it can authenticate again (a new token family).
    client.put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=admin_headers,
        json={"status": "active", "reason": "screen replaced"},
    )
    token, _ = agent.device_token()
    assert client.get("/api/v1/health/kiosks/me", headers=bearer(token)).status_code == 200


def test_decommissioned_kiosk_cannot_come_back(client, agent, admin_headers):
    url = f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status"
    assert (
        client.put(url, headers=admin_headers, json={"status": "decommissioned", "reason": "retired"}).status_code
        == 200
    )
    assert client.put(url, headers=admin_headers, json={"status": "active", "reason": "oops"}).status_code == 409
