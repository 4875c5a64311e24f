"""The hospital's list endpoints read their rows in a fixed number of statements, however many rows there are."""

from __future__ import annotations

from datetime import time

from backend.health.models import Department
from tests.backend.health.hospital_data import proof
from tests.backend.health.test_checkin import checkin, ticket
from tests.backend.helpers import bearer, login
from tests.backend.statements import flat_as_rows_grow


def _queue_up(client, factory, kiosk_headers, count: int, start: int) -> None:
    for i in range(start, start + count):
        patient = factory.citizen()
        cid = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
        assert ticket(client, kiosk_headers, cid, key=f"n-plus-one-{i:04d}").status_code == 201


def test_the_staff_queue_does_not_query_per_ticket(app, client, factory, kiosk_headers, hospital):
    staff = bearer(login(client, factory.staff("hospital_staff", hospital.code).username)["access_token"])
    _queue_up(client, factory, kiosk_headers, 2, 0)

    def read():
        response = client.get("/api/v1/health/queues/NOI", headers=staff)
        assert response.status_code == 200
        return response

    before, after = flat_as_rows_grow(app, read, lambda: _queue_up(client, factory, kiosk_headers, 4, 2))
    assert len(read().json["tickets"]) == 6
    assert after == before


def test_the_citizens_consents_do_not_query_per_receipt(app, session, client, factory, kiosk_headers, hospital):
    patient = factory.citizen()
    citizen = bearer(login(client, factory.account(patient).username)["access_token"])
    checkin(client, kiosk_headers, {"identification": proof(patient)})

    def read():
        return client.get("/api/v1/me/consents", headers=citizen)

    before, after = flat_as_rows_grow(
        app, read, lambda: [checkin(client, kiosk_headers, {"identification": proof(patient)}) for _ in range(3)]
    )
    assert len(read().json) == 4
    assert after == before


def test_the_department_directory_does_not_query_per_department(app, session, client, hospital):
    def read():
        return client.get("/api/v1/health/hospitals/BV-TEST/departments")

    def more_departments():
        for i in range(4):
            hospital.departments.append(
                Department(
                    code=f"K{i}",
                    name=f"Khoa {i}",
                    name_en=f"Ward {i}",
                    location="",
                    opens_at=time(7),
                    closes_at=time(16),
                    open_weekdays="01234",
                )
            )
        session.flush()

    before, after = flat_as_rows_grow(app, read, more_departments)
    assert len(read().json) == 7 and after == before
