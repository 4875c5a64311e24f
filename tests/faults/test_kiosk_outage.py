"""The kiosk against the real backend on 127.0.0.1 (tests/kiosk_app/live_backend.py): (c) the backend is
unreachable for a stretch of a day's check-ins - the kiosk hands out provisional numbers from its block and
keeps them in its outbox - and once it is back everything syncs, none doubled; (d) a kiosk process killed with
SIGKILL in the middle of its sync loses nothing when it starts again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.extensions import db
from backend.health.models import Checkin, QueueTicket
from backend.registry.models import Citizen
from kiosk_app.flow import Department, Identity
from kiosk_app.services.api import ApiClient
from kiosk_app.services.checkin import CheckinService
from kiosk_app.services.outbox import Outbox
from tests.backend.helpers import Factory
from tests.chip_evidence import kiosk_chip_identity
from tests.faults.conftest import size
from tests.kiosk_app.live_backend import DEMO_KIOSK_USERNAME, PASSWORD, LiveBackend, demo_backend, demo_database

CHECKINS, KILLED_SYNC = size(60, 500), size(30, 200)
# A kiosk has 100 provisional numbers per department a day (backend/health/kiosks.py PROVISIONAL_BLOCK):
# the day's patients go to three clinics, so a long outage stays within the blocks.
CLINICS = (
    Department("NOI", "Phòng khám Nội tổng hợp", "General internal medicine"),
    Department("TMH", "Phòng khám Tai Mũi Họng", "Ear, nose and throat"),
    Department("MAT", "Phòng khám Mắt", "Ophthalmology"),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return demo_database(tmp_path_factory.mktemp("kiosk-faults"))


@pytest.fixture()
def backend(template, tmp_path):
    live = LiveBackend(demo_backend(template, tmp_path)).start()
    yield live
    live.close()


def _patients(app, count: int) -> list[Identity]:
    with app.app_context():
        factory = Factory(db.session)
        people = [
            factory.citizen(full_name="Hoàng Thị Lan", sex="female", date_of_birth=date(1975, 4, 2))
            for _ in range(count)
        ]
        db.session.commit()
        return [kiosk_chip_identity(p.personal_id, "1975-04-02", "Hoàng Thị Lan", "female") for p in people]


def _tickets_per_patient(backend) -> dict[str, int]:
    rows = backend.query(
        sa.select(Citizen.personal_id, sa.func.count(QueueTicket.id))
        .join(QueueTicket, QueueTicket.citizen_id == Citizen.id)
        .group_by(Citizen.personal_id)
    )
    return dict(rows)


def _check_in(service: CheckinService, identity: Identity, index: int):
    view, _ = service.check_in(identity)
    return service.issue_ticket(identity, view, CLINICS[index % len(CLINICS)])


def test_an_outage_during_the_day_syncs_everything_once(backend, tmp_path):
    people = _patients(backend.app, CHECKINS)
    api = ApiClient(backend.url, DEMO_KIOSK_USERNAME, PASSWORD, timeout_s=5)
    service = CheckinService(api, Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    assert service.refresh()
    tickets = {}
    down, up = CHECKINS // 4, CHECKINS * 3 // 4
    for index, person in enumerate(people):
        if index == down:
            backend.stop()
        elif index == up:
            backend.start()
        if index % 10 == 0:
            service.sync()  # the kiosk's background sync runs now and then; offline it just stops early
        tickets[person.personal_id] = _check_in(service, person, index)
    while service.outbox.pending_count():
        assert service.sync() > 0
    api.http.close()

    provisional = {pid: t.number for pid, t in tickets.items() if t.provisional}
    assert len(provisional) == up - down  # every check-in while down, and only those
    assert _tickets_per_patient(backend) == {p.personal_id: 1 for p in people}
    assert backend.query(sa.select(sa.func.count()).select_from(Checkin))[0][0] == CHECKINS
    # The backend kept the provisional numbers printed on the offline tickets.
    synced = dict(
        backend.query(
            sa.select(Citizen.personal_id, QueueTicket.number)
            .join(QueueTicket, QueueTicket.citizen_id == Citizen.id)
            .where(QueueTicket.provisional.is_(True))
        )
    )
    assert synced == provisional
    print(
        f"\nkiosk outage: {CHECKINS} check-ins, backend unreachable for {up - down} of them (provisional "
        f"numbers); all {CHECKINS} in the backend afterwards, each patient exactly 1 ticket"
    )


def _synced(outbox_path: Path) -> int:
    connection = sqlite3.connect(outbox_path, timeout=10)
    try:
        return connection.execute("SELECT count(*) FROM outbox WHERE status = 'synced'").fetchone()[0]
    finally:
        connection.close()


def test_a_kiosk_killed_mid_sync_loses_and_doubles_nothing(backend, tmp_path):
    people = _patients(backend.app, KILLED_SYNC)
    outbox_path = tmp_path / "outbox.sqlite3"
    api = ApiClient(backend.url, DEMO_KIOSK_USERNAME, PASSWORD, timeout_s=5)
    service = CheckinService(api, Outbox(outbox_path), hospital_code="BV-BACHMAI")
    assert service.refresh()
    backend.stop()
    for index, person in enumerate(people):
        assert _check_in(service, person, index).provisional
    backend.start()

    kills, root = 0, Path(__file__).resolve().parents[2]
    while _synced(outbox_path) < KILLED_SYNC and kills < 3:
        child = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("kiosk_sync_child.py")),
                str(outbox_path),
                backend.url,
                DEMO_KIOSK_USERNAME,
                PASSWORD,
                "0.02",
            ],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "syncing"
        target = _synced(outbox_path) + max(3, KILLED_SYNC // 4)
        deadline = time.monotonic() + 30
        while _synced(outbox_path) < target and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
        kills += 1
    assert 0 < _synced(outbox_path) < KILLED_SYNC, "the kill did not land mid-sync"
    # The kiosk starts again: its sync finishes the job.
    while service.outbox.pending_count():
        assert service.sync() > 0
    api.http.close()
    assert _tickets_per_patient(backend) == {p.personal_id: 1 for p in people}
    assert backend.query(sa.select(sa.func.count()).select_from(Checkin))[0][0] == KILLED_SYNC
    print(
        f"\nkiosk killed mid-sync: {kills} SIGKILLs while syncing {KILLED_SYNC} offline check-ins; all synced "
        f"on restart, each patient exactly 1 check-in and 1 ticket"
    )
