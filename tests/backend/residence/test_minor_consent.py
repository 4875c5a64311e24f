"""A minor's temporary-residence application waits for a parent's consent before the owner's and before review
(Luật Cư trú 2020 Art. 28(1)(a); minors are under 18, Civil Code 2015 Art. 21). The parent is the one the
population registry records, not whoever the applicant names."""

from __future__ import annotations

from datetime import date

import pytest

from tests.backend.helpers import bearer, login

APPLY = "/api/v1/residence/applications"


def _years_ago(today: date, years: int, plus_days: int = 0) -> date:
    from datetime import timedelta

    return today.replace(year=today.year - years) + timedelta(days=plus_days)


@pytest.fixture()
def teen(factory, people, client):
    """A teenager in the applicant's household (the applicant is the head, so the registry shows a parent)."""

    def make(born: date):
        person = factory.citizen(
            full_name="Nguyễn Văn Trẻ",
            date_of_birth=born,
            household_id=people["applicant"].household_id,
            relation_to_head="Con",
        )
        account = factory.account(person, level=2)
        return person, bearer(login(client, account.username)["access_token"])

    return make


def _body(application_body, **extra):
    body = {k: v for k, v in application_body.items() if k != "member_personal_ids"}
    return {**body, **extra}


def test_a_minor_needs_the_registered_parents_consent_before_owner_and_review(
    client, api, people, teen, application_body, today
):
    minor, headers = teen(_years_ago(today, 18, plus_days=1))  # turns 18 tomorrow: still a minor
    without = client.post(APPLY, json=_body(application_body), headers=headers)
    assert without.status_code == 422 and "guardian_personal_id" in without.json["errors"]["json"]
    stranger = client.post(
        APPLY, json=_body(application_body, guardian_personal_id=people["stranger"].personal_id), headers=headers
    )
    assert stranger.status_code == 422  # not the parent the registry records

    created = client.post(
        APPLY, json=_body(application_body, guardian_personal_id=people["applicant"].personal_id), headers=headers
    )
    assert created.status_code == 201, created.json
    app_id = created.json["id"]
    assert created.json["status"] == "awaiting_parent_consent" and created.json["due_on"] is None
    # Neither the owner nor the stranger can skip the parent's step.
    assert api("owner", "POST", f"{APPLY}/{app_id}/consent", json={"decision": "consent"}).status_code in (403, 409)
    assert api("stranger", "POST", f"{APPLY}/{app_id}/consent", json={"decision": "consent"}).status_code == 403
    pending = api("applicant", "GET", "/api/v1/residence/consent-requests").json
    assert [a["id"] for a in pending] == [app_id]
    parent = api("applicant", "POST", f"{APPLY}/{app_id}/consent", json={"decision": "consent"})
    assert parent.status_code == 200, parent.json
    assert parent.json["status"] == "awaiting_owner_consent"
    owner = api("owner", "POST", f"{APPLY}/{app_id}/consent", json={"decision": "consent"})
    assert owner.json["status"] == "under_review" and owner.json["due_on"]
    assert [e["status"] for e in owner.json["events"]] == [
        "submitted",
        "awaiting_parent_consent",
        "awaiting_owner_consent",
        "under_review",
    ]


def test_a_parent_who_refuses_ends_the_application(client, api, people, teen, application_body, today):
    minor, headers = teen(date(2011, 3, 3))
    created = client.post(
        APPLY, json=_body(application_body, guardian_personal_id=people["applicant"].personal_id), headers=headers
    ).json
    refused = api("applicant", "POST", f"{APPLY}/{created['id']}/consent", json={"decision": "refuse"})
    assert refused.json["status"] == "rejected"


def test_an_adult_from_the_18th_birthday_applies_alone(client, people, teen, application_body, today):
    adult, headers = teen(_years_ago(today, 18))  # 18 today
    created = client.post(APPLY, json=_body(application_body), headers=headers)
    assert created.status_code == 201 and created.json["status"] == "awaiting_owner_consent"
    named = client.post(
        APPLY,
        json=_body(application_body, street="Số 46 Đường Lê Lợi", guardian_personal_id=people["applicant"].personal_id),
        headers=headers,
    )
    assert named.status_code == 422
