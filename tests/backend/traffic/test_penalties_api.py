"""Traffic fines end to end through the API: an officer records a violation, the citizen sees it with the
surcharge due on a given day, pays (the gateway calls back twice), the fine is paid once and the receipt
verifies; a suspension shows on the licence for exactly its period."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.notifications.models import Notification
from backend.payments.models import PaymentPosting
from backend.registry.models import DrivingLicence, Vehicle
from backend.traffic.models import PenaltyDecision
from tests.backend.payments.support import Clock, at, callback, deliver, open_intent, simulated_gateway

PENALTIES = "/api/v1/traffic/penalties"


@pytest.fixture()
def clock(app, monkeypatch):
    clock = Clock(at(2026, 11, 2))
    monkeypatch.setitem(app.config, "CLOCK", clock)
    return clock


@pytest.fixture()
def world(factory, auth_headers, session):
    driver = factory.citizen(full_name="Phạm Văn Lái")
    owner = factory.citizen(full_name="Trần Thị Chủ", sex="female")
    car = Vehicle(
        plate="30A12345",
        kind="car",
        brand="Toyota",
        owner_citizen_id=owner.id,
        registered_on=date(2020, 1, 1),
    )
    bike = Vehicle(
        plate="29B112345",
        kind="motorbike",
        brand="Honda",
        owner_citizen_id=driver.id,
        registered_on=date(2020, 1, 1),
    )
    licence_b = DrivingLicence(
        number="010000000777", licence_class="B", citizen_id=driver.id, issued_on=date(2015, 1, 1)
    )
    licence_a = DrivingLicence(
        number="010000000778", licence_class="A1", citizen_id=driver.id, issued_on=date(2012, 1, 1)
    )
    session.add_all([car, bike, licence_b, licence_a])
    session.flush()
    officer = factory.staff("officer", "01")
    return {
        "driver": driver,
        "owner": owner,
        "licence_b": licence_b,
        "licence_a": licence_a,
        "officer": auth_headers(officer),
        "elsewhere": auth_headers(factory.staff("officer", "79")),
        "driver_h": auth_headers(factory.account(driver, level=2)),
        "owner_h": auth_headers(factory.account(owner, level=1)),
    }


def record(client, headers, key="decision-0001", **fields):
    body = {
        "violation_code": "OTO-DEN-DO",
        "occurred_at": "2026-11-02T09:15:00+07:00",
        "place": "Ngã tư Tràng Tiền - Hàng Bài",
        "ward_code": "00088",
        **fields,
    }
    return client.post(PENALTIES, json=body, headers={**headers, "Idempotency-Key": key})


def test_record_see_surcharge_pay_twice_posted_once_receipt_verifies(client, world, clock, session, app):
    created = record(client, world["officer"], plate="30A-123.45", licence_number="010000000777")
    assert created.status_code == 201, created.json
    decision = created.json
    assert decision["fine_amount"] == 19_000_000 and decision["points_deducted"] == 4
    assert decision["payment_deadline"] == "2026-11-12"
    number = decision["number"]

    # The citizen sees it, with the surcharge accrued on a chosen day.
    def due_on(day):
        listed = client.get(f"{PENALTIES}/mine?on={day}", headers=world["driver_h"]).json
        return next(d for d in listed if d["number"] == number)["amount_due"]

    assert due_on("2026-11-12") == {
        "on": "2026-11-12",
        "fine": 19_000_000,
        "days_late": 0,
        "surcharge": 0,
        "total": 19_000_000,
    }
    # Late days run from the day after the deadline up to the day before payment (issue 14).
    assert due_on("2026-11-13")["surcharge"] == 0
    assert due_on("2026-11-14")["surcharge"] == 9_500
    assert due_on("2026-11-20") == {
        "on": "2026-11-20",
        "fine": 19_000_000,
        "days_late": 7,
        "surcharge": 66_500,
        "total": 19_066_500,
    }
    # The car's owner sees it too (it is on their vehicle).
    assert any(d["number"] == number for d in client.get(f"{PENALTIES}/mine", headers=world["owner_h"]).json)

    clock.set(at(2026, 11, 20, 8))
    stale = open_intent(client, world["driver_h"], "traffic-fine", number, 19_000_000)
    assert stale.status_code == 422 and stale.json["code"] == "amount-mismatch"
    assert stale.json["amount_due"] == 19_066_500
    intent = open_intent(client, world["driver_h"], "traffic-fine", number, 19_066_500, key="pay-key-0002")
    assert intent.status_code == 201, intent.json
    again = open_intent(client, world["driver_h"], "traffic-fine", number, 19_066_500, key="pay-key-0002")
    assert again.json["id"] == intent.json["id"]  # a retried request replays, no second intent

    signed = callback(app, intent.json, at(2026, 11, 20, 8, 5))
    first = deliver(client, signed)
    assert first.status_code == 200 and first.json["result"] == "posted", first.json
    # The exact same message again (same nonce) is a replay.
    replay = deliver(client, signed)
    assert replay.status_code == 409 and replay.json["code"] == "callback-replayed"
    # Later, the gateway re-delivers the same result (signed afresh): applied once.
    clock.set(at(2026, 11, 20, 9))
    redelivery = simulated_gateway(app).resign(signed.body, now=at(2026, 11, 20, 9, 1))
    second = deliver(client, redelivery)
    assert second.status_code == 200 and second.json["result"] == "already-posted"
    assert second.json["receipt_number"] == first.json["receipt_number"]
    # An hour later the captured message is refused as stale too.
    stale_replay = deliver(client, signed)
    assert stale_replay.status_code == 401 and stale_replay.json["code"] == "callback-stale"

    postings = session.scalars(sa.select(PaymentPosting).where(PaymentPosting.purpose_ref == number)).all()
    assert len(postings) == 1 and postings[0].amount == 19_066_500
    paid = client.get(f"{PENALTIES}/{number}", headers=world["driver_h"]).json
    assert paid["status"] == "paid" and paid["paid_amount"] == 19_066_500 and paid["amount_due"] is None

    # Paying again is refused.
    refused = open_intent(client, world["driver_h"], "traffic-fine", number, 19_066_500, key="pay-key-0003")
    assert refused.status_code == 409 and refused.json["code"] == "penalty-not-payable"

    # The receipt is a signed document the citizen holds, and it verifies.
    status = client.get(f"/api/v1/payments/intents/{intent.json['id']}", headers=world["driver_h"]).json
    assert status["status"] == "succeeded" and status["receipt_number"] == first.json["receipt_number"]
    document = client.get(f"/api/v1/documents/{status['receipt_document_id']}", headers=world["driver_h"]).json
    assert document["doc_type"] == "traffic-fine-receipt" and document["content"]["amount"] == 19_066_500
    # The receipt splits the total into the fine and the late surcharge, which add up to what was paid.
    items = [item["amount"] for item in document["content"]["items"]]
    assert len(items) == 2 and items[1] > 0 and sum(items) == 19_066_500
    verified = client.post("/api/v1/documents/verify", json={"token": document["token"]}).json
    assert verified["status"] == "valid"
    pdf = client.get(f"/api/v1/documents/{status['receipt_document_id']}/pdf", headers=world["driver_h"])
    assert pdf.data.startswith(b"%PDF")


def test_suspension_shows_on_the_licence_for_exactly_its_period(client, world, clock):
    created = record(
        client,
        world["officer"],
        violation_code="OTO-CON-MUC-3",
        driver_personal_id=world["driver"].personal_id,
        fine_amount=35_000_000,
        suspension_months=22,
    )
    assert created.status_code == 201, created.json
    assert created.json["suspension_starts_on"] == "2026-11-02" and created.json["suspension_ends_on"] == "2028-09-02"

    def status(day, headers=world["driver_h"]):
        licences = client.get(f"/api/v1/traffic/licences/mine?on={day}", headers=headers).json
        return next(lic for lic in licences if lic["number"] == "010000000777")

    assert status("2026-11-01")["status"] == "valid"
    on_first_day = status("2026-11-02")
    assert on_first_day["status"] == "suspended" and on_first_day["suspended_until"] == "2028-09-02"
    assert status("2028-09-01")["status"] == "suspended"
    assert status("2028-09-02")["status"] == "valid"
    # The A1 licence is untouched by a car offence.
    licences = client.get("/api/v1/traffic/licences/mine?on=2027-01-01", headers=world["driver_h"]).json
    assert next(lic for lic in licences if lic["number"] == "010000000778")["status"] == "valid"
    # An officer anywhere sees the suspension on a look-up (audited).
    looked_up = client.get(
        "/api/v1/traffic/licences/010000000777?purpose=roadside+check&on=2027-05-01",
        headers=world["elsewhere"],
    )
    assert looked_up.status_code == 200
    assert looked_up.json["status"] == "suspended" and looked_up.json["suspended_from"] == "2026-11-02"


def test_points_deducted_on_the_licence(client, world, clock):
    assert (
        record(
            client,
            world["officer"],
            violation_code="XM-DEN-DO",
            plate="29-B1 123.45",
            driver_personal_id=world["driver"].personal_id,
        ).status_code
        == 201
    )
    licences = {
        lic["number"]: lic
        for lic in client.get("/api/v1/traffic/licences/mine?on=2026-11-03", headers=world["driver_h"]).json
    }
    assert licences["010000000778"]["points"] == 8 and licences["010000000777"]["points"] == 12
    assert {
        lic["number"]: lic
        for lic in client.get("/api/v1/traffic/licences/mine?on=2027-11-02", headers=world["driver_h"]).json
    }["010000000778"]["points"] == 12


def test_camera_violation_is_decided_against_the_owner_who_is_notified(client, world, clock, session):
    created = record(
        client, world["officer"], detected_by="camera", plate="30A 123.45", violation_code="OTO-TOC-DO-10-20"
    )
    assert created.status_code == 201, created.json
    assert created.json["points_deducted"] == 0
    decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == created.json["number"]))
    assert decision.liable_citizen_id == world["owner"].id
    inbox = session.scalars(sa.select(Notification).where(Notification.citizen_id == world["owner"].id)).all()
    assert any(n.kind == "camera-violation" and "30A12345" in n.title for n in inbox)


def test_retried_recording_with_the_same_key_creates_one_decision(client, world, clock, session):
    first = record(client, world["officer"], plate="30A12345", licence_number="010000000777")
    again = record(client, world["officer"], plate="30A12345", licence_number="010000000777")
    assert first.json["number"] == again.json["number"]
    other = record(client, world["officer"], plate="30A12345", licence_number="010000000777", fine_amount=19_000_000)
    assert other.status_code == 409 and other.json["code"] == "idempotency-key-reused"


def _count(session):
    return session.scalar(sa.select(sa.func.count()).select_from(PenaltyDecision))


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"violation_code": "OTO-BAY"}, 422, "unknown-violation"),
        ({"fine_amount": 17_999_999}, 422, "fine-out-of-range"),
        ({"fine_amount": 20_000_001}, 422, "fine-out-of-range"),
        (
            {"fine_amount": 18_000_000},
            422,
            "fine-out-of-range",
        ),  # mitigation not recorded: must be the middle
        ({"plate": "30A-12"}, 422, "validation-failed"),
        ({"plate": "3OA-123.45"}, 422, "validation-failed"),
        ({"plate": "99Z99999", "licence_number": None}, 422, "validation-failed"),  # unregistered, no driver
        ({"detected_by": "camera", "plate": "99Z99999", "licence_number": None}, 422, "validation-failed"),
        ({"plate": "29B112345"}, 422, "validation-failed"),  # a motorbike, for a car offence
        ({"mitigating": ["felt-sorry"]}, 422, "validation-failed"),
        ({"occurred_at": "2026-11-03T09:00:00+07:00"}, 422, "validation-failed"),  # in the future
        # Decree 168/2024 applies to violations from 1/1/2025 (LHAV Art. 156: the law of the day committed)
        ({"occurred_at": "2024-12-31T23:59:00+07:00"}, 422, "violation-not-in-force"),
        ({"occurred_at": "2026-11-02T09:00:00"}, 422, "validation-failed"),  # no offset
        ({"ward_code": "26740"}, 403, "forbidden"),  # outside the officer's province
        ({"ward_code": "99999"}, 422, "validation-failed"),
        ({"violation_code": "OTO-CON-MUC-3", "suspension_months": 30}, 422, "validation-failed"),
        (
            {"violation_code": "OTO-CON-MUC-3", "suspension_months": 6, "fine_amount": 35_000_000},
            422,
            "validation-failed",
        ),
        ({"suspension_months": 2}, 422, "validation-failed"),  # red light carries no suspension
        ({"detected_by": "camera", "licence_number": "010000000777"}, 422, "validation-failed"),
        ({"unexpected": 1}, 422, "validation-failed"),
    ],
)
def test_bad_recordings_are_refused_and_change_nothing(client, world, clock, session, fields, status, code):
    before = _count(session)
    base = {"plate": "30A12345", "licence_number": "010000000777"}
    body = {k: v for k, v in {**base, **fields}.items() if v is not None}
    response = record(client, world["officer"], **body)
    assert response.status_code == status, response.json
    assert response.json["code"] == code and response.content_type == "application/problem+json"
    assert _count(session) == before


def test_mitigation_allows_a_lower_fine(client, world, clock):
    created = record(
        client,
        world["officer"],
        plate="30A12345",
        licence_number="010000000777",
        mitigating=["reported-voluntarily"],
        fine_amount=18_000_000,
    )
    assert created.status_code == 201 and created.json["fine_amount"] == 18_000_000


def test_cancelled_fine_cannot_be_paid_and_its_points_lapse(client, world, clock):
    number = record(client, world["officer"], plate="30A12345", licence_number="010000000777").json["number"]
    cancelled = client.post(
        f"{PENALTIES}/{number}/cancel", json={"reason": "wrong vehicle recorded"}, headers=world["officer"]
    )
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    refused = open_intent(client, world["driver_h"], "traffic-fine", number, 19_000_000)
    assert refused.status_code == 409 and refused.json["code"] == "penalty-not-payable"
    again = client.post(
        f"{PENALTIES}/{number}/cancel", json={"reason": "wrong vehicle recorded"}, headers=world["officer"]
    )
    assert again.status_code == 409
    licences = client.get("/api/v1/traffic/licences/mine", headers=world["driver_h"]).json
    assert next(lic for lic in licences if lic["number"] == "010000000777")["points"] == 12


def test_someone_elses_fine_is_not_found(client, world, clock, factory, auth_headers):
    number = record(client, world["officer"], plate="30A12345", licence_number="010000000777").json["number"]
    stranger = auth_headers(factory.account(factory.citizen(full_name="Người Lạ"), level=2))
    assert client.get(f"{PENALTIES}/{number}", headers=stranger).status_code == 404
    refused = open_intent(client, stranger, "traffic-fine", number, 19_000_000)
    assert refused.status_code == 404


def test_a_licence_at_zero_points_shows_and_enforces_the_earliest_retest(client, world, clock, session):
    """Road Traffic Order and Safety Law 2024 Art. 58(3): re-test no earlier than 6 months after reaching 0."""
    for n, hour in enumerate((8, 9, 10)):
        created = record(
            client,
            world["officer"],
            key=f"zero-points-{n}",
            violation_code="XM-DEN-DO",
            plate="29-B1 123.45",
            driver_personal_id=world["driver"].personal_id,
            occurred_at=f"2026-11-01T{hour:02d}:00:00+07:00",
        )
        assert created.status_code == 201, created.json

    def licence(day):
        listed = client.get(f"/api/v1/traffic/licences/mine?on={day}", headers=world["driver_h"]).json
        return next(lic for lic in listed if lic["number"] == "010000000778")

    state = licence("2026-11-03")
    assert (state["status"], state["points"], state["retest_from"]) == ("no-points", 0, "2027-05-02")
    assert licence("2027-11-03")["points"] == 0  # no restoration by time alone at 0 points

    retests = "/api/v1/traffic/licences/010000000778/retests"
    clock.set(at(2027, 5, 1, 9))
    early = client.post(retests, json={"passed_on": "2027-05-01"}, headers=world["officer"])
    assert early.status_code == 409 and early.json["code"] == "retest-too-early", early.json
    assert "02/05/2027" in early.json["detail"]
    clock.set(at(2027, 5, 2, 9))
    passed = client.post(retests, json={"passed_on": "2027-05-02"}, headers=world["officer"])
    assert passed.status_code == 201, passed.json
    assert (passed.json["status"], passed.json["points"], passed.json["retest_from"]) == ("valid", 12, None)
    again = client.post(retests, json={"passed_on": "2027-05-02"}, headers=world["officer"])
    assert again.status_code == 409  # at 12 points there is nothing to re-test


def test_a_violation_on_the_first_day_of_decree_168_is_decided_by_it(client, world, clock):
    created = record(
        client,
        world["officer"],
        key="decree-168-first-day",
        plate="30A-123.45",
        licence_number="010000000777",
        occurred_at="2025-01-01T00:00:00+07:00",
    )
    assert created.status_code == 201, created.json
    assert created.json["fine_amount"] == 19_000_000


def test_cancelling_a_fine_is_audited_as_a_change_with_who_and_why(client, world, clock, session):
    from backend.traffic.models import PenaltyDecision

    number = record(client, world["officer"], plate="30A12345", licence_number="010000000777").json["number"]
    cancelled = client.post(
        f"{PENALTIES}/{number}/cancel", json={"reason": "wrong vehicle recorded"}, headers=world["officer"]
    )
    assert cancelled.status_code == 200
    decision = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == number))
    assert decision.cancelled_by_account_id is not None
    log = client.get("/api/v1/me/access-log", headers=world["driver_h"]).json["items"]
    changes = [e for e in log if e["action"] == "update" and e["record_type"] == "penalty-decision"]
    assert len(changes) == 1
    assert changes[0]["actor_role"] == "officer" and changes[0]["purpose"] == "cancelled: wrong vehicle recorded"
    assert changes[0]["actor_label"]
