"""Bad input to the birth chain: each a clear problem, nothing half-applied."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.life_events.models import LifeEventApplication
from backend.registry.models import Citizen
from tests.backend.helpers import bearer, login
from tests.backend.life_events.steps import birth_certificate, decide, declare_birth, show, step
from tests.backend.payments.support import at


def test_unknown_mother_is_refused(client, factory, family, as_):
    stranger = factory.citizen(full_name="Không Có", sex="female", date_of_birth=date(1991, 1, 1))
    pid = stranger.personal_id[:-1] + str((int(stranger.personal_id[-1]) + 1) % 10)
    response = client.post(
        "/api/v1/life-events/birth-certificates",
        headers=as_("hospital"),
        json={
            "mother_personal_id": pid,
            "child_sex": "male",
            "born_at": "2026-11-20T08:15:00+07:00",
            "weight_grams": 3000,
        },
    )
    assert response.status_code == 422 and response.json["code"] == "unknown-person"
    assert "mother_personal_id" in response.json["errors"]["json"]


def test_certificate_from_an_unknown_hospital_is_refused(client, factory, family):
    staff = factory.staff("hospital_staff", "BV-KHONG-CO")
    response = client.post(
        "/api/v1/life-events/birth-certificates",
        headers=bearer(login(client, staff.username)["access_token"]),
        json={
            "mother_personal_id": family.mother.personal_id,
            "child_sex": "male",
            "born_at": "2026-11-20T08:15:00+07:00",
            "weight_grams": 3000,
        },
    )
    assert response.status_code == 403 and response.json["code"] == "unknown-hospital"


def test_an_unknown_certificate_reference_is_refused(client, family, as_):
    response = declare_birth(client, as_, "0123456789abcdef")
    assert response.status_code == 404


def test_a_birth_cannot_be_declared_twice(client, session, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    assert declare_birth(client, as_, certificate["ref"]).status_code == 201
    again = declare_birth(client, as_, certificate["ref"], who="father", father=family.father)
    assert again.status_code == 409 and again.json["code"] == "already-registered"
    assert session.scalar(sa.select(sa.func.count()).select_from(LifeEventApplication)) == 1


def test_only_a_parent_declares(client, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    response = declare_birth(client, as_, certificate["ref"], who="grandfather")
    assert response.status_code == 403


def test_a_late_registration_is_accepted_and_flagged(client, clock, family, as_):
    certificate = birth_certificate(client, as_, family.mother, born_at="2026-09-01T08:00:00+07:00")
    clock.set(at(2026, 11, 23, 9))  # 83 days after the birth: past the 60 days
    application = declare_birth(client, as_, certificate["ref"]).json
    assert application["late"] is True
    assert "60" in application["timeline"][0]["note"]
    registered = decide(client, as_, "civil_status", step(application, "birth_registration")["id"])
    assert registered.status_code == 200


def test_head_of_household_refuses(client, session, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    application = declare_birth(client, as_, certificate["ref"]).json
    child_pid = decide(client, as_, "civil_status", step(application, "birth_registration")["id"]).json["result_ref"]
    refused = client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("grandfather"),
        json={"decision": "refuse", "note": "Nhà chật"},
    )
    assert refused.status_code == 200
    final = show(client, as_, "mother", application["ref"])
    residence = step(final, "permanent_residence")
    assert final["status"] == "refused" and residence["status"] == "refused"
    assert "other parent's household" in residence["refusal_action"]
    assert step(final, "health_insurance")["status"] == "cancelled"
    child = session.scalar(sa.select(Citizen).where(Citizen.personal_id == child_pid))
    assert child.household_id is None  # registered at birth, not placed in the household
    twice = client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("grandfather"),
        json={"decision": "consent"},
    )
    assert twice.status_code == 409
    # Only the head answers: the father is told there is nothing for him.
    other = client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("father"),
        json={"decision": "consent"},
    )
    assert other.status_code == 404


def test_a_refusal_says_why_and_what_to_do(client, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    application = declare_birth(client, as_, certificate["ref"]).json
    bare = decide(client, as_, "civil_status", step(application, "birth_registration")["id"], decision="refuse")
    assert bare.status_code == 422
    assert step(show(client, as_, "mother", application["ref"]), "birth_registration")["status"] == "ready"


def test_a_retried_certificate_and_declaration_replay_the_first(client, session, family, as_):
    from backend.life_events.models import HospitalNotification

    body = {
        "mother_personal_id": family.mother.personal_id,
        "child_sex": "male",
        "born_at": "2026-11-20T08:15:00+07:00",
        "weight_grams": 3000,
    }
    retry = {**as_("hospital"), "Idempotency-Key": "bv-test-certificate-0001"}
    first = client.post("/api/v1/life-events/birth-certificates", headers=retry, json=body)
    second = client.post("/api/v1/life-events/birth-certificates", headers=retry, json=body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json["ref"], first.json["document_id"]) == (second.json["ref"], second.json["document_id"])
    assert session.scalar(sa.select(sa.func.count()).select_from(HospitalNotification)) == 1
    other = client.post("/api/v1/life-events/birth-certificates", headers=retry, json={**body, "weight_grams": 3001})
    assert other.status_code == 409
    declaration = {
        "certificate_ref": first.json["ref"],
        "child_full_name": "Nguyễn Văn Lặp",
        "place_of_origin": "Hà Nội",
        "household_of": "mother",
    }
    key = {**as_("mother"), "Idempotency-Key": "mother-birth-0001"}
    made = client.post("/api/v1/life-events/births", headers=key, json=declaration)
    again = client.post("/api/v1/life-events/births", headers=key, json=declaration)
    assert (made.status_code, again.status_code) == (201, 201) and made.json["ref"] == again.json["ref"]
