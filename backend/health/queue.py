"""The staff side of a department's queue: today's tickets in arrival order and calling the next patient.
This is the queue's public service API (the staff API and the hospital console call it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from backend.audit.service import record_access
from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.core.access import HOSPITAL_STAFF, Principal
from backend.errors import Forbidden, NotFound
from backend.health.checkin import PURPOSE
from backend.health.hospitals import get_department, get_hospital
from backend.health.models import (
    Checkin,
    Department,
    QueueTicket,
)
from backend.health.tickets import TicketResult, audit_ticket, lock_queue, ticket_result
from backend.registry.models import Citizen
from shared_schemas.text import mask_name


def _staff_department(session: Session, principal: Principal, department_code: str) -> Department:
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff see queues.")
    return get_department(session, get_hospital(session, principal.scope_code), department_code)


@dataclass(frozen=True)
class QueueEntry:
    """One ticket in the staff's queue list (QueueEntrySchema): the name masked, or absent when the patient
    revoked consent; how the check-in identified the patient and what BHYT covers."""

    ticket: QueueTicket
    patient_name_masked: str | None

    @property
    def id(self) -> str:
        return self.ticket.public_id

    @property
    def in_route(self) -> bool:
        return self.ticket.checkin.in_route

    @property
    def coverage_percent(self) -> int:
        return self.ticket.checkin.coverage_percent

    @property
    def trust_level(self) -> str:
        return self.ticket.checkin.trust_level

    def __getattr__(self, name: str):  # number, status, provisional, issued_at, called_at, payment
        return getattr(self.ticket, name)


@dataclass(frozen=True)
class Queue:
    """A department's queue for one day (QueueSchema)."""

    department: Department
    service_date: date
    tickets: list[QueueEntry]

    @property
    def waiting(self) -> int:
        return sum(1 for entry in self.tickets if entry.status == "waiting")


def queue_view(*, session: Session, principal: Principal, department_code: str, on: date | None = None) -> Queue:
    """The day's tickets in arrival order, with the patient's name unless they revoked consent. One
    statement, whatever the length of the queue: the check-in each entry shows is loaded with its ticket."""
    department = _staff_department(session, principal, department_code)
    on = on or clock.today()
    rows = session.execute(
        sa.select(QueueTicket, Citizen.full_name, ConsentReceipt.revoked_at)
        .join(Citizen, Citizen.id == QueueTicket.citizen_id)
        .join(QueueTicket.checkin)
        .outerjoin(ConsentReceipt, ConsentReceipt.id == Checkin.consent_id)
        .options(contains_eager(QueueTicket.checkin))
        .where(QueueTicket.department_id == department.id, QueueTicket.service_date == on)
        .order_by(QueueTicket.issued_at, QueueTicket.number)
    ).all()
    entries = [QueueEntry(t, mask_name(name) if revoked is None else None) for t, name, revoked in rows]
    record_access(
        session=session,
        principal=principal,
        action="read",
        record_type="queue",
        subject_citizen_ids=[e.ticket.citizen_id for e in entries if e.patient_name_masked is not None],
        record_ref=f"{department.code}/{on.isoformat()}",
        purpose=PURPOSE,
    )
    return Queue(department, on, entries)


def call_next(
    *, session: Session, principal: Principal, department_code: str, now: datetime | None = None
) -> TicketResult:
    """Call the longest-waiting patient (provisional tickets take their place by arrival time)."""
    department = _staff_department(session, principal, department_code)
    now = now or clock.now()
    lock_queue(session, department.hospital.code, department.code, clock.local_date(now))
    ticket = session.scalar(
        sa.select(QueueTicket)
        .where(
            QueueTicket.department_id == department.id,
            QueueTicket.service_date == clock.local_date(now),
            QueueTicket.status == "waiting",
        )
        .order_by(QueueTicket.issued_at, QueueTicket.number)
        .limit(1)
    )
    if ticket is None:
        raise NotFound("Nobody is waiting in this queue.")
    ticket.status, ticket.called_at, ticket.called_by = "called", now, principal.account_id
    session.flush()
    audit_ticket(session, principal, ticket, "update")
    return ticket_result(session, ticket, True)
