"""What a chip check-in costs the database: the patient and their insurance cards in one statement, the current
card chosen among them, and a fixed number of statements however many cards the patient has."""

from __future__ import annotations

import uuid
from datetime import date

from tests.backend.health.hospital_data import insure, proof
from tests.backend.statements import statements

CHECKINS = "/api/v1/health/checkins"


def _checkin(client, headers, patient) -> dict:
    response = client.post(
        CHECKINS,
        json={"identification": proof(patient)},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_chip_checkin_runs_a_fixed_number_of_statements(app, client, session, factory, kiosk_headers):
    _checkin(client, kiosk_headers, factory.citizen())  # warms the token and CSCA caches
    patient, other = factory.citizen(), factory.citizen()
    insure(session, other, group="HS", valid_from=date(2020, 1, 1), valid_to=date(2021, 12, 31))
    insure(session, other, group="GD")
    answers = []
    counts = [statements(app, lambda p=p: answers.append(_checkin(client, kiosk_headers, p))) for p in (patient, other)]
    # idempotency key, kiosk, patient with cards, consent receipt, check-in, audit row, idempotency key
    assert counts[0] == counts[1] == 7, counts
    assert answers[0]["insurance"]["status"] == "none"
    assert answers[1]["insurance"]["status"] == "valid"
    assert answers[1]["insurance"]["card_number_masked"].startswith("GD")
