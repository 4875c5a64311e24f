"""Kiosk keys are checked by libsodium (backend/fleet/kiosk_keys.py): the signatures OpenSSL accepted from real
keys are accepted, malformed ones refused as before, and the keys OpenSSL let anyone sign for are refused
everywhere - at enrollment, for a device token, and on every signed request of a kiosk already holding one."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.fleet import kiosk_keys
from backend.fleet.kiosk_directory import kiosk_directory
from backend.fleet.models import Kiosk
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode
from tests.backend.fleet.fleet_data import create_code

HEARTBEAT = "/api/v1/fleet/device/heartbeat"
BODY = json.dumps(
    {"app_version": "1.4.0", "uptime_s": 30, "config_version": 0, "devices": {"card_reader": "ok"}}
).encode()
# The neutral element (y = 1) is a small-order point: [h]A is the neutral element for every h, so
# R = B (the base point) and S = 1 satisfy [S]B = R + [h]A for every message: a signature anyone can make.
SMALL_ORDER_KEY = bytes([1]) + bytes(31)
BASE_POINT = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")
UNIVERSAL_SIGNATURE = BASE_POINT + (1).to_bytes(32, "little")
# y = p + 1 (p = 2^255 - 19): a non-canonical spelling of the point y = 1 that OpenSSL parses.
NON_CANONICAL_KEY = (2**255 - 19 + 1).to_bytes(32, "little")


def _openssl_accepts(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (ValueError, InvalidSignature):
        return False
    return True


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_real_keys_get_the_same_answers_as_from_openssl():
    key = Ed25519PrivateKey.generate()
    public = b64url_encode(_raw(key))
    message = b"POST\n/api/v1/fleet/device/heartbeat\n..."
    signature = key.sign(message)
    other = Ed25519PrivateKey.generate().sign(message)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    order = 2**252 + 27742317777372353535851937790883648493
    high_s = signature[:32] + (int.from_bytes(signature[32:], "little") + order).to_bytes(32, "little")  # S + L
    for candidate, expected in ((signature, True), (other, False), (flipped, False), (high_s, False)):
        assert _openssl_accepts(_raw(key), candidate, message) is expected
        assert kiosk_keys.signature_valid(public, b64url_encode(candidate), message) is expected
    assert not kiosk_keys.signature_valid(public, b64url_encode(signature), message + b" ")


@pytest.mark.parametrize(
    "public_key, signature",
    [
        ("not base64url!", "x"),
        (b64url_encode(bytes(31)), None),  # a key of 31 bytes
        (b64url_encode(bytes(33)), None),
        (None, "AAAA"),  # a signature of 3 bytes
        (None, b64url_encode(bytes(65))),
        (None, "not base64url!"),
    ],
)
def test_malformed_keys_and_signatures_are_refused(public_key, signature):
    key = Ed25519PrivateKey.generate()
    message = b"message"
    public_key = public_key or b64url_encode(_raw(key))
    signature = signature or b64url_encode(key.sign(message))
    assert not kiosk_keys.signature_valid(public_key, signature, message)


def test_a_non_canonical_base64url_signature_is_refused():
    key = Ed25519PrivateKey.generate()
    signature = b64url_encode(key.sign(b"m"))
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes: the last character carries 2 unused bits; setting one spells the same bytes differently.
    edited = signature[:-1] + last[last.index(signature[-1]) | 1]
    assert edited != signature
    assert kiosk_keys.signature_valid(b64url_encode(_raw(key)), signature, b"m")
    assert not kiosk_keys.signature_valid(b64url_encode(_raw(key)), edited, b"m")


@pytest.mark.parametrize("weak_key", [SMALL_ORDER_KEY, NON_CANONICAL_KEY], ids=["small-order", "non-canonical"])
def test_a_key_anyone_can_sign_for_is_refused(weak_key):
    for message in (b"one message", b"any other"):
        assert _openssl_accepts(weak_key, UNIVERSAL_SIGNATURE, message)  # what the old check let through
        assert not kiosk_keys.signature_valid(b64url_encode(weak_key), b64url_encode(UNIVERSAL_SIGNATURE), message)


def test_such_a_key_cannot_enroll(client, admin_headers, hospital, session):
    code = create_code(client, admin_headers, hospital.code)["code"]
    public = b64url_encode(SMALL_ORDER_KEY)
    body = {"code": code, "public_key": public, "proof": b64url_encode(UNIVERSAL_SIGNATURE)}
    response = client.post("/api/v1/fleet/enroll", json=body)
    assert response.status_code == 422, response.json  # as a proof by another key
    assert session.scalar(sa.select(sa.func.count()).select_from(Kiosk).where(Kiosk.public_key == public)) == 0


def _swap_to_weak_key(app, session, kiosk_id: str) -> None:
    """A kiosk enrolled with such a key before this rule (written straight into the table)."""
    session.execute(sa.update(Kiosk).where(Kiosk.id == kiosk_id).values(public_key=b64url_encode(SMALL_ORDER_KEY)))
    session.commit()
    with app.app_context():
        kiosk_directory().forget()


def test_a_kiosk_holding_such_a_key_is_refused_on_every_signed_request(app, client, agent, session):
    assert agent.heartbeat().accepted
    _swap_to_weak_key(app, session, agent.kiosk_id)
    now = int(time.time())
    message = contract.request_signing_input(
        method="POST", path=HEARTBEAT, kiosk_id=agent.kiosk_id, timestamp=now, nonce="w" * 24, body=BODY
    )
    assert _openssl_accepts(SMALL_ORDER_KEY, UNIVERSAL_SIGNATURE, message)
    headers = {
        "Content-Type": "application/json",
        contract.HEADER_KIOSK: agent.kiosk_id,
        contract.HEADER_TIMESTAMP: str(now),
        contract.HEADER_NONCE: "w" * 24,
        contract.HEADER_SIGNATURE: b64url_encode(UNIVERSAL_SIGNATURE),
    }
    response = client.post(HEARTBEAT, data=BODY, headers=headers)
    assert response.status_code == 401 and response.json["code"] == "device-signature-refused"


def test_a_kiosk_holding_such_a_key_gets_no_device_token(app, client, agent, session):
    _swap_to_weak_key(app, session, agent.kiosk_id)
    challenge = client.post("/api/v1/fleet/device/challenge", json={"kiosk_id": agent.kiosk_id}).json["challenge"]
    message = contract.challenge_signing_input(kiosk_id=agent.kiosk_id, challenge=challenge)
    assert _openssl_accepts(SMALL_ORDER_KEY, UNIVERSAL_SIGNATURE, message)
    body = {"kiosk_id": agent.kiosk_id, "challenge": challenge, "signature": b64url_encode(UNIVERSAL_SIGNATURE)}
    assert client.post("/api/v1/fleet/device/token", json=body).status_code == 401
