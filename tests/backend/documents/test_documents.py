"""Signed documents: key rotation, expiry vs revocation, key sources, the identity QR, the JWKS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.core.keys import KeyConfigError, keyring
from backend.database import utcnow
from backend.documents import service
from backend.documents.pdf import Line
from hardware.qr import TokenExpired, verify_identity_qr
from shared_schemas import signed as jws
from tests.backend.helpers import bearer, login


def _issue(session, holder, *, now=None, validity=timedelta(days=365)):
    return service.issue_document(
        session=session,
        holder=holder,
        doc_type="residence-confirmation",
        jurisdiction=holder.permanent_ward_code,
        lines=[Line("Họ và tên", "Full name", holder.full_name)],
        content={"full_name": holder.full_name},
        validity=validity,
        now=now,
    )


def test_rotation_keeps_old_documents_verifiable(app, session, factory, client):
    holder = factory.citizen(full_name="Phạm Thị Ngọc Ánh", sex="female")
    old = _issue(session, holder)
    old_kid = keyring(app).current_kid
    keyring(app).rotate()
    try:
        new = _issue(session, holder)
        assert new.kid != old_kid
        jwks = client.get("/.well-known/jwks.json").json
        assert {k["kid"] for k in jwks["keys"]} >= {old_kid, new.kid}
        for document in (old, new):
            assert jws.verify_document_token(document.token, jwks, utcnow(), content={"full_name": "Phạm Thị Ngọc Ánh"})
            assert client.post("/api/v1/documents/verify", json={"token": document.token}).json["status"] == "valid"
    finally:
        keyring(app).keys.pop(keyring(app).current_kid)
        keyring(app).current_kid = old_kid


def test_expired_and_revoked_are_told_apart(session, factory, client):
    holder = factory.citizen()
    expired = _issue(session, holder, now=utcnow() - timedelta(days=400))
    verdict = client.post("/api/v1/documents/verify", json={"token": expired.token}).json
    assert (verdict["status"], verdict["reason"]) == ("expired", "validity-period-ended")
    with pytest.raises(jws.TokenExpired):
        jws.verify_document_token(expired.token, keyring().jwks(), utcnow())
    current = _issue(session, holder)
    assert (
        service.revoke_for_holder(
            session=session, citizen_id=holder.id, doc_type="residence-confirmation", reason="residence-changed"
        )
        == 1
    )  # the expired one is left alone
    verdict = client.post("/api/v1/documents/verify", json={"token": current.token}).json
    assert (verdict["status"], verdict["reason"]) == ("revoked", "residence-changed")
    assert verdict["holder"].count("*") == 6


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_tokens(client, token):
    response = client.post("/api/v1/documents/verify", json={"token": token})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json["status"] == "tampered"


def test_token_of_another_signer_is_tampered(session, factory, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    holder = factory.citizen()
    genuine = _issue(session, holder)
    claims = json.loads(jws.b64url_decode(genuine.token.split(".")[1]))
    forged = jws.sign_compact(claims, Ed25519PrivateKey.generate(), genuine.kid, jws.DOCUMENT_TOKEN_TYPE)
    assert client.post("/api/v1/documents/verify", json={"token": forged}).json["status"] == "tampered"


def test_documents_are_private(client, session, factory):
    holder, other = factory.citizen(), factory.citizen(full_name="Võ Thị Sáu", sex="female")
    document = _issue(session, holder)
    headers = bearer(login(client, factory.account(other, level=2).username)["access_token"])
    assert client.get(f"/api/v1/documents/{document.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/documents/{document.id}/pdf", headers=headers).status_code == 404
    assert client.get("/api/v1/documents", headers=headers).json == []


def test_identity_qr_verifies_offline_and_replay_fails(client, factory):
    citizen = factory.citizen(full_name="Đỗ Thị Ngân", sex="female")
    headers = bearer(login(client, factory.account(citizen, level=2).username)["access_token"])
    response = client.get("/api/v1/documents/identity-qr", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["qr_svg"].startswith("<svg")
    jwks = client.get("/.well-known/jwks.json").json
    now = utcnow()
    claims = verify_identity_qr(response.json["token"], jwks, now)
    assert (claims.personal_id, claims.full_name, claims.account_level) == (citizen.personal_id, "Đỗ Thị Ngân", 2)
    assert 100 <= claims.expires_at - claims.issued_at <= 130
    with pytest.raises(TokenExpired):
        verify_identity_qr(response.json["token"], jwks, now + timedelta(seconds=200))
    level_one = factory.citizen(full_name="Hà Văn Một")
    headers = bearer(login(client, factory.account(level_one, level=1).username)["access_token"])
    assert client.get("/api/v1/documents/identity-qr", headers=headers).status_code == 403


def test_key_file_generated_on_first_use_and_reused(make_app, tmp_path):
    key_file = tmp_path / "instance" / "signing_keys.json"
    first = make_app(SIGNING_KEY_FILE=str(key_file))
    with first.app_context():
        kid = keyring().current_kid
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    second = make_app(SIGNING_KEY_FILE=str(key_file))
    with second.app_context():
        assert keyring().current_kid == kid
        keyring().rotate()
    stored = json.loads(key_file.read_text())
    assert len(stored["keys"]) == 2 and stored["current"] != kid
    third = make_app(SIGNING_KEYS=json.dumps(stored))  # the same keys, injected through the environment
    with third.app_context():
        assert {k["kid"] for k in keyring().jwks()["keys"]} == {k["kid"] for k in stored["keys"]}
        assert all("d" not in key for key in keyring().jwks()["keys"])


def test_bad_key_configuration_is_refused(make_app):
    app = make_app(SIGNING_KEYS=json.dumps({"current": "nope", "keys": []}))
    with app.app_context(), pytest.raises(KeyConfigError):
        keyring()


def test_jwks_is_public_and_cacheable(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    assert all(set(k) >= {"kty", "crv", "kid", "x"} and "d" not in k for k in response.json["keys"])


def test_a_verdict_names_the_document_only_when_one_was_found(session, factory, client):
    document = _issue(session, factory.citizen())
    found = client.post("/api/v1/documents/verify", json={"token": document.token}).json
    assert found["document_id"] == document.id and found["holder"] and found["kid"] == document.kid
    header, payload, signature = document.token.split(".")
    forged = client.post("/api/v1/documents/verify", json={"token": f"{header}.{payload}.{signature[::-1]}"}).json
    assert set(forged) == {"status", "reason"} and forged["status"] != "valid"
