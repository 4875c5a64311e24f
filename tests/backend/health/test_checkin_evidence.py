"""Forged check-ins (issue 12 #4) refused through the API: the server verifies the signed QR and the chip read
itself, records what it could verify as the trust level, and keeps typed details for children, rate limited."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.consent.models import ConsentReceipt
from shared_schemas import signed as jws
from tests.backend.health.hospital_data import add_kiosk, proof
from tests.backend.helpers import bearer, login
from tests.chip_evidence import ChipCard, b64decode, untrusted_pki

CHECKINS, CHALLENGES = "/api/v1/health/checkins", "/api/v1/identification/challenges"


def checkin(client, headers, identification, **extra):
    return client.post(CHECKINS, json={"identification": identification, **extra}, headers=headers)


def challenge(client, headers) -> tuple[str, bytes]:
    response = client.post(CHALLENGES, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["challenge_id"], b64decode(response.json["challenge"])


def chip_proof(card: ChipCard, **evidence) -> dict:
    return {"method": "chip", "chip": card.evidence(**evidence)}


def refused(response, reason: str | None = None) -> None:
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    if reason:
        assert response.json["reason"] == reason, response.json


# --- chip reads ---------------------------------------------------------------------------------------------
def test_a_genuine_chip_answering_the_servers_challenge_is_verified(client, session, factory, kiosk_headers):
    patient = factory.citizen(full_name="Trần Thị Bình", sex="female", date_of_birth=date(1985, 5, 10))
    card = ChipCard.of(patient)
    challenge_id, nonce = challenge(client, kiosk_headers)
    response = checkin(
        client, kiosk_headers, chip_proof(card, challenge_id=challenge_id, challenge=nonce, kiosk_verdict="verified")
    )
    assert response.status_code == 201, response.json
    assert response.json["trust_level"] == "chip_verified"
    assert response.json["patient"]["full_name"] == "Trần Thị Bình"
    assert response.json["consent"]["active"]
    # The challenge is spent: the same transcript cannot be sent again.
    again = checkin(client, kiosk_headers, chip_proof(card, challenge_id=challenge_id, challenge=nonce))
    refused(again, "challenge-invalid")


def test_a_chip_claim_without_the_read_is_refused(client, factory, kiosk_headers):
    patient = factory.citizen()
    claim = {
        "method": "chip",
        "personal_id": patient.personal_id,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "full_name": patient.full_name,
    }
    refused(checkin(client, kiosk_headers, claim))


def test_a_tampered_data_group_is_refused(client, factory, kiosk_headers):
    card = ChipCard.of(factory.citizen(), tamper_data_group=13)
    refused(checkin(client, kiosk_headers, chip_proof(card)), "hash-mismatch")


def test_a_data_group_listed_in_the_sod_but_left_out_is_refused(client, factory, kiosk_headers):
    card = ChipCard.of(factory.citizen())
    challenge_id, nonce = challenge(client, kiosk_headers)
    # The clone hides DG15 (its AA key) hoping to pass as a card without Active Authentication.
    refused(
        checkin(client, kiosk_headers, chip_proof(card, leave_out=(15,), challenge_id=challenge_id)), "group-missing"
    )


def test_a_sod_signed_under_an_untrusted_csca_is_refused(client, factory, kiosk_headers):
    card = ChipCard.of(factory.citizen(), pki=untrusted_pki())
    refused(checkin(client, kiosk_headers, chip_proof(card)), "untrusted-signer")


def test_an_aa_signature_over_another_challenge_is_refused(client, factory, kiosk_headers):
    card = ChipCard.of(factory.citizen())
    challenge_id, _ = challenge(client, kiosk_headers)
    recorded = card.answer(b"\x01" * 8)  # a transcript recorded at another time
    refused(
        checkin(client, kiosk_headers, chip_proof(card, challenge_id=challenge_id, signature=recorded)),
        "active-authentication-failed",
    )


def test_a_clone_without_the_aa_key_is_refused_or_recorded_as_unproven(client, factory, kiosk_headers):
    patient = factory.citizen()
    genuine = ChipCard.of(patient)
    challenge_id, nonce = challenge(client, kiosk_headers)
    forged = genuine.answer(nonce, key=ChipCard.of(patient).aa_key)  # the clone signs with a key of its own
    refused(
        checkin(client, kiosk_headers, chip_proof(genuine, challenge_id=challenge_id, signature=forged)),
        "active-authentication-failed",
    )
    challenge_id, _ = challenge(client, kiosk_headers)
    refused(
        checkin(client, kiosk_headers, chip_proof(genuine, challenge_id=challenge_id)),  # no answer at all
        "active-authentication-failed",
    )
    # Without a server challenge (an offline read) the copied files prove the data, not the chip, and the
    # kiosk's "verified" is kept as its claim only.
    offline = checkin(client, kiosk_headers, chip_proof(genuine, kiosk_verdict="verified"))
    assert offline.status_code == 201 and offline.json["trust_level"] == "chip_data_authentic"


def test_a_read_replayed_from_the_outbox_after_its_challenge_expired(client, session, factory, kiosk_headers):
    """Online read, then the connection dropped: the outbox replays the same request later. The chip's answer
    still has to verify, but arriving late it proves the data only."""
    from backend.identification.models import IdentificationChallenge

    card = ChipCard.of(factory.citizen())
    challenge_id, nonce = challenge(client, kiosk_headers)
    read_at = datetime.now(UTC) - timedelta(minutes=20)
    session.execute(
        sa.update(IdentificationChallenge)
        .where(IdentificationChallenge.public_id == challenge_id)
        .values(created_at=read_at - timedelta(seconds=5), expires_at=read_at + timedelta(minutes=3))
    )
    evidence = chip_proof(card, challenge_id=challenge_id, challenge=nonce)
    claimed_now = checkin(client, kiosk_headers, evidence)  # no reason given why the answer is late
    refused(claimed_now, "challenge-invalid")
    replayed = checkin(client, kiosk_headers, evidence, identified_at=read_at.isoformat())
    assert replayed.status_code == 201, replayed.json
    assert replayed.json["trust_level"] == "chip_data_authentic"


def test_a_challenge_is_bound_to_the_kiosk_it_was_issued_to(client, session, factory, hospital, kiosk_headers):
    other = bearer(login(client, add_kiosk(session, factory, hospital, block=1).username)["access_token"])
    card = ChipCard.of(factory.citizen())
    challenge_id, nonce = challenge(client, other)
    refused(
        checkin(client, kiosk_headers, chip_proof(card, challenge_id=challenge_id, challenge=nonce)),
        "challenge-invalid",
    )


def test_chip_evidence_sizes_are_capped(client, factory, kiosk_headers):
    card = ChipCard.of(factory.citizen())
    body = chip_proof(card)
    body["chip"]["sod"] = base64.b64encode(b"\x77" * 20_000).decode()
    response = checkin(client, kiosk_headers, body)
    assert response.status_code == 422 and "sod" in json.dumps(response.json["errors"])
    body["chip"]["sod"] = base64.b64encode(b"\x30\x03\x02\x01\x00").decode()  # not an EF.SOD at all
    refused(checkin(client, kiosk_headers, body), "malformed")


def test_stated_details_must_agree_with_the_chip(client, factory, kiosk_headers):
    patient, someone_else = factory.citizen(), factory.citizen(date_of_birth=date(1970, 3, 3))
    body = chip_proof(ChipCard.of(patient)) | {"personal_id": someone_else.personal_id}
    refused(checkin(client, kiosk_headers, body))


# --- the app's signed identity QR ---------------------------------------------------------------------------
def _identity_token(client, factory, auth_headers, patient=None) -> str:
    patient = patient or factory.citizen()
    response = client.get("/api/v1/documents/identity-qr", headers=auth_headers(factory.account(patient, level=2)))
    return response.json["token"]


def _resign(token: str, key, **changes) -> str:
    header, payload, _ = token.split(".")
    claims = json.loads(jws.b64url_decode(payload)) | changes
    return jws.sign_compact(claims, key, json.loads(jws.b64url_decode(header))["kid"], jws.IDENTITY_TOKEN_TYPE)


def test_forged_tampered_and_unsigned_identity_qrs_are_refused(client, factory, kiosk_headers, auth_headers):
    token = _identity_token(client, factory, auth_headers)
    victim = factory.citizen(date_of_birth=date(1960, 2, 2))
    forged = _resign(token, Ed25519PrivateKey.generate(), sub=victim.personal_id, dob="1960-02-02")
    header, payload, signature = token.split(".")
    claims = json.loads(jws.b64url_decode(payload)) | {"sub": victim.personal_id}
    tampered = f"{header}.{jws.b64url_encode(json.dumps(claims).encode())}.{signature}"
    none_header = jws.b64url_encode(json.dumps({"alg": "none", "typ": jws.IDENTITY_TOKEN_TYPE}).encode())
    unsigned = f"{none_header}.{payload}.x"
    for bad in (forged, tampered, unsigned, "jti-0123456789-not-a-token-at-all"):
        refused(checkin(client, kiosk_headers, {"method": "signed_qr", "identity_token": bad}))
    legacy = {"method": "signed_qr", "personal_id": victim.personal_id, "date_of_birth": "1960-02-02"}
    refused(checkin(client, kiosk_headers, legacy))  # an id and a "token id" were all the kiosk used to send


def test_an_expired_identity_qr_is_refused_and_a_replay_conflicts(client, app, factory, kiosk_headers, auth_headers):
    from backend.core.keys import keyring

    token = _identity_token(client, factory, auth_headers)
    old = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp())
    expired = _resign(token, keyring(app).current.private, iat=old, exp=old + 120)
    refused(checkin(client, kiosk_headers, {"method": "signed_qr", "identity_token": expired}))
    fresh = {"method": "signed_qr", "identity_token": token}
    assert checkin(client, kiosk_headers, fresh).status_code == 201
    assert checkin(client, kiosk_headers, fresh).status_code == 409


def test_an_identity_qr_shown_offline_syncs_at_the_offline_level(client, app, factory, kiosk_headers, auth_headers):
    from backend.core.keys import keyring

    token = _identity_token(client, factory, auth_headers)
    shown = datetime.now(UTC) - timedelta(minutes=30)
    offline = _resign(token, keyring(app).current.private, iat=int(shown.timestamp()), exp=int(shown.timestamp()) + 120)
    identification = {"method": "signed_qr", "identity_token": offline}
    synced = checkin(client, kiosk_headers, identification, identified_at=(shown + timedelta(seconds=30)).isoformat())
    assert synced.status_code == 201 and synced.json["trust_level"] == "app_qr_offline"
    # A kiosk claiming the QR was shown long after it expired gets nothing.
    late = _resign(
        token,
        keyring(app).current.private,
        jti="another-token-id-0001",
        iat=int(shown.timestamp()),
        exp=int(shown.timestamp()) + 120,
    )
    refused(
        checkin(
            client,
            kiosk_headers,
            {"method": "signed_qr", "identity_token": late},
            identified_at=(shown + timedelta(minutes=10)).isoformat(),
        )
    )


# --- data without proof: card QR and typed details ----------------------------------------------------------
def test_card_data_and_typed_details_are_recorded_at_their_level_without_consent(
    client, session, factory, kiosk_headers, hospital
):
    adult = factory.citizen()
    child = factory.citizen(date_of_birth=date(date.today().year - 5, 6, 1))
    card_qr = checkin(client, kiosk_headers, proof(adult, method="cccd_qr"))
    assert card_qr.status_code == 201, card_qr.json
    assert card_qr.json["trust_level"] == "card_data_presented" and card_qr.json["consent"] is None
    typed = checkin(client, kiosk_headers, proof(child, method="id_and_dob"))
    assert typed.json["trust_level"] == "details_typed" and typed.json["consent"] is None
    receipts = session.scalars(sa.select(ConsentReceipt).where(ConsentReceipt.citizen_id.in_([adult.id, child.id])))
    assert list(receipts) == []
    assert checkin(client, kiosk_headers, proof(adult, method="id_and_dob")).status_code == 403
    # A ticket still works, and staff see how the patient was identified.
    ticket = client.post(
        f"{CHECKINS}/{card_qr.json['id']}/tickets",
        json={"department_code": "NOI"},
        headers={**kiosk_headers, "Idempotency-Key": "evidence-ticket-1"},
    )
    assert ticket.status_code == 201, ticket.json
    staff = bearer(login(client, factory.staff("hospital_staff", hospital.code).username)["access_token"])
    queue = client.get("/api/v1/health/queues/NOI", headers=staff).json
    assert [t["trust_level"] for t in queue["tickets"]] == ["card_data_presented"]


def test_typed_details_are_rate_limited_per_kiosk(make_app, database_server):
    from backend.extensions import db
    from tests.backend.health.hospital_data import add_hospital
    from tests.backend.helpers import Factory

    app = make_app(TYPED_CHECKIN_LIMIT_PER_KIOSK="3 per hour")
    with app.app_context():
        factory = Factory(db.session)
        hospital = add_hospital(db.session)
        kiosk = add_kiosk(db.session, factory, hospital)
        adult = factory.citizen()
        children = [factory.citizen(date_of_birth=date(date.today().year - 4, 1, n + 1)) for n in range(4)]
        db.session.commit()
        headers = bearer(login(app.test_client(), kiosk.username)["access_token"])
        client = app.test_client()
        statuses = [checkin(client, headers, proof(c, method="id_and_dob")).status_code for c in children]
        assert statuses == [201, 201, 201, 429]
        # Other methods are not counted against the typed budget.
        assert checkin(client, headers, proof(adult, method="cccd_qr")).status_code == 201


def test_chip_challenges_are_limited_per_kiosk(make_app):
    from backend.extensions import db
    from tests.backend.health.hospital_data import add_hospital
    from tests.backend.helpers import Factory

    app = make_app(CHIP_CHALLENGE_LIMIT_PER_KIOSK="2 per minute")
    with app.app_context():
        kiosk = add_kiosk(db.session, Factory(db.session), add_hospital(db.session))
        db.session.commit()
        client = app.test_client()
        headers = bearer(login(client, kiosk.username)["access_token"])
        assert [client.post(CHALLENGES, headers=headers).status_code for _ in range(3)] == [201, 201, 429]
