"""The birth chain through the API: hospital certificate → one declaration → civil status, police and social
insurance each decide their step from their own queue; the child gets a personal ID, a household and a TE card
that hospital check-in sees at once."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from backend.health.models import Hospital
from backend.registry.models import Citizen, HealthInsuranceCard
from shared_schemas import personal_id
from tests.backend.health.hospital_data import add_kiosk, proof
from tests.backend.helpers import bearer, login
from tests.backend.life_events.steps import birth_certificate, decide, declare_birth, show, step


def test_birth_chain_end_to_end(client, session, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    documents = client.get("/api/v1/documents", headers=as_("mother")).json
    assert any(d["id"] == certificate["document_id"] for d in documents)  # the family sees it in the app

    response = declare_birth(client, as_, certificate["ref"], father=family.father)
    assert response.status_code == 201, response.json
    application = response.json
    assert application["late"] is False
    assert [s["status"] for s in application["steps"]] == ["ready", "waiting", "waiting"]
    assert step(application, "birth_registration")["due_on"] == "2026-11-25"  # 24/11: Culture Day

    queue = client.get("/api/v1/life-events/queue", headers=as_("civil_status")).json
    first = next(s for s in queue if s["application_ref"] == application["ref"])
    assert client.get("/api/v1/life-events/queue", headers=as_("civil_status_elsewhere")).json == []
    assert decide(client, as_, "civil_status_elsewhere", first["id"]).status_code == 403
    assert decide(client, as_, "police", first["id"]).status_code == 403  # wrong agency
    done = decide(client, as_, "civil_status", first["id"])
    assert done.status_code == 200, done.json
    child_pid = done.json["result_ref"]
    parts = personal_id.validate(child_pid, sex="female", date_of_birth=date(2026, 11, 20))
    assert parts.province_code == "001"  # registered in Hà Nội

    # The grandfather heads the household: the residence step waits for his consent, not in the police queue.
    application = show(client, as_, "mother", application["ref"])
    assert step(application, "permanent_residence")["status"] == "awaiting_consent"
    inbox = client.get("/api/v1/notifications", headers=as_("grandfather")).json
    assert any(application["ref"] in (n.get("ref") or "") for n in inbox["items"]), inbox
    assert show(client, as_, "grandfather", application["ref"])["ref"] == application["ref"]  # what he consents to
    consent = client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("grandfather"),
        json={"decision": "consent"},
    )
    assert consent.status_code == 200, consent.json
    residence = step(consent.json, "permanent_residence")
    assert residence["status"] == "ready" and residence["due_on"] == "2026-12-03"  # 7 working days
    assert decide(client, as_, "police", residence["id"]).status_code == 200

    card_step = step(show(client, as_, "mother", application["ref"]), "health_insurance")
    card = decide(client, as_, "social_insurance", card_step["id"])
    assert card.status_code == 200, card.json

    final = show(client, as_, "mother", application["ref"])
    assert final["status"] == "completed"
    assert [e["status"] for e in final["timeline"]][0] == "submitted"
    assert final["timeline"][-1]["status"] == "completed"
    child = session.scalar(sa.select(Citizen).where(Citizen.personal_id == child_pid))
    assert child.household_id == family.household.id and child.full_name == "Nguyễn Thị Con"
    issued = session.scalar(sa.select(HealthInsuranceCard).where(HealthInsuranceCard.citizen_id == child.id))
    assert issued.card_number.startswith("TE101") and issued.benefit_level == 1
    assert (issued.valid_from, issued.valid_to) == (date(2026, 11, 20), date(2032, 11, 19))
    extracts = client.get("/api/v1/documents", headers=as_("mother")).json
    assert any(d["id"] == step(final, "birth_registration")["document_id"] for d in extracts)
    audited = session.scalars(sa.select(AuditEvent.record_type).where(AuditEvent.subject_citizen_id == child.id))
    assert {"birth-registration", "permanent-residence", "health-insurance-card"} <= set(audited)


def test_new_child_card_is_seen_by_hospital_check_in_at_once(client, session, factory, family, as_):
    certificate = birth_certificate(client, as_, family.mother)
    application = declare_birth(client, as_, certificate["ref"], who="father", father=family.father).json
    child_pid = decide(client, as_, "civil_status", step(application, "birth_registration")["id"]).json["result_ref"]
    client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("grandfather"),
        json={"decision": "consent"},
    )
    for name, officer in (("permanent_residence", "police"), ("health_insurance", "social_insurance")):
        current = step(show(client, as_, "father", application["ref"]), name)
        assert decide(client, as_, officer, current["id"]).status_code == 200
    kiosk = add_kiosk(session, factory, session.scalar(sa.select(Hospital)))
    child = session.scalar(sa.select(Citizen).where(Citizen.personal_id == child_pid))
    response = client.post(
        "/api/v1/health/checkins",
        headers=bearer(login(client, kiosk.username)["access_token"]),
        json={"identification": proof(child, method="id_and_dob")},
    )
    assert response.status_code == 201, response.json
    insurance = response.json["insurance"]
    assert (insurance["status"], insurance["valid_to"], insurance["coverage_percent"]) == ("valid", "2032-11-19", 100)
