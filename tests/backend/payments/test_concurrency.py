"""The same payment fired many times at once - gateway re-deliveries and client retries, each thread with its
own client and database session, on a committed database (SQLite or PostgreSQL, whichever the run
uses) - posts exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import sqlalchemy as sa

from backend.extensions import db
from backend.payments.models import PaymentIntent, PaymentPosting
from backend.registry.models import Vehicle
from backend.traffic.models import PenaltyDecision
from tests.backend.helpers import Factory, bearer, login
from tests.backend.payments.support import Clock, at, callback, deliver, open_intent

CALLBACKS, RETRIES = 12, 8


def _setup(app):
    with app.app_context():
        factory = Factory(db.session)
        owner = factory.citizen(full_name="Vũ Thị Song")
        db.session.add(
            Vehicle(
                plate="30A99999",
                kind="car",
                brand="VinFast",
                owner_citizen_id=owner.id,
                registered_on=date(2022, 1, 1),
            )
        )
        officer, citizen = factory.staff("officer", "01"), factory.account(owner, level=1)
        db.session.commit()
        return officer.username, citizen.username


def _run_all(jobs):
    barrier = threading.Barrier(len(jobs))

    def start(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(start, jobs))


def test_same_payment_in_parallel_posts_exactly_once(make_app):
    app = make_app(CLOCK=Clock(at(2026, 11, 2, 10)))
    officer_name, citizen_name = _setup(app)
    client = app.test_client()
    officer, citizen = (
        bearer(login(client, officer_name)["access_token"]),
        bearer(login(client, citizen_name)["access_token"]),
    )
    decision = client.post(
        "/api/v1/traffic/penalties",
        headers={**officer, "Idempotency-Key": "race-decision"},
        json={
            "violation_code": "OTO-DEN-DO",
            "occurred_at": "2026-11-02T07:00:00+07:00",
            "detected_by": "camera",
            "place": "Cầu Giấy",
            "ward_code": "00088",
            "plate": "30A99999",
        },
    ).json
    intent = open_intent(client, citizen, "traffic-fine", decision["number"], 19_000_000, key="race-intent").json
    transaction = "gw-tx-0001"
    signed = [callback(app, intent, at(2026, 11, 2, 10), transaction_id=transaction) for _ in range(CALLBACKS)]

    def gateway_delivery(message):
        return lambda: deliver(app.test_client(), message)

    def client_retry():
        return open_intent(
            app.test_client(), citizen, "traffic-fine", decision["number"], 19_000_000, key="race-intent"
        )

    responses = _run_all([gateway_delivery(m) for m in signed] + [client_retry] * RETRIES)

    deliveries, retries = responses[:CALLBACKS], responses[CALLBACKS:]
    assert all(r.status_code == 200 for r in deliveries), [r.json for r in deliveries]
    results = sorted(r.json["result"] for r in deliveries)
    assert results.count("posted") == 1 and results.count("already-posted") == CALLBACKS - 1
    assert {r.json["receipt_number"] for r in deliveries} == {
        next(r.json["receipt_number"] for r in deliveries if r.json["result"] == "posted")
    }
    # Every client retry replays the first intent (the Idempotency-Key), before or after the posting.
    assert all(r.status_code == 201 and r.json["id"] == intent["id"] for r in retries), [r.json for r in retries]
    with app.app_context():
        session = db.session
        postings = session.scalars(sa.select(PaymentPosting)).all()
        assert len(postings) == 1 and postings[0].amount == 19_000_000
        assert session.scalar(sa.select(sa.func.count()).select_from(PaymentIntent)) == 1
        paid = session.scalar(sa.select(PenaltyDecision).where(PenaltyDecision.number == decision["number"]))
        assert (paid.status, paid.paid_amount) == ("paid", 19_000_000)
