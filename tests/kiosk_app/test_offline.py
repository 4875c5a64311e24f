"""Offline check-ins against the real backend on 127.0.0.1: the network drops (the server stops), the kiosk
hands out provisional numbers from its block and keeps the check-ins in the SQLite outbox, the network
returns and the outbox syncs. Nothing is lost, nothing doubled: not after a kiosk killed mid-sync, not when
an answer was lost on the way back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.health.models import Checkin, QueueTicket
from backend.registry.models import Citizen
from kiosk_app.flow import Department, Identity
from kiosk_app.services.api import ApiUnavailable
from kiosk_app.services.checkin import OFFLINE_UNVERIFIED, CheckinRefused, CheckinService
from kiosk_app.services.outbox import Outbox, RangeExhausted
from tests.chip_evidence import identity_qr_identity, kiosk_chip_identity

AN = kiosk_chip_identity("001090012345", "1990-01-01", "Nguyễn Văn An")
CHAU = kiosk_chip_identity("079301004321", "2001-03-15", "Lê Minh Châu", "female")
NOI, MAT = (
    Department("NOI", "Phòng khám Nội tổng hợp", "General internal medicine"),
    Department("MAT", "Phòng khám Mắt", "Ophthalmology"),
)


class Killed(BaseException):
    """The kiosk lost power: nothing after this line ran."""


class Flaky:
    """The real client, except that the named call reaches the backend and then fails on the way back."""

    def __init__(self, api, call: str, failure: BaseException) -> None:
        self.api, self.call, self.failure = api, call, failure

    def __getattr__(self, name):
        real = getattr(self.api, name)
        if name != self.call:
            return real

        def answer_lost(*args, **kwargs):
            real(*args, **kwargs)
            raise self.failure

        return answer_lost


@pytest.fixture()
def binh(live_backend):
    """Trần Thị Bình shows the app's signed QR (minted with the live backend's key)."""
    return identity_qr_identity(live_backend.app, "001185006789", "1985-05-10", "Trần Thị Bình")


@pytest.fixture()
def service(kiosk_api, tmp_path):
    checkin = CheckinService(kiosk_api, Outbox(tmp_path / "outbox.sqlite3"), hospital_code="BV-BACHMAI")
    assert checkin.refresh()
    return checkin


def tickets(backend, personal_id: str | None = None):
    statement = (
        sa.select(Citizen.personal_id, QueueTicket.number, QueueTicket.provisional)
        .join(Citizen, Citizen.id == QueueTicket.citizen_id)
        .order_by(QueueTicket.number)
    )
    if personal_id:
        statement = statement.where(Citizen.personal_id == personal_id)
    return [tuple(row) for row in backend.query(statement)]


def checkins(backend) -> int:
    return backend.query(sa.select(sa.func.count()).select_from(Checkin))[0][0]


def take_ticket(service, identity, department):
    view, departments = service.check_in(identity)
    assert department.code in {d.code for d in departments}  # the cached list, offline too
    return view, service.issue_ticket(identity, view, department)


def test_offline_check_ins_get_provisional_numbers_and_sync_exactly_once(service, live_backend, binh):
    live_backend.stop()
    issued = [take_ticket(service, who, where) for who, where in ((AN, NOI), (binh, NOI), (CHAU, MAT))]
    assert not service.online and all(view.offline and view.checkin_id is None for view, _ in issued)
    assert [(t.number, t.provisional) for _, t in issued] == [(10_000, True), (10_001, True), (10_000, True)]
    assert service.outbox.pending_count() == 3
    assert service.sync() == 0 and service.outbox.pending_count() == 3  # still down: kept, not dropped

    live_backend.start()
    assert service.refresh() and service.sync() == 3
    assert service.sync() == 0 and service.outbox.pending_count() == 0
    assert tickets(live_backend) == [
        ("001090012345", 10_000, True),
        ("079301004321", 10_000, True),
        ("001185006789", 10_001, True),
    ]
    assert checkins(live_backend) == 3
    synced = {
        e.provisional_number: e.result["number"] for e in service.outbox.entries("synced") if e.department_code == "NOI"
    }
    assert synced == {10_000: 10_000, 10_001: 10_001}


def test_offline_only_locally_verified_identities_are_accepted(service, live_backend):
    live_backend.stop()
    for unverified in (
        Identity("cccd_qr", AN.personal_id, AN.date_of_birth, AN.full_name),
        Identity("id_and_dob", "001215000123", "2015-08-20"),
    ):
        with pytest.raises(CheckinRefused) as refused:
            service.check_in(unverified)
        assert refused.value.message == OFFLINE_UNVERIFIED
    assert service.outbox.pending_count() == 0


@pytest.mark.parametrize("killed_after", ["check_in", "issue_ticket"])
def test_a_kiosk_killed_mid_sync_loses_and_doubles_nothing(service, live_backend, kiosk_api, tmp_path, killed_after):
    live_backend.stop()
    _, ticket = take_ticket(service, AN, NOI)
    live_backend.start()
    with pytest.raises(Killed):
        service.outbox.sync(Flaky(kiosk_api, killed_after, Killed()))
    # Restart: a new process opens the same outbox file.
    restarted = Outbox(tmp_path / "outbox.sqlite3")
    assert restarted.pending_count() == 1
    assert restarted.sync(kiosk_api) == 1 and restarted.pending_count() == 0
    assert tickets(live_backend) == [("001090012345", ticket.number, True)]
    assert checkins(live_backend) == 1


def test_a_lost_ticket_answer_leaves_the_patient_one_ticket_with_the_printed_number(service, live_backend, kiosk_api):
    view, _ = service.check_in(AN)
    assert view.checkin_id and not view.offline
    # The ticket request reaches the backend (which issues number 1), the answer never comes back,
    # and the network stays down: the kiosk prints a provisional number.
    service.api = Flaky(kiosk_api, "issue_ticket", ApiUnavailable("read timed out"))
    ticket = service.issue_ticket(AN, view, NOI)
    assert ticket.provisional and ticket.number == 10_000
    assert tickets(live_backend) == [("001090012345", 1, False)]

    service.api = kiosk_api
    assert service.sync() == 1
    # One ticket, carrying the number on the patient's paper; one check-in.
    assert tickets(live_backend) == [("001090012345", 10_000, True)]
    assert checkins(live_backend) == 1
    assert service.outbox.entries("synced")[0].result["number"] == 10_000
    # Replaying the offline request again changes nothing.
    entry = service.outbox.entries("synced")[0]
    assert (
        entry.result["id"]
        == kiosk_api.issue_ticket(
            view.checkin_id, "NOI", idempotency_key=_ticket_key(service, entry.id), provisional_number=10_000
        )["id"]
    )
    assert tickets(live_backend) == [("001090012345", 10_000, True)]


def test_a_lost_check_in_answer_is_replayed_not_repeated(service, live_backend, kiosk_api, binh):
    """A signed identity QR can be used once: a second check-in with it would be refused on sync."""
    service.api = Flaky(kiosk_api, "check_in", ApiUnavailable("connection reset"))
    view, ticket = take_ticket(service, binh, NOI)
    assert view.offline and ticket.provisional and checkins(live_backend) == 1
    service.api = kiosk_api
    assert service.sync() == 1 and service.outbox.entries("refused") == []
    assert checkins(live_backend) == 1
    assert tickets(live_backend) == [("001185006789", 10_000, True)]


def test_a_check_in_the_backend_refuses_on_sync_is_set_aside_not_retried(service, live_backend):
    live_backend.stop()
    wrong_birthday = Identity(
        "chip",
        AN.personal_id,
        "1990-01-02",
        AN.full_name,
        passive_auth_passed=True,
        verified_locally=True,
        chip_evidence=AN.chip_evidence,
    )
    take_ticket(service, wrong_birthday, NOI)
    take_ticket(service, CHAU, NOI)
    live_backend.start()
    assert service.sync() == 1
    refused = service.outbox.entries("refused")
    assert len(refused) == 1 and refused[0].result["status"] == 422
    assert service.outbox.pending_count() == 0 and service.sync() == 0
    assert tickets(live_backend) == [("079301004321", 10_001, True)]


def test_the_provisional_block_runs_out(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    entry = {
        "checkin_payload": {},
        "department_code": "NOI",
        "service_date": "2026-01-05",
        "number_range": (7, 8),
        "created_at": "2026-01-05T08:00:00+07:00",
    }
    assert [outbox.enqueue(**entry).provisional_number for _ in range(2)] == [7, 8]
    with pytest.raises(RangeExhausted):
        outbox.enqueue(**entry)
    assert outbox.pending_count() == 2  # the failed reservation left nothing behind
    assert outbox.enqueue(**{**entry, "service_date": "2026-01-06"}).provisional_number == 7


def _ticket_key(service, entry_id):
    with service.outbox._db() as db:
        return db.execute("SELECT ticket_key FROM outbox WHERE id = ?", (entry_id,)).fetchone()[0]
