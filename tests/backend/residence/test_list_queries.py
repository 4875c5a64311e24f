"""Residence lists read their applications in a fixed number of statements, however many there are."""

from __future__ import annotations

from tests.backend.statements import flat_as_rows_grow


def _apply_and_withdraw(api, body, times: int, start: int) -> None:
    for i in range(start, start + times):
        created = api(
            "applicant",
            "POST",
            "/api/v1/residence/applications",
            json=body,
            headers={"Idempotency-Key": f"n1-apply-{i:04d}"},
        )
        assert created.status_code == 201, created.json
        withdrawn = api("applicant", "POST", f"/api/v1/residence/applications/{created.json['id']}/withdraw")
        assert withdrawn.status_code == 200, withdrawn.json


def test_my_applications_do_not_query_per_application(app, api, application_body):
    _apply_and_withdraw(api, application_body, 1, 0)

    def read():
        response = api("applicant", "GET", "/api/v1/residence/applications")
        assert response.status_code == 200
        return response

    before, after = flat_as_rows_grow(app, read, lambda: _apply_and_withdraw(api, application_body, 3, 1))
    listed = read().json
    assert len(listed) == 4 and all(a["members"][0]["full_name"] == "Nguyễn Thị Hồng" for a in listed)
    assert after == before


def test_consent_requests_do_not_query_per_application(app, api, people, application_body):
    def apply(who, key):
        body = {**application_body, "member_personal_ids": []}
        response = api(who, "POST", "/api/v1/residence/applications", json=body, headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.json

    apply("applicant", "n1-consent-0001")

    def read():
        return api("owner", "GET", "/api/v1/residence/consent-requests")

    before, after = flat_as_rows_grow(app, read, lambda: apply("stranger", "n1-consent-0002"))
    assert len(read().json) == 2 and after == before
