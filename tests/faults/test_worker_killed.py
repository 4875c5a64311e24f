"""kill -9 a gunicorn worker during a burst of payments and kiosk check-ins (PostgreSQL, 2 gthread workers):
every operation the client saw acknowledged (HTTP 2xx) is in the database exactly once. Clients retry a
failed request with the same Idempotency-Key (the payment gateway re-signs its callback), as the kiosk and
the app do; the master replaces the killed worker."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from backend.core.idempotency import IdempotencyKey
from backend.extensions import db
from backend.health.models import Checkin, QueueTicket
from backend.payments import gateway as gateways
from backend.payments.models import PaymentIntent, PaymentPosting
from backend.registry.models import Vehicle
from bench.harness import Gunicorn, server_env
from tests.backend.helpers import PASSWORD as FACTORY_PASSWORD
from tests.backend.helpers import Factory
from tests.chip_evidence import ChipCard, csca_dir
from tests.faults.conftest import size
from tests.faults.support import DEMO_KIOSK_USERNAME, Http, demo_app

PATIENTS, FINES, KILLS = size(24, 200), size(8, 60), size(2, 5)


def _world(app, patients: int, fines: int):
    """Insured-or-not patients to check in, and unpaid fines of one citizen (one car each)."""
    with app.app_context():
        factory = Factory(db.session)
        people = [
            factory.citizen(full_name="Phạm Thị Hoa", sex="female", date_of_birth=date(1980, 3, 7))
            for _ in range(patients)
        ]
        owner = factory.citizen(full_name="Vũ Thị Song")
        plates = [f"30K{index:05d}" for index in range(fines)]
        for plate in plates:
            db.session.add(
                Vehicle(
                    plate=plate, kind="car", brand="VinFast", owner_citizen_id=owner.id, registered_on=date(2022, 1, 1)
                )
            )
        officer, payer = factory.staff("officer", "01"), factory.account(owner, level=1)
        db.session.commit()
        cards = {p.personal_id: ChipCard.of(p).evidence() for p in people}
        return cards, plates, officer.username, payer.username


def test_acknowledged_payments_and_check_ins_survive_killed_workers(pg_database):
    app = demo_app(pg_database)  # the seeded copy
    patients, plates, officer_name, payer_name = _world(app, PATIENTS, FINES)
    server = Gunicorn(server_env(pg_database, CSCA_STORE_DIR=csca_dir()), workers=2, threads=4).start()
    try:
        http = Http(server.url)
        officer, payer = http.login(officer_name, FACTORY_PASSWORD), http.login(payer_name, FACTORY_PASSWORD)
        kiosk = http.login(DEMO_KIOSK_USERNAME)
        occurred = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        decisions = []
        for plate in plates:
            status, body, _ = http.retrying(
                "POST",
                "/api/v1/traffic/penalties",
                lambda p=plate: {
                    "violation_code": "OTO-DEN-DO",
                    "occurred_at": occurred,
                    "detected_by": "camera",
                    "place": "Cầu Giấy",
                    "ward_code": "00088",
                    "plate": p,
                },
                lambda p=plate: {**officer, "Idempotency-Key": f"decision-{p}"},
            )
            assert status == 201, body
            decisions.append((body["number"], body["amount_due"]["total"]))
        with app.app_context():
            gateway = gateways.gateway("simulated")

        acknowledged: dict[str, list] = {"checkin": [], "ticket": [], "intent": [], "callback": []}
        failures: list = []
        lock = threading.Lock()

        def ack(kind, value):
            with lock:
                acknowledged[kind].append(value)

        def patient_visit(personal_id: str) -> None:
            key = f"kill-checkin-{uuid.uuid4().hex}"
            body = {
                "identification": {
                    "method": "chip",
                    "personal_id": personal_id,
                    "date_of_birth": "1980-03-07",
                    "chip": patients[personal_id],
                },
                "identified_at": datetime.now(UTC).isoformat(),
            }
            status, checkin, _ = http.retrying(
                "POST", "/api/v1/health/checkins", lambda: body, lambda: {**kiosk, "Idempotency-Key": key}, log=failures
            )
            assert status == 201, checkin
            ack("checkin", (key, checkin["id"]))
            ticket_key = f"kill-ticket-{uuid.uuid4().hex}"
            status, ticket, _ = http.retrying(
                "POST",
                f"/api/v1/health/checkins/{checkin['id']}/tickets",
                lambda: {"department_code": "NOI"},
                lambda: {**kiosk, "Idempotency-Key": ticket_key},
                log=failures,
            )
            assert status in (200, 201), ticket
            ack("ticket", (checkin["id"], ticket["id"]))

        def payment(number: str, amount: int) -> None:
            key = f"kill-intent-{number}"
            status, intent, _ = http.retrying(
                "POST",
                "/api/v1/payments/intents",
                lambda: {"purpose": "traffic-fine", "reference": number, "amount": amount},
                lambda: {**payer, "Idempotency-Key": key},
                log=failures,
            )
            assert status == 201, intent
            ack("intent", (key, intent["id"], number))
            transaction = f"gw-{uuid.uuid4().hex[:20]}"
            signed = [None]

            def fresh_body():  # a re-delivery is signed afresh (new timestamp and nonce)
                signed[0] = gateway.callback(
                    intent_public_id=intent["id"], amount=amount, now=datetime.now(UTC), transaction_id=transaction
                )
                return signed[0].body

            status, result, _ = http.retrying(
                "POST",
                "/api/v1/payments/callbacks/simulated",
                fresh_body,
                lambda: signed[0].headers if signed[0] else {},
                log=failures,
            )
            assert status == 200 and result["result"] in ("posted", "already-posted"), result
            ack("callback", intent["id"])

        def killer():
            for _ in range(KILLS):
                time.sleep(0.25)
                server.kill_worker()

        jobs = [lambda p=p: patient_visit(p) for p in patients] + [lambda d=d: payment(*d) for d in decisions]
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(job) for job in jobs]
            kill_thread = threading.Thread(target=killer)
            kill_thread.start()
            for future in futures:
                future.result()
            kill_thread.join()
        assert len(server.worker_pids()) == 2  # the master replaced them
    finally:
        server.stop()

    with app.app_context():
        session = db.session
        checkin_ids = [public_id for _, public_id in acknowledged["checkin"]]
        assert len(set(checkin_ids)) == PATIENTS
        # Exactly one check-in per acknowledged key and nothing else: retries replayed, none doubled.
        assert session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == PATIENTS
        keys = session.scalars(sa.select(IdempotencyKey.key).where(IdempotencyKey.key.like("kill-%"))).all()
        assert len(keys) == len(set(keys)) == 2 * PATIENTS + FINES
        per_checkin = dict(
            session.execute(
                sa.select(Checkin.public_id, sa.func.count(QueueTicket.id))
                .join(QueueTicket, QueueTicket.checkin_id == Checkin.id)
                .group_by(Checkin.public_id)
            ).all()
        )
        assert per_checkin == {public_id: 1 for public_id in checkin_ids}
        tickets = {t for _, t in acknowledged["ticket"]}
        assert set(session.scalars(sa.select(QueueTicket.public_id)).all()) == tickets
        intents = session.execute(sa.select(PaymentIntent.public_id, PaymentIntent.purpose_ref)).all()
        assert sorted(intents) == sorted((i, n) for _, i, n in acknowledged["intent"])
        posted = session.scalars(
            sa.select(PaymentIntent.public_id).join(PaymentPosting, PaymentPosting.intent_id == PaymentIntent.id)
        ).all()
        assert sorted(posted) == sorted(acknowledged["callback"]) and len(posted) == FINES
    app.extensions["congdan.db"]["engine"].dispose()
    print(
        f"\nworker kill: {KILLS} workers SIGKILLed; {PATIENTS} check-ins + tickets and {FINES} payments "
        f"(intent + callback) acknowledged, each once in the database; {len(failures)} failed attempts "
        f"retried ({sorted(set(map(str, failures)))})"
    )
