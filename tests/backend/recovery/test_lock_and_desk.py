"""The citizen's own lock (only a recovery opens it, an officer's lock stays an officer's), and recovery at an
officer's desk: the officer confirms the person, the backend still verifies the card, jurisdiction applies."""

from __future__ import annotations

import base64
from datetime import date

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.auth.models import Account, AccountStatusChange
from tests.backend.helpers import PASSWORD, bearer, login
from tests.backend.recovery.cards import FaceCard, start, submit
from tests.backend.recovery.test_kiosk_recovery import bind, refused

LOCK, DESK = "/api/v1/recovery/account-lock", "/api/v1/recovery/desk/attempts"


@pytest.fixture()
def holder(factory):
    citizen = factory.citizen(full_name="Phạm Văn Minh", date_of_birth=date(1949, 11, 2))
    return citizen, factory.account(citizen, level=2)


def test_a_citizen_locks_their_account_and_every_session_ends(client, session, holder):
    _citizen, account = holder
    phone, laptop = (bearer(login(client, account.username)["access_token"]) for _ in range(2))
    response = client.post(LOCK, json={"reason": "mất điện thoại"}, headers=phone)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "locked" and response.json["sessions_ended"] == 2
    assert "thẻ căn cước" in response.json["message_vi"]
    assert client.get("/api/v1/accounts/me/sessions", headers=laptop).status_code == 401
    assert (
        client.post("/api/v1/auth/login", json={"username": account.username, "password": PASSWORD}).status_code == 401
    )
    change = session.scalar(sa.select(AccountStatusChange).where(AccountStatusChange.account_id == account.id))
    assert change.status == "locked" and change.actor_role == "citizen"


def test_a_self_locked_account_is_unlocked_by_a_recovery_at_a_kiosk(client, session, factory, holder):
    citizen, account = holder
    client.post(LOCK, json={}, headers=bearer(login(client, account.username)["access_token"]))
    kiosk = bearer(login(client, factory.staff("kiosk", "BV01").username)["access_token"])
    response = submit(client, kiosk, start(client, kiosk), FaceCard(citizen), "collins")
    assert response.json["status"] == "code_issued", response.json
    assert bind(client, response.json["recovery_code"]).status_code == 201
    assert session.get(Account, account.id).status == "active"
    assert login(client, account.username)["access_token"]


def test_desk_recovery_by_a_covering_officer(client, session, factory, holder):
    citizen, account = holder
    client.post(LOCK, json={}, headers=bearer(login(client, account.username)["access_token"]))
    officer = bearer(login(client, factory.staff("officer", "00088").username)["access_token"])
    attempt = client.post(DESK, headers=officer).json
    card = FaceCard(citizen, "hopper")  # the officer compares the person with the photo, not the camera
    evidence = card.evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]))
    response = client.post(
        f"{DESK}/{attempt['attempt_id']}",
        json={"chip": evidence, "identity_confirmed": True, "note": "đối chiếu trực tiếp"},
        headers=officer,
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "code_issued"
    assert bind(client, response.json["recovery_code"]).status_code == 201
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen.id))
    assert event.actor_role == "officer" and "in person" in event.purpose


def test_desk_recovery_outside_the_officers_jurisdiction_is_forbidden(client, factory, holder):
    citizen, _account = holder
    officer = bearer(login(client, factory.staff("officer", "48").username)["access_token"])
    attempt = client.post(DESK, headers=officer).json
    evidence = FaceCard(citizen).evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]))
    response = client.post(
        f"{DESK}/{attempt['attempt_id']}",
        json={"chip": evidence, "identity_confirmed": True, "note": "thử"},
        headers=officer,
    )
    assert response.status_code == 403


def test_desk_recovery_with_a_clone_chip_is_refused(client, factory, holder):
    citizen, _account = holder
    officer = bearer(login(client, factory.staff("officer", "01").username)["access_token"])
    attempt = client.post(DESK, headers=officer).json
    evidence = FaceCard(citizen, aa=False).evidence(attempt["challenge_id"], base64.b64decode(attempt["challenge"]))
    response = client.post(
        f"{DESK}/{attempt['attempt_id']}",
        json={"chip": evidence, "identity_confirmed": True, "note": "thử"},
        headers=officer,
    )
    refused(response, "chip-not-verified")


def test_an_officers_lock_cannot_be_undone_by_the_citizen_or_a_recovery(client, session, factory, holder):
    citizen, account = holder
    officer = bearer(login(client, factory.staff("officer", "00088").username)["access_token"])
    locked = client.put(
        f"/api/v1/accounts/{account.username}/status",
        json={"status": "disabled", "reason": "điều tra"},
        headers=officer,
    )
    assert locked.status_code == 200, locked.json
    kiosk = bearer(login(client, factory.staff("kiosk", "BV01").username)["access_token"])
    refused(submit(client, kiosk, start(client, kiosk), FaceCard(citizen), "collins"), "officer-locked")
    assert session.get(Account, account.id).status == "disabled"
