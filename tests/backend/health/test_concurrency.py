"""Queue numbers under real concurrency: threads against an app on a committed database
(SQLite or PostgreSQL, whichever the run uses)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from backend.extensions import db
from tests.backend.health.hospital_data import add_hospital, add_kiosk, proof
from tests.backend.helpers import Factory, bearer, login

PATIENTS = 12


def _setup(app):
    with app.app_context():
        session = db.session
        factory = Factory(session)
        hospital = add_hospital(session)
        kiosks = [add_kiosk(session, factory, hospital, block=n) for n in range(3)]
        patients = [factory.citizen() for _ in range(PATIENTS)]
        session.commit()
        return [k.username for k in kiosks], [proof(p) for p in patients]


def _run_all(jobs):
    barrier = threading.Barrier(len(jobs))

    def start(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(start, jobs))


def test_concurrent_checkins_get_distinct_sequential_numbers(make_app):
    app = make_app()
    kiosks, proofs = _setup(app)
    client = app.test_client()
    headers = [bearer(login(client, name)["access_token"]) for name in kiosks]

    def job(index):
        def run():
            c = app.test_client()
            h = headers[index % len(headers)]
            made = c.post("/api/v1/health/checkins", json={"identification": proofs[index]}, headers=h)
            assert made.status_code == 201, made.json
            answer = c.post(
                f"/api/v1/health/checkins/{made.json['id']}/tickets",
                json={"department_code": "NOI"},
                headers={**h, "Idempotency-Key": f"concurrent-{index}"},
            )
            assert answer.status_code == 201, answer.json
            return answer.json["number"]

        return run

    numbers = _run_all([job(i) for i in range(PATIENTS)])
    assert sorted(numbers) == list(range(1, PATIENTS + 1))


def test_concurrent_retries_and_double_taps_give_one_ticket(make_app):
    app = make_app()
    kiosks, proofs = _setup(app)
    client = app.test_client()
    headers = bearer(login(client, kiosks[0])["access_token"])
    made = client.post("/api/v1/health/checkins", json={"identification": proofs[0]}, headers=headers)
    checkin_id = made.json["id"]

    def same_key():
        c = app.test_client()
        return c.post(
            f"/api/v1/health/checkins/{checkin_id}/tickets",
            json={"department_code": "NOI"},
            headers={**headers, "Idempotency-Key": "one-retried-key"},
        )

    def new_key(n):
        def run():
            c = app.test_client()
            return c.post(
                f"/api/v1/health/checkins/{checkin_id}/tickets",
                json={"department_code": "NOI"},
                headers={**headers, "Idempotency-Key": f"double-tap-{n}"},
            )

        return run

    answers = _run_all([same_key] * 4 + [new_key(n) for n in range(4)])
    assert all(a.status_code in (200, 201) for a in answers), [a.json for a in answers]
    assert len({a.json["id"] for a in answers}) == 1
    assert sum(a.status_code == 201 for a in answers) == 1
    assert {a.json["number"] for a in answers} == {1}
