"""API shortcuts for the chain tests: issue the hospital's document, apply, find and decide steps."""

from __future__ import annotations


def birth_certificate(client, as_, mother, *, born_at="2026-11-20T08:15:00+07:00", sex="female"):
    response = client.post(
        "/api/v1/life-events/birth-certificates",
        headers=as_("hospital"),
        json={"mother_personal_id": mother.personal_id, "child_sex": sex, "born_at": born_at, "weight_grams": 3100},
    )
    assert response.status_code == 201, response.json
    return response.json


def declare_birth(client, as_, certificate_ref, *, who="mother", father=None, household_of=None, **extra):
    body = {
        "certificate_ref": certificate_ref,
        "child_full_name": "Nguyễn Thị Con",
        "place_of_origin": "Xã Yên Phong, tỉnh Bắc Ninh",
        "household_of": household_of or ("father" if father else "mother"),
        **extra,
    }
    if father is not None:
        body["father_personal_id"] = father.personal_id
    return client.post("/api/v1/life-events/births", headers=as_(who), json=body)


def step(application: dict, name: str) -> dict:
    return next(s for s in application["steps"] if s["step"] == name)


def decide(client, as_, officer: str, step_id: int, decision="approve", **extra):
    return client.post(
        f"/api/v1/life-events/steps/{step_id}/decision", headers=as_(officer), json={"decision": decision, **extra}
    )


def show(client, as_, who: str, ref: str) -> dict:
    response = client.get(f"/api/v1/life-events/applications/{ref}", headers=as_(who))
    assert response.status_code == 200, response.json
    return response.json
