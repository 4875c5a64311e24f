"""Kiosk check-in through the API: identification, coverage, tickets, audit and consent."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from backend.audit.models import AuditEvent
from tests.backend.health.hospital_data import add_hospital, add_kiosk, insure, proof
from tests.backend.helpers import bearer, login


def checkin(client, headers, body, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/health/checkins", json=body, headers={**headers, **extra})


def ticket(client, headers, checkin_id, department="NOI", key="key-00000001", **body):
    return client.post(
        f"/api/v1/health/checkins/{checkin_id}/tickets",
        json={"department_code": department, **body},
        headers={**headers, "Idempotency-Key": key},
    )


def test_chip_checkin_shows_masked_identity_and_coverage(client, session, factory, kiosk_headers):
    patient = factory.citizen(full_name="Trần Thị Bình", sex="female", date_of_birth=date(1985, 5, 10))
    insure(session, patient, facility="01929")
    response = checkin(client, kiosk_headers, {"identification": proof(patient)})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["patient"]["full_name"] == "Trần Thị Bình"
    assert body["patient"]["personal_id_masked"] == patient.personal_id[:4] + "******" + patient.personal_id[-2:]
    assert body["insurance"]["in_route"] is True and body["insurance"]["coverage_percent"] == 80
    assert body["insurance"]["card_number_masked"].count("*") == 7
    assert body["consent"]["active"] and body["consent"]["data_categories"] == ["identity", "health_insurance"]
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_citizen_id == patient.id))
    assert (event.purpose, event.client_kind, event.actor_role) == ("hospital check-in", "kiosk", "kiosk")


def test_out_of_route_outpatient_at_a_central_hospital_is_not_covered(client, session, factory, kiosk_headers):
    patient = factory.citizen()
    insure(session, patient, facility="01088")
    body = checkin(client, kiosk_headers, {"identification": proof(patient, method="cccd_qr")}).json
    assert (body["insurance"]["in_route"], body["insurance"]["coverage_percent"]) == (False, 0)
    assert "trái tuyến" in body["insurance"]["message_vi"]


def test_identification_must_match_the_registry_and_the_method_rules(client, factory, kiosk_headers):
    adult = factory.citizen(date_of_birth=date(1990, 1, 1))
    child = factory.citizen(date_of_birth=date(date.today().year - 8, 6, 1))
    wrong_dob = proof(adult, date_of_birth="1990-01-02")
    assert checkin(client, kiosk_headers, {"identification": wrong_dob}).status_code == 422
    unverified = proof(adult, chip=None)  # a chip "read" with nothing read: a claim, not evidence
    assert checkin(client, kiosk_headers, {"identification": unverified}).status_code == 422
    wrong_name = proof(adult, method="cccd_qr", full_name="Lê Văn Khác")
    assert checkin(client, kiosk_headers, {"identification": wrong_name}).status_code == 422
    assert checkin(client, kiosk_headers, {"identification": proof(adult, method="id_and_dob")}).status_code == 403
    typed = checkin(client, kiosk_headers, {"identification": proof(child, method="id_and_dob")})
    assert typed.status_code == 201 and typed.json["insurance"]["status"] == "none"
    extra = checkin(client, kiosk_headers, {"identification": proof(adult), "role": "admin"})
    assert extra.status_code == 422 and extra.content_type == "application/problem+json"


def test_a_signed_qr_is_used_once(client, factory, kiosk_headers, auth_headers):
    patient = factory.citizen()
    token = client.get("/api/v1/documents/identity-qr", headers=auth_headers(factory.account(patient, level=2)))
    body = {"identification": {"method": "signed_qr", "identity_token": token.json["token"]}}
    first = checkin(client, kiosk_headers, body)
    assert first.status_code == 201 and first.json["trust_level"] == "app_qr_verified"
    assert checkin(client, kiosk_headers, body).status_code == 409


def test_tickets_are_sequential_and_a_patient_gets_one_per_department(client, session, factory, kiosk_headers):
    first, second = factory.citizen(), factory.citizen(full_name="Lê Văn Bảo")
    c1 = checkin(client, kiosk_headers, {"identification": proof(first)}).json["id"]
    c2 = checkin(client, kiosk_headers, {"identification": proof(second)}).json["id"]
    t1 = ticket(client, kiosk_headers, c1, key="key-first-1")
    t2 = ticket(client, kiosk_headers, c2, key="key-second-1")
    assert (t1.status_code, t1.json["number"], t2.json["number"]) == (201, 1, 2)
    assert t2.json["waiting_ahead"] == 1 and t1.json["patient_name_masked"] == "N. V. An"
    # Same patient, same department, a new check-in: the same ticket comes back.
    c3 = checkin(client, kiosk_headers, {"identification": proof(first)}).json["id"]
    again = ticket(client, kiosk_headers, c3, key="key-first-2")
    assert (again.status_code, again.json["id"], again.json["existing"]) == (200, t1.json["id"], True)
    other_department = ticket(client, kiosk_headers, c3, department="MAT", key="key-first-3")
    assert other_department.json["number"] == 1


def test_idempotency_key_replays_and_refuses_a_different_body(client, factory, kiosk_headers):
    patient = factory.citizen()
    cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    first = ticket(client, kiosk_headers, cid, key="retry-key-1")
    replay = ticket(client, kiosk_headers, cid, key="retry-key-1")
    assert replay.json["id"] == first.json["id"] and replay.json["number"] == first.json["number"]
    conflict = ticket(client, kiosk_headers, cid, department="MAT", key="retry-key-1")
    assert conflict.status_code == 409 and conflict.json["code"] == "idempotency-key-reused"
    missing = client.post(
        f"/api/v1/health/checkins/{cid}/tickets", json={"department_code": "NOI"}, headers=kiosk_headers
    )
    assert missing.status_code == 422


def test_closed_unknown_and_foreign_departments(client, session, factory, kiosk_headers):
    patient = factory.citizen()
    cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    assert ticket(client, kiosk_headers, cid, department="DONG", key="k-closed-1").status_code == 409
    assert ticket(client, kiosk_headers, cid, department="NOPE", key="k-unknown-1").status_code == 404
    other = add_hospital(session, code="BV-KHAC", facility_code="99999")
    other_kiosk = add_kiosk(session, factory, other)
    foreign = bearer(login(client, other_kiosk.username)["access_token"])
    assert ticket(client, foreign, cid, key="k-foreign-1").status_code == 404


def test_offline_sync_keeps_the_provisional_number_inside_the_kiosk_range(client, factory, kiosk_headers):
    patient = factory.citizen()
    earlier = (datetime.now(UTC) - timedelta(minutes=40)).isoformat()
    body = {"identification": proof(patient), "identified_at": earlier}
    cid = checkin(client, kiosk_headers, body, key="offline-checkin-1").json["id"]
    replayed = checkin(client, kiosk_headers, body, key="offline-checkin-1").json["id"]
    assert replayed == cid
    outside = ticket(client, kiosk_headers, cid, key="offline-t-0", provisional_number=10_100)
    assert outside.status_code == 422
    synced = ticket(client, kiosk_headers, cid, key="offline-t-1", provisional_number=10_001)
    assert synced.status_code == 201 and synced.json["provisional"] and synced.json["number"] == 10_001
    profile = client.get("/api/v1/health/kiosks/me", headers=kiosk_headers).json
    assert (profile["provisional_range_start"], profile["provisional_range_end"]) == (10_000, 10_099)


def test_staff_see_and_call_their_queue(client, session, factory, kiosk_headers, hospital):
    staff = factory.staff("hospital_staff", hospital.code)
    headers = bearer(login(client, staff.username)["access_token"])
    for name in ("Nguyễn Văn An", "Lê Thị Hoa"):
        patient = factory.citizen(full_name=name, sex="female" if "Thị" in name else "male")
        cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
        ticket(client, kiosk_headers, cid, key=f"staff-{patient.id}-x")
    queue = client.get("/api/v1/health/queues/NOI", headers=headers).json
    assert [t["number"] for t in queue["tickets"]] == [1, 2] and queue["waiting"] == 2
    called = client.post("/api/v1/health/queues/NOI/call", headers=headers)
    assert called.status_code == 200 and called.json["number"] == 1 and called.json["status"] == "called"
    assert client.get("/api/v1/health/queues/NOI", headers=headers).json["waiting"] == 1
    elsewhere = factory.staff("hospital_staff", "BV-NOWHERE")
    other = bearer(login(client, elsewhere.username)["access_token"])
    assert client.get("/api/v1/health/queues/NOI", headers=other).status_code == 404


def test_consent_is_listed_for_the_citizen_and_revocable(client, session, factory, kiosk_headers, hospital):
    patient = factory.citizen()
    account = factory.account(patient)
    staff = factory.staff("hospital_staff", hospital.code)
    result = checkin(client, kiosk_headers, {"identification": proof(patient)}).json
    ticket(client, kiosk_headers, result["id"], key="consent-t-1")
    citizen = bearer(login(client, account.username)["access_token"])
    consents = client.get("/api/v1/me/consents", headers=citizen).json
    assert [c["recipient_name"] for c in consents] == ["Bệnh viện Thử nghiệm"]
    assert consents[0]["purpose"] == "hospital check-in"
    log = client.get("/api/v1/me/access-log", headers=citizen).json["items"]
    assert {e["purpose"] for e in log} == {"hospital check-in"}
    revoked = client.post(f"/api/v1/me/consents/{consents[0]['id']}/revoke", headers=citizen)
    assert revoked.status_code == 200 and revoked.json["active"] is False and revoked.json["revoked_at"]
    queue = client.get("/api/v1/health/queues/NOI", headers=bearer(login(client, staff.username)["access_token"]))
    assert queue.json["tickets"][0]["patient_name_masked"] is None
    assert ticket(client, kiosk_headers, result["id"], department="MAT", key="consent-t-2").status_code == 403
    stranger = bearer(login(client, factory.account(factory.citizen()).username)["access_token"])
    assert client.post(f"/api/v1/me/consents/{consents[0]['id']}/revoke", headers=stranger).status_code == 404


def test_staff_provision_kiosks_with_separate_offline_blocks(client, factory, hospital):
    staff = factory.staff("hospital_staff", hospital.code)
    headers = bearer(login(client, staff.username)["access_token"])
    body = {"username": "kiosk.test.a", "password": "kiosk-password-123", "display_name": "Ki-ốt A"}
    first = client.post("/api/v1/health/kiosks", json=body, headers=headers)
    second = client.post("/api/v1/health/kiosks", json={**body, "username": "kiosk.test.b"}, headers=headers)
    assert first.status_code == 201 and first.json["hospital"]["code"] == hospital.code
    assert second.json["provisional_range_start"] == first.json["provisional_range_end"] + 1
    assert client.post("/api/v1/health/kiosks", json=body, headers=headers).status_code == 409
    kiosk = bearer(login(client, "kiosk.test.a", "kiosk-password-123")["access_token"])
    assert client.get("/api/v1/health/kiosks/me", headers=kiosk).status_code == 200


def test_public_directory(client, hospital):
    hospitals = client.get("/api/v1/health/hospitals").json
    assert hospital.code in [h["code"] for h in hospitals]
    departments = client.get(f"/api/v1/health/hospitals/{hospital.code}/departments").json
    by_code = {d["code"]: d for d in departments}
    assert by_code["NOI"]["open_now"] is True and by_code["DONG"]["open_now"] is False
    assert client.get("/api/v1/health/hospitals/NOPE/departments").status_code == 404


def test_a_lost_answer_retried_with_a_provisional_number_renumbers_that_ticket(client, factory, kiosk_headers):
    """The kiosk sent the ticket request, lost the answer, printed provisional number 10 000 and syncs the
    same request (same key) with it: the one ticket takes the printed number; nothing is doubled."""
    patient = factory.citizen()
    cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    lost = ticket(client, kiosk_headers, cid, key="lost-answer-1")
    assert (lost.status_code, lost.json["number"]) == (201, 1)
    synced = ticket(client, kiosk_headers, cid, key="lost-answer-1", provisional_number=10_000)
    assert (synced.json["id"], synced.json["number"], synced.json["provisional"]) == (lost.json["id"], 10_000, True)
    again = ticket(client, kiosk_headers, cid, key="lost-answer-1", provisional_number=10_000)
    assert (again.json["id"], again.json["number"]) == (lost.json["id"], 10_000)
    other = ticket(client, kiosk_headers, cid, department="MAT", key="lost-answer-1", provisional_number=10_001)
    assert other.status_code == 409 and other.json["code"] == "idempotency-key-reused"


def test_an_offline_ticket_syncs_after_the_check_in_expired(client, factory, kiosk_headers, monkeypatch):
    patient = factory.citizen()
    cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    later = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr("backend.core.clock.utcnow", lambda: later)
    assert ticket(client, kiosk_headers, cid, key="late-online-1").status_code == 409
    synced = ticket(client, kiosk_headers, cid, key="late-offline-1", provisional_number=10_000)
    assert synced.status_code == 201 and synced.json["number"] == 10_000
