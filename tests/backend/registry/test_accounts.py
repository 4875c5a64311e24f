"""Self-registration (level 1) against the registry, and raising to level 2 in person."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.audit.models import AuditEvent


def _register(client, citizen, **overrides):
    body = {"personal_id": citizen.personal_id, "full_name": citizen.full_name,
            "date_of_birth": citizen.date_of_birth.isoformat(), "phone": "0912345678",
            "password": "a long enough password"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_registration_matches_the_registry_without_regard_to_accents(client, factory):
    citizen = factory.citizen(full_name="Nguyễn Văn An")
    response = _register(client, citizen, full_name="nguyen van an")
    assert response.status_code == 201
    assert response.json["level"] == 1 and response.json["role"] == "citizen"
    assert _register(client, citizen).status_code == 409


def test_registration_refuses_details_that_do_not_match(client, factory):
    citizen = factory.citizen()
    assert _register(client, citizen, date_of_birth="1990-01-02").status_code == 422
    assert _register(client, citizen, full_name="Nguyễn Văn Bình").status_code == 422


def test_registration_refuses_the_deceased(client, factory):
    citizen = factory.citizen(deceased_on=date(2020, 1, 1))
    assert _register(client, citizen).status_code == 422


def test_role_and_level_cannot_be_smuggled_in(client, factory):
    citizen = factory.citizen()
    response = _register(client, citizen, role="admin", level=2)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"role", "level"}


def test_officer_raises_to_level_2_and_the_citizen_sees_it(client, factory, auth_headers, session):
    citizen = factory.citizen()
    account = factory.account(citizen, level=1)
    officer = auth_headers(factory.staff("officer", "00088"))
    response = client.put(f"/api/v1/accounts/{citizen.personal_id}/level",
                          json={"level": 2, "evidence": "card_and_face_in_person"}, headers=officer)
    assert response.status_code == 200 and response.json["level"] == 2
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == citizen.id)).all()
    assert [(e.action, e.record_type) for e in events] == [("update", "identity-account")]
    log = client.get("/api/v1/me/access-log", headers=auth_headers(account)).json
    assert log["items"][0]["purpose"].startswith("identity verification in person")
