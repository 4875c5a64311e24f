"""Self-registration proves possession (issue 12 #3): an SMS code to the phone number the registry holds, or a
chip read the server verifies; failures look alike; an officer's in-person raise resets the credentials."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.notifications.sms import SmsAdapter
from tests.backend.helpers import PASSWORD, bearer, login
from tests.chip_evidence import ChipCard, b64decode

NEW_PASSWORD = "a long enough password"


class RecordingSms(SmsAdapter):
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


@pytest.fixture()
def sms(app):
    recorder = RecordingSms()
    previous = app.extensions.get("congdan.sms")
    app.extensions["congdan.sms"] = recorder
    yield recorder
    if previous is None:
        app.extensions.pop("congdan.sms", None)
    else:
        app.extensions["congdan.sms"] = previous


def _start(client, citizen, **overrides):
    body = {
        "personal_id": citizen.personal_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
    }
    body.update(overrides)
    response = client.post("/api/v1/auth/register", json=body)
    response.close()  # the SMS leaves once the response is done
    return response


def _code(sms) -> str:
    return next(word for word in sms.sent[-1].text.replace(".", " ").split() if word.isdigit() and len(word) == 6)


def _confirm(client, registration_id, code, password=NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/register/confirm", json={"registration_id": registration_id, "code": code, "password": password}
    )


def test_registration_by_sms_code_to_the_registry_phone(client, factory, sms):
    citizen = factory.citizen(full_name="Nguyễn Văn An", phone="0987654321")
    started = _start(client, citizen, full_name="nguyen van an")
    assert started.status_code == 202
    assert [m.phone for m in sms.sent] == ["0987654321"]
    confirmed = _confirm(client, started.json["registration_id"], _code(sms))
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["level"] == 1 and confirmed.json["phone"] == "0987654321"
    assert login(client, citizen.personal_id, NEW_PASSWORD)["access_token"]


def test_guessed_details_get_the_same_answer_as_right_ones(client, factory, sms):
    """No oracle: no such citizen, wrong date of birth, wrong name, dead, already registered, right details."""
    right = factory.citizen(phone="0911111111")
    registered = factory.citizen(phone="0922222222")
    factory.account(registered)
    dead = factory.citizen(deceased_on=date(2020, 1, 1), phone="0933333333")
    attempts = [
        _start(client, right),
        _start(client, right, date_of_birth="1990-01-02"),
        _start(client, right, full_name="Nguyễn Văn Bình"),
        _start(client, dead),
        _start(client, registered),
        _start(client, right, personal_id="001090999999"),
    ]
    shapes = {(r.status_code, tuple(sorted(r.json)), r.json["detail"]) for r in attempts}
    assert len(shapes) == 1 and next(iter(shapes))[0] == 202
    # Only the registry's phones heard anything: the matching citizen got a code, the account holder a notice.
    assert [m.phone for m in sms.sent] == ["0911111111", "0922222222"]
    assert not any(word.isdigit() and len(word) == 6 for word in sms.sent[1].text.split())
    for response in attempts[1:]:
        assert (
            _confirm(client, response.json["registration_id"], "000000").json["detail"]
            == _confirm(client, attempts[0].json["registration_id"], "000000").json["detail"]
        )


def test_an_existing_account_cannot_be_taken_over_or_locked(client, factory, sms, auth_headers):
    owner = factory.citizen(phone="0944444444")
    account = factory.account(owner)
    started = _start(client, owner)  # the attacker knows every detail
    assert started.status_code == 202
    for guess in ("123456", "000000"):
        assert _confirm(client, started.json["registration_id"], guess).status_code == 422
    # The owner still logs in with their own password; nothing was created or changed.
    assert login(client, owner.personal_id, PASSWORD)["access_token"]
    assert client.get("/api/v1/accounts/me", headers=auth_headers(account)).json["id"] == account.id


def test_sms_code_guessing_is_capped(client, factory, sms):
    citizen = factory.citizen(phone="0955555555")
    started = _start(client, citizen)
    real = _code(sms)
    wrong = [c for c in (f"{n:06d}" for n in range(10)) if c != real][:5]
    assert [_confirm(client, started.json["registration_id"], c).status_code for c in wrong] == [422] * 5
    assert _confirm(client, started.json["registration_id"], real).status_code == 422  # no attempts left
    assert (
        client.post("/api/v1/auth/login", json={"username": citizen.personal_id, "password": NEW_PASSWORD}).status_code
        == 401
    )


def test_registration_starts_are_limited_per_id_number(make_app):
    from backend.extensions import db
    from tests.backend.helpers import Factory

    app = make_app(
        REGISTRATION_LIMIT_PER_ID="2 per hour", SMS_ADAPTER="tests.backend.registry.test_accounts:RecordingSms"
    )
    with app.app_context():
        citizen = Factory(db.session).citizen(phone="0966666666")
        db.session.commit()
        client = app.test_client()
        assert [_start(client, citizen).status_code for _ in range(3)] == [202, 202, 429]


def test_registration_with_a_verified_chip(client, factory):
    citizen = factory.citizen(full_name="Lê Minh Châu", sex="female", date_of_birth=date(2001, 3, 15))
    card = ChipCard.of(citizen)
    challenge = client.post("/api/v1/auth/register/chip-challenge").json
    chip = card.evidence(challenge_id=challenge["challenge_id"], challenge=b64decode(challenge["challenge"]))
    response = client.post("/api/v1/auth/register/chip", json={"chip": chip, "password": NEW_PASSWORD})
    assert response.status_code == 201, response.json
    assert response.json["display_name"] == "Lê Minh Châu" and response.json["level"] == 1
    # The same card again (or anyone else's once registered): refused without saying more.
    challenge = client.post("/api/v1/auth/register/chip-challenge").json
    chip = card.evidence(challenge_id=challenge["challenge_id"], challenge=b64decode(challenge["challenge"]))
    again = client.post("/api/v1/auth/register/chip", json={"chip": chip, "password": NEW_PASSWORD})
    assert again.status_code == 422


def test_registration_with_a_chip_that_is_not_proven_is_refused(client, factory):
    card = ChipCard.of(factory.citizen())
    copied = client.post("/api/v1/auth/register/chip", json={"chip": card.evidence(), "password": NEW_PASSWORD})
    assert copied.status_code == 422 and copied.json["reason"] == "chip-not-proven"
    challenge = client.post("/api/v1/auth/register/chip-challenge").json
    clone = card.evidence(challenge_id=challenge["challenge_id"], signature=card.answer(b"\x00" * 8))
    response = client.post("/api/v1/auth/register/chip", json={"chip": clone, "password": NEW_PASSWORD})
    assert response.status_code == 422 and response.json["reason"] == "active-authentication-failed"


def test_role_and_level_cannot_be_smuggled_in(client, factory):
    citizen = factory.citizen()
    response = _start(client, citizen, role="admin", level=2)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"role", "level"}


def test_officer_raise_resets_credentials_and_binds_them_anew(client, factory, auth_headers, session):
    citizen = factory.citizen()
    account = factory.account(citizen, level=1)  # perhaps made by an impostor: it does not matter now
    old_session = login(client, citizen.personal_id)
    officer = auth_headers(factory.staff("officer", "00088"))
    response = client.put(
        f"/api/v1/accounts/{citizen.personal_id}/level",
        json={"level": 2, "evidence": "card_and_face_in_person"},
        headers=officer,
    )
    assert response.status_code == 200, response.json
    assert response.json["account"]["level"] == 2
    code = response.json["activation_code"]
    # Every old session and the old password are gone.
    assert client.get("/api/v1/accounts/me", headers=bearer(old_session["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(old_session["refresh_token"])).status_code == 401
    assert (
        client.post("/api/v1/auth/login", json={"username": citizen.personal_id, "password": PASSWORD}).status_code
        == 401
    )
    bad = client.post(
        "/api/v1/auth/activate",
        json={"username": citizen.personal_id, "activation_code": "AAAAA-AAAAA", "password": NEW_PASSWORD},
    )
    assert bad.status_code == 422
    activated = client.post(
        "/api/v1/auth/activate",
        json={"username": citizen.personal_id, "activation_code": code, "password": NEW_PASSWORD},
    )
    assert activated.status_code == 200 and activated.json["level"] == 2
    tokens = login(client, citizen.personal_id, NEW_PASSWORD)
    assert client.get("/api/v1/accounts/me", headers=bearer(tokens["access_token"])).json["id"] == account.id
    reused = client.post(
        "/api/v1/auth/activate",
        json={"username": citizen.personal_id, "activation_code": code, "password": "yet another password"},
    )
    assert reused.status_code == 422
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen.id)).all()
    assert [(e.action, e.record_type) for e in events] == [("update", "identity-account")]
    log = client.get("/api/v1/me/access-log", headers=bearer(tokens["access_token"])).json
    assert log["items"][0]["purpose"].startswith("identity verification in person")


def test_officer_raise_makes_an_account_for_someone_without_one(client, factory, auth_headers):
    citizen = factory.citizen()
    officer = auth_headers(factory.staff("officer", "00088"))
    response = client.put(
        f"/api/v1/accounts/{citizen.personal_id}/level",
        json={"level": 2, "evidence": "chip_card_in_person"},
        headers=officer,
    )
    assert response.status_code == 200 and response.json["account"]["username"] == citizen.personal_id
    activated = client.post(
        "/api/v1/auth/activate",
        json={
            "username": citizen.personal_id,
            "activation_code": response.json["activation_code"],
            "password": NEW_PASSWORD,
        },
    )
    assert activated.status_code == 200
