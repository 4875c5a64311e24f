"""Recovering an account at a kiosk through the API: the chip verified by the backend, the face matched by the
backend on the kiosk's frames with a liveness prompt, a one-time code the new phone binds - and each way of
getting it wrong refused with a bilingual message and a trail."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.audit.models import AuditEvent
from backend.auth.models import Account
from backend.identity_provider.models import DeviceKey
from backend.notifications.models import Notification
from backend.recovery import service
from backend.recovery.models import RecoveryAttempt
from tests.backend.helpers import bearer, login
from tests.backend.recovery.cards import ATTEMPTS, FaceCard, start, submit

BINDINGS = "/api/v1/recovery/device-bindings"


@pytest.fixture()
def kiosk(factory):
    return factory.staff("kiosk", "BV01")


@pytest.fixture()
def kiosk_headers(client, kiosk):
    return bearer(login(client, kiosk.username)["access_token"])


@pytest.fixture()
def holder(factory):
    citizen = factory.citizen(full_name="Lê Thị Hoa", sex="female", date_of_birth=date(1958, 3, 8))
    return citizen, factory.account(citizen, level=2)


def new_phone_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def bind(client, code: str):
    return client.post(BINDINGS, json={"recovery_code": code, "public_key": new_phone_key(), "label": "Phone mới"})


def refused(response, reason: str, status: int = 422) -> None:
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert response.json["reason"] == reason
    assert response.json["message_vi"] and response.json["message_en"]


def test_a_verified_card_and_a_live_matching_face_recover_the_account(client, session, kiosk_headers, holder):
    citizen, account = holder
    old_session = bearer(login(client, account.username)["access_token"])
    session.add(
        DeviceKey(
            public_id="a" * 32, account_id=account.id, public_key="x" * 43, label="lost", created_at=account.created_at
        )
    )
    session.flush()
    attempt = start(client, kiosk_headers)
    assert attempt["prompt"] in ("blink", "turn_left", "turn_right")

    response = submit(client, kiosk_headers, attempt, FaceCard(citizen), "collins")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "code_issued"
    assert response.json["match_distance"] < 0.5
    code = response.json["recovery_code"]
    assert code.startswith("congdan-recover:")
    bound = bind(client, code)
    assert bound.status_code == 201, bound.json
    assert bound.json["sessions_ended"] >= 1 and bound.json["devices_unbound"] == 1
    # The old phone's session is over; the new phone's works.
    assert client.get("/api/v1/accounts/me/sessions", headers=old_session).status_code == 401
    mine = client.get("/api/v1/identity-provider/device-keys", headers=bearer(bound.json["access_token"]))
    assert [key["label"] for key in mine.json] == ["Phone mới"]
    # Single use.
    assert bind(client, code).status_code == 404
    row = session.scalar(sa.select(RecoveryAttempt).where(RecoveryAttempt.public_id == attempt["attempt_id"]))
    assert row.status == "completed" and row.trust_level == "chip_verified"
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.record_type == "account-recovery"))
    assert event.subject_citizen_id == citizen.id and event.client_kind == "kiosk"
    assert "face distance" in event.purpose and "liveness" in event.purpose
    kinds = session.scalars(sa.select(Notification.kind).where(Notification.citizen_id == citizen.id)).all()
    assert "account-recovery" in kinds


def test_a_recovery_code_expires_after_five_minutes(client, session, kiosk_headers, holder, monkeypatch):
    citizen, _account = holder
    response = submit(client, kiosk_headers, start(client, kiosk_headers), FaceCard(citizen), "collins")
    code = response.json["recovery_code"]
    later = service.clock.now() + timedelta(minutes=6)
    monkeypatch.setattr("backend.recovery.binding.clock.now", lambda: later)
    assert bind(client, code).status_code == 404


def test_a_clone_chip_is_refused_before_any_face_is_looked_at(client, session, kiosk_headers, holder):
    citizen, _account = holder
    clone = FaceCard(citizen, aa=False)  # the files copied, the private key not
    attempt = start(client, kiosk_headers)
    response = submit(client, kiosk_headers, attempt, clone, "collins")
    refused(response, "chip-not-verified")
    row = session.scalar(sa.select(RecoveryAttempt).where(RecoveryAttempt.public_id == attempt["attempt_id"]))
    assert row.status == "refused" and row.match_distance is None


def test_a_wrong_answer_to_the_challenge_is_a_clone_too(client, kiosk_headers, holder):
    citizen, _account = holder
    response = submit(
        client, kiosk_headers, start(client, kiosk_headers), FaceCard(citizen), "collins", signature=b"\x01" * 64
    )
    refused(response, "chip-not-verified")


def test_a_photo_not_signed_by_the_card_is_refused(client, kiosk_headers, holder):
    citizen, _account = holder
    response = submit(
        client, kiosk_headers, start(client, kiosk_headers), FaceCard(citizen, tamper_photo=True), "collins"
    )
    refused(response, "chip-photo-unsigned")


def test_someone_elses_card_with_a_different_face_calls_staff_who_decide(
    client, session, factory, kiosk_headers, holder
):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    response = submit(client, kiosk_headers, attempt, FaceCard(citizen, "hopper"), "collins")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "needs_staff" and response.json["reason"] == "face-mismatch"
    assert response.json["recovery_code"] is None
    assert response.json["match_distance"] > 0.6
    assert "nhân viên" in response.json["message_vi"].lower()
    assert session.scalar(sa.select(Notification).where(Notification.citizen_id == citizen.id)) is not None
    # Staff of another hospital neither see nor confirm it.
    elsewhere = bearer(login(client, factory.staff("hospital_staff", "BV99").username)["access_token"])
    assert client.get("/api/v1/recovery/assists", headers=elsewhere).json == []
    confirm = f"{ATTEMPTS}/{attempt['attempt_id']}/staff-confirmation"
    assert client.post(confirm, json={"confirmed": True}, headers=elsewhere).status_code == 404
    # The kiosk's own hospital's staff compares face and photo, and declines.
    staff = bearer(login(client, factory.staff("hospital_staff", "BV01").username)["access_token"])
    waiting = client.get("/api/v1/recovery/assists", headers=staff).json
    assert [a["attempt_id"] for a in waiting] == [attempt["attempt_id"]]
    declined = client.post(confirm, json={"confirmed": False, "note": "không giống ảnh"}, headers=staff)
    assert declined.json["status"] == "refused" and declined.json["reason"] == "staff-declined"
    polled = client.get(f"{ATTEMPTS}/{attempt['attempt_id']}", headers=kiosk_headers)
    assert polled.json["recovery_code"] is None


def test_staff_confirmation_lets_the_kiosk_show_the_code_once(client, factory, kiosk_headers, holder):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    submit(client, kiosk_headers, attempt, FaceCard(citizen), "collins", action="held_photo")
    staff = bearer(login(client, factory.staff("hospital_staff", "BV01").username)["access_token"])
    confirmed = client.post(
        f"{ATTEMPTS}/{attempt['attempt_id']}/staff-confirmation", json={"confirmed": True, "note": "ok"}, headers=staff
    )
    assert confirmed.json["status"] == "approved"
    first = client.get(f"{ATTEMPTS}/{attempt['attempt_id']}", headers=kiosk_headers).json
    second = client.get(f"{ATTEMPTS}/{attempt['attempt_id']}", headers=kiosk_headers).json
    assert first["recovery_code"] and second["recovery_code"] is None
    assert bind(client, first["recovery_code"]).status_code == 201


def test_a_photo_held_to_the_camera_fails_the_liveness_check(client, session, kiosk_headers, holder):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    response = submit(client, kiosk_headers, attempt, FaceCard(citizen), "collins", action="held_photo")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "needs_staff"
    assert response.json["reason"] in ("no-blink", "no-head-turn")
    assert response.json["match_distance"] < 0.5  # the right face, but not a live one
    assert response.json["recovery_code"] is None


def test_a_live_face_doing_something_else_than_asked_fails(client, kiosk_headers, holder):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    other = {"blink": "turn_left", "turn_left": "turn_right", "turn_right": "blink"}[attempt["prompt"]]
    response = submit(client, kiosk_headers, attempt, FaceCard(citizen), "collins", action=other)
    assert response.json["status"] == "needs_staff", response.json


def test_an_account_locked_by_an_officer_is_not_recovered(client, session, kiosk_headers, holder):
    citizen, account = holder
    account.status = "disabled"
    session.flush()
    attempt = start(client, kiosk_headers)
    refused(submit(client, kiosk_headers, attempt, FaceCard(citizen), "collins"), "officer-locked")
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen.id))
    assert "locked by an officer" in event.purpose
    assert session.get(Account, account.id).status == "disabled"


def test_a_deceased_persons_account_is_not_recovered(client, session, kiosk_headers, holder):
    citizen, _account = holder
    citizen.deceased_on = date(2026, 1, 2)
    session.flush()
    refused(submit(client, kiosk_headers, start(client, kiosk_headers), FaceCard(citizen), "collins"), "deceased")
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen.id)) is not None


def test_a_card_is_refused_after_three_failures_in_a_day(client, session, kiosk_headers, holder):
    citizen, account = holder
    account.status = "disabled"  # each try is refused before any face work
    session.flush()
    card = FaceCard(citizen)
    for _ in range(service.CARD_LIMIT):
        refused(submit(client, kiosk_headers, start(client, kiosk_headers), card, "collins"), "officer-locked")
    refused(submit(client, kiosk_headers, start(client, kiosk_headers), card, "collins"), "too-many-attempts", 429)


def test_a_kiosk_is_limited_in_recoveries_per_hour(client, kiosk_headers, monkeypatch):
    monkeypatch.setattr(service, "KIOSK_LIMIT", 2)
    start(client, kiosk_headers)
    start(client, kiosk_headers)
    refused(client.post(ATTEMPTS, headers=kiosk_headers), "kiosk-busy", 429)


def test_another_kiosks_attempt_is_not_found(client, factory, kiosk_headers):
    attempt = start(client, kiosk_headers)
    other = bearer(login(client, factory.staff("kiosk", "BV01").username)["access_token"])
    assert client.get(f"{ATTEMPTS}/{attempt['attempt_id']}", headers=other).status_code == 404


@pytest.mark.parametrize(
    "frames, why",
    [
        (["/9j/"] * 2, "too few frames"),
        (["/9j/"] * 9, "too many frames"),
        (["A" * 204_000] * 3, "a frame too large"),
    ],
)
def test_frames_outside_the_caps_are_refused_by_the_schema(client, kiosk_headers, holder, frames, why):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    evidence = FaceCard(citizen).evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]))
    response = client.post(
        f"{ATTEMPTS}/{attempt['attempt_id']}/evidence", json={"chip": evidence, "frames": frames}, headers=kiosk_headers
    )
    assert response.status_code == 422, why


def test_frames_that_are_not_images_call_staff_not_a_crash(client, kiosk_headers, holder):
    citizen, _account = holder
    attempt = start(client, kiosk_headers)
    evidence = FaceCard(citizen).evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]))
    junk = [base64.b64encode(b"\xff\xd8not a jpeg" * 20).decode()] * 3
    response = client.post(
        f"{ATTEMPTS}/{attempt['attempt_id']}/evidence", json={"chip": evidence, "frames": junk}, headers=kiosk_headers
    )
    assert response.status_code == 200 and response.json["status"] == "needs_staff"


def test_no_write_lock_is_held_while_the_face_is_matched(make_app, monkeypatch):
    import sqlite3

    from backend.extensions import db
    from backend.recovery import face
    from tests.backend.helpers import Factory

    app = make_app()
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("the write lock in question is SQLite's")
    with app.app_context():
        session = db.new_session()
        factory = Factory(session)
        citizen = factory.citizen(full_name="Lê Thị Hoa", sex="female", date_of_birth=date(1958, 3, 8))
        factory.account(citizen, level=2)
        kiosk = factory.staff("kiosk", "BV01")
        session.commit()
        session.expunge(citizen)
        username = kiosk.username
        session.close()
    client = app.test_client()
    headers = bearer(login(client, username)["access_token"])
    commits = []
    real_check = face.check

    def check_while_someone_writes(*args, **kwargs):
        # timeout=0: a held write lock makes this fail at once with "database is locked".
        probe = sqlite3.connect(url.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("UPDATE accounts SET level = level")
            probe.execute("COMMIT")
            commits.append(True)
        finally:
            probe.close()
        return real_check(*args, **kwargs)

    monkeypatch.setattr(face, "check", check_while_someone_writes)
    response = submit(client, headers, start(client, headers), FaceCard(citizen), "collins")
    assert response.json["status"] == "code_issued", response.json
    assert commits == [True]
