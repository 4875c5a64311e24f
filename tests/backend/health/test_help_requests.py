"""Calls for help from kiosks: a kiosk calls, its hospital's staff see the call at once and acknowledge it;
staff elsewhere do not see it; a second press is the same call; an enrolled kiosk's call is a fleet alert."""

from __future__ import annotations

from tests.backend.fleet.fleet_data import enrolled_agent
from tests.backend.helpers import bearer, login

URL = "/api/v1/health/help-requests"


def _staff_headers(client, factory, hospital_code):
    return bearer(login(client, factory.staff("hospital_staff", hospital_code).username)["access_token"])


def test_a_kiosk_call_reaches_its_hospitals_staff_and_is_acknowledged(client, factory, hospital, kiosk_headers):
    staff = _staff_headers(client, factory, hospital.code)
    assert client.get(URL, headers=staff).json == []
    response = client.post(
        URL, headers=kiosk_headers, json={"screen": "insurance", "reason": "patient_asked", "language": "vi"}
    )
    assert response.status_code == 201, response.json
    call = response.json
    assert (call["screen"], call["reason"], call["state"], call["hospital_code"]) == (
        "insurance",
        "patient_asked",
        "open",
        hospital.code,
    )
    listed = client.get(URL, headers=staff).json
    assert [c["id"] for c in listed] == [call["id"]] and listed[0]["kiosk"]

    acknowledged = client.post(f"{URL}/{call['id']}/acknowledge", headers=staff)
    assert acknowledged.status_code == 200 and acknowledged.json["state"] == "acknowledged"
    assert client.get(URL, headers=staff).json == []
    assert [c["id"] for c in client.get(URL, headers=staff, query_string={"state": "all"}).json] == [call["id"]]


def test_a_second_press_is_the_same_call_until_staff_answer(client, factory, hospital, kiosk_headers):
    first = client.post(URL, headers=kiosk_headers, json={"screen": "welcome"})
    again = client.post(URL, headers=kiosk_headers, json={"screen": "identify", "reason": "identify_failed"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["existing"] is True
    staff = _staff_headers(client, factory, hospital.code)
    client.post(f"{URL}/{first.json['id']}/acknowledge", headers=staff)
    later = client.post(URL, headers=kiosk_headers, json={"screen": "ticket", "reason": "print_failed"})
    assert later.status_code == 201 and later.json["id"] != first.json["id"]


def test_staff_of_another_hospital_neither_see_nor_acknowledge_the_call(client, factory, hospital, kiosk_headers):
    call = client.post(URL, headers=kiosk_headers, json={"screen": "welcome"}).json
    elsewhere = factory.staff("hospital_staff", "BV-NOWHERE")
    headers = bearer(login(client, elsewhere.username)["access_token"])
    assert client.get(URL, headers=headers).status_code == 404
    assert client.post(f"{URL}/{call['id']}/acknowledge", headers=headers).status_code == 404
    own = _staff_headers(client, factory, hospital.code)
    assert client.get(URL, headers=own).json[0]["state"] == "open"


def test_bad_input_is_a_clear_422(client, kiosk_headers):
    for body in (
        {},
        {"screen": "nowhere"},
        {"screen": "welcome", "reason": "bored"},
        {"screen": "welcome", "detail": "x" * 201},
        {"screen": "welcome", "full_name": "Nguyễn Văn An"},
    ):
        response = client.post(URL, headers=kiosk_headers, json=body)
        assert response.status_code == 422, body
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_an_enrolled_kiosks_call_is_recorded_by_the_fleet(client, factory, auth_headers, hospital, tmp_path):
    admin_headers = auth_headers(factory.staff("fleet_admin", username="fleet.admin.help"))
    agent, _hooks = enrolled_agent(client, admin_headers, hospital.code, tmp_path / "kiosk")
    token, _ = agent.device_token()
    call = client.post(URL, headers=bearer(token), json={"screen": "ticket", "reason": "print_failed"}).json
    assert call["fleet_kiosk_id"] == agent.kiosk_id
    alerts = client.get("/api/v1/fleet/alerts", headers=admin_headers).json
    assert [(a["kind"], a["kiosk_id"]) for a in alerts] == [("help_requested", agent.kiosk_id)]

    client.post(f"{URL}/{call['id']}/acknowledge", headers=_staff_headers(client, factory, hospital.code))
    alerts = client.get("/api/v1/fleet/alerts", headers=admin_headers, query_string={"state": "open"}).json
    assert alerts == []


# --- the patient's choice on the ticket: khám BHYT or khám dịch vụ (issue 19) --------------------------------
def test_the_ticket_records_the_insured_or_self_paid_choice_and_staff_see_it(
    client, session, factory, hospital, kiosk_headers
):
    from tests.backend.health.hospital_data import insure, proof

    staff = _staff_headers(client, factory, hospital.code)
    insured = factory.citizen(full_name="Trần Thị Bình", sex="female")
    insure(session, insured, facility=hospital.facility_code)
    uninsured = factory.citizen(full_name="Lê Văn Cường")
    choices = []
    for patient, asked in ((insured, "self_pay"), (insured, "insurance"), (uninsured, "insurance")):
        cid = client.post(
            "/api/v1/health/checkins", headers=kiosk_headers, json={"identification": proof(patient)}
        ).json["id"]
        department = "MAT" if (patient is insured and asked == "insurance") else "NOI"
        response = client.post(
            f"/api/v1/health/checkins/{cid}/tickets",
            headers={**kiosk_headers, "Idempotency-Key": f"pay-{patient.id}-{asked}"},
            json={"department_code": department, "payment": asked},
        )
        assert response.status_code in (200, 201), response.json
        choices.append(response.json["payment"])
    # An insured visit needs a card that pays here: without one it is self-paid, whatever the kiosk asked.
    assert choices == ["self_pay", "insurance", "self_pay"]
    queue = client.get("/api/v1/health/queues/NOI", headers=staff).json
    assert [t["payment"] for t in queue["tickets"]] == ["self_pay", "self_pay"]
    bad = client.post(
        f"/api/v1/health/checkins/{cid}/tickets",
        headers={**kiosk_headers, "Idempotency-Key": "pay-x"},
        json={"department_code": "NOI", "payment": "free"},
    )
    assert bad.status_code == 422
