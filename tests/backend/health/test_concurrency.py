"""Queue numbers under real concurrency: threads against an app on a committed database
(SQLite or PostgreSQL, whichever the run uses)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

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


def test_a_ticket_takes_its_queue_number_last(app, client, factory, kiosk_headers, hospital):
    """The department's counter row stays locked from the moment a number is taken until the commit, so a
    ticket takes it after every read and every other write of its request: concurrent tickets for the same
    queue wait for one INSERT, not for the whole request."""
    from tests.backend.health.test_checkin import checkin

    engine = app.extensions["congdan.db"]["engine"]
    patient = factory.citizen()
    checkin_id = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        words = statement.split()
        if words and words[0].upper() not in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
            seen.append(" ".join(words[:4]).lower())

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        answer = client.post(
            f"/api/v1/health/checkins/{checkin_id}/tickets",
            json={"department_code": "NOI"},
            headers={**kiosk_headers, "Idempotency-Key": "number-last"},
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert answer.status_code == 201, answer.json
    counter = [i for i, statement in enumerate(seen) if "hospital_queue_counters" in statement]
    assert len(counter) == 1, seen
    assert [s for s in seen[counter[0] + 1 :]] == ["insert into hospital_queue_tickets (public_id,"], seen
    assert any(s.startswith("insert into audit_events") for s in seen[: counter[0]]), seen
    assert any(s.startswith("insert into idempotency_keys") for s in seen[: counter[0]]), seen


def test_one_open_ticket_per_patient_and_queue_is_a_constraint(session, client, factory, kiosk_headers, hospital):
    """What lets concurrent issuers go without a lock: the database itself refuses a second open ticket for the
    same patient, queue and day; once the first is done, the patient may queue again."""
    import pytest

    from backend.database import utcnow
    from backend.health.models import Checkin, QueueTicket
    from tests.backend.health.test_checkin import checkin

    patient = factory.citizen()
    public_id = checkin(client, kiosk_headers, {"identification": proof(patient)}).json["id"]
    visit = session.scalar(sa.select(Checkin).where(Checkin.public_id == public_id))
    department = hospital.departments[0]

    def ticket(number: int) -> QueueTicket:
        made = QueueTicket(
            public_id=f"t-open-{number}",
            department_id=department.id,
            service_date=visit.identified_at.date(),
            number=number,
            citizen_id=patient.id,
            checkin_id=visit.id,
            issued_at=utcnow(),
        )
        session.add(made)
        session.flush()
        return made

    first = ticket(1)
    with pytest.raises(sa.exc.IntegrityError):
        with session.begin_nested():
            ticket(2)
    first.status = "done"
    session.flush()
    assert ticket(3).status == "waiting"
