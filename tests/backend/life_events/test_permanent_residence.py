"""Permanent residence as a service of its own: the head consents, the commune police decide within 7 working
days, the applicant joins the household."""

from __future__ import annotations

from datetime import date

from tests.backend.life_events.steps import decide, show, step


def test_a_citizen_joins_a_household_with_the_heads_consent(client, session, factory, family, as_):
    nephew = factory.citizen(
        full_name="Lê Văn Cháu",
        date_of_birth=date(2000, 4, 4),
        ward_code="26740",
        province_code="79",
        birth_province="079",
    )
    family.accounts["nephew"] = factory.account(nephew, level=2)
    body = {"household_number": family.household.household_number, "relation": "Cháu", "reason": "Về ở cùng ông"}
    answer = client.post("/api/v1/life-events/permanent-residence", headers=as_("nephew"), json=body)
    assert answer.status_code == 201, answer.json
    application = answer.json
    assert step(application, "permanent_residence")["status"] == "awaiting_consent"
    again = client.post("/api/v1/life-events/permanent-residence", headers=as_("nephew"), json=body)
    assert again.status_code == 409
    assert client.get("/api/v1/life-events/queue", headers=as_("police")).json == []
    consent = client.post(
        f"/api/v1/life-events/applications/{application['ref']}/household-consent",
        headers=as_("grandfather"),
        json={"decision": "consent"},
    )
    ready = step(consent.json, "permanent_residence")
    assert ready["status"] == "ready" and ready["due_on"] == "2026-12-03"  # 7 working days, 24/11 off
    assert decide(client, as_, "police", ready["id"]).status_code == 200
    assert show(client, as_, "nephew", application["ref"])["status"] == "completed"
    session.expire_all()
    assert (nephew.household_id, nephew.relation_to_head) == (family.household.id, "Cháu")
    assert (nephew.permanent_ward_code, nephew.permanent_province_code) == ("00088", "01")


def test_an_unknown_household_is_refused(client, family, as_):
    answer = client.post(
        "/api/v1/life-events/permanent-residence",
        headers=as_("father"),
        json={"household_number": "HK99999999", "relation": "Con", "reason": "Chuyển về"},
    )
    assert answer.status_code == 404
