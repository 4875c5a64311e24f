"""What hospital staff do with their queues beyond calling the next patient: call next exactly once per click
(an Idempotency-Key), call a number again (recall), mark a called patient absent (skip), see the day's queues and
check-ins at a glance, and the public waiting-room board (ticket numbers only, no personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.consent.models import ConsentReceipt
from backend.core import clock, idempotency
from backend.core.access import HOSPITAL_STAFF, Principal
from backend.errors import Conflict, Forbidden, NotFound
from backend.health import checkin, hospitals, queue, tickets
from backend.health.models import Checkin, Department, Hospital, QueueTicket
from backend.registry.models import Citizen

CALL, RECALL, SKIP, DONE = "queue-call", "queue-recall", "queue-skip", "queue-done"
BOARD_CALLS_PER_DEPARTMENT = 3


@dataclass(frozen=True)
class DepartmentQueue:
    department: Department
    waiting: int
    called: int
    skipped: int
    now_serving: int | None


@dataclass(frozen=True)
class CheckinRow:
    checkin: Checkin
    full_name: str | None  # None when the patient revoked consent: staff see the ticket, not the name


@dataclass(frozen=True)
class BoardCall:
    number: int
    recalls: int
    called_at: datetime


def staff_hospital(*, session: Session, principal: Principal) -> Hospital:
    """The staff member's own hospital (their account's scope); nobody else's."""
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff see the hospital's queues.")
    return hospitals.get_hospital(session, principal.scope_code)


def queue_overview(*, session: Session, principal: Principal, on: date | None = None) -> list[DepartmentQueue]:
    """Every active department of my hospital with today's counts and the number being served."""
    hospital = staff_hospital(session=session, principal=principal)
    on = on or clock.today()
    counts = {
        (department_id, status): count
        for department_id, status, count in session.execute(
            sa.select(QueueTicket.department_id, QueueTicket.status, sa.func.count())
            .join(Department, Department.id == QueueTicket.department_id)
            .where(Department.hospital_id == hospital.id, QueueTicket.service_date == on)
            .group_by(QueueTicket.department_id, QueueTicket.status)
        )
    }
    serving = {d: calls[0].number for d, calls in _latest_calls(session, hospital, on, 1).items()}
    return [
        DepartmentQueue(
            department,
            counts.get((department.id, "waiting"), 0),
            counts.get((department.id, "called"), 0) + counts.get((department.id, "done"), 0),
            counts.get((department.id, "skipped"), 0),
            serving.get(department.id),
        )
        for department in hospital.departments
        if department.active
    ]


def call_next_once(
    *, session: Session, principal: Principal, department_code: str, idempotency_key: str | None
) -> tickets.TicketResult:
    """Call next; a repeated click or a resubmitted form with the same key replays the first call, so a
    patient is never skipped over by a double call."""
    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation=CALL,
        request={"department": department_code},
        replay=lambda ref: tickets.ticket_result(session, _ticket_by_public_id(session, ref), True),
        make=lambda: _made(queue.call_next(session=session, principal=principal, department_code=department_code)),
    )


def recall(
    *, session: Session, principal: Principal, department_code: str, ticket_id: str, idempotency_key: str | None
) -> QueueTicket:
    """Call a called (or skipped) number again: it goes back on the board and is announced once more."""

    def make() -> tuple[QueueTicket, str]:
        ticket = _my_ticket(session, principal, department_code, ticket_id)
        if ticket.status not in ("called", "skipped"):
            raise Conflict("Only a number that was called can be called again.")
        ticket.status, ticket.called_at, ticket.called_by = "called", clock.now(), principal.account_id
        ticket.recalls += 1
        _audit(session, principal, ticket)
        return ticket, ticket.public_id

    return _once(session, principal, RECALL, department_code, ticket_id, idempotency_key, make)


def skip(
    *, session: Session, principal: Principal, department_code: str, ticket_id: str, idempotency_key: str | None
) -> QueueTicket:
    """The called patient did not come: the number leaves the board; recalling it later brings it back."""
    return _after_call(
        session, principal, department_code, ticket_id, idempotency_key, SKIP, "skipped", "marked absent"
    )


def finish(
    *, session: Session, principal: Principal, department_code: str, ticket_id: str, idempotency_key: str | None
) -> QueueTicket:
    """The called patient was seen: the number is done and leaves the board (the patient may queue here again
    today with a new ticket, e.g. to come back with test results)."""
    return _after_call(session, principal, department_code, ticket_id, idempotency_key, DONE, "done", "marked done")


def _after_call(session, principal, department_code, ticket_id, key, operation, status, what) -> QueueTicket:
    """What staff do with a called number (absent, done): only a called number, audited, once per key."""

    def make() -> tuple[QueueTicket, str]:
        ticket = _my_ticket(session, principal, department_code, ticket_id)
        if ticket.status != "called":
            raise Conflict(f"Only a called number can be {what}.")
        ticket.status = status
        _audit(session, principal, ticket)
        return ticket, ticket.public_id

    return _once(session, principal, operation, department_code, ticket_id, key, make)


def todays_checkins(*, session: Session, principal: Principal, on: date | None = None) -> list[CheckinRow]:
    """My hospital's check-ins of the day, newest first, with the trust level the server verified (audited)."""
    hospital = staff_hospital(session=session, principal=principal)
    on = on or clock.today()
    end = clock.end_of_local_day(on)
    start = end - timedelta(days=1)
    rows = session.execute(
        sa.select(Checkin, Citizen.full_name, ConsentReceipt.revoked_at)
        .join(Citizen, Citizen.id == Checkin.citizen_id)
        .outerjoin(ConsentReceipt, ConsentReceipt.id == Checkin.consent_id)
        .where(Checkin.hospital_id == hospital.id, Checkin.identified_at >= start, Checkin.identified_at < end)
        .order_by(Checkin.identified_at.desc())
        .limit(500)
    ).all()
    visible = [CheckinRow(checkin, name if revoked is None else None) for checkin, name, revoked in rows]
    record_access(
        session=session,
        principal=principal,
        action="read",
        record_type="health-checkin",
        subject_citizen_ids=[row.checkin.citizen_id for row in visible if row.full_name is not None],
        record_ref=f"{hospital.code}/{on.isoformat()}",
        purpose=checkin.PURPOSE,
    )
    return visible


def waiting_board(*, session: Session, hospital_code: str, on: date | None = None) -> tuple[Hospital, list]:
    """The public screen: per department open now (or still calling), the numbers being called, latest first.
    Numbers only: nothing on it names a patient."""
    hospital = hospitals.get_hospital(session, hospital_code)
    on = on or clock.today()
    calls = _latest_calls(session, hospital, on, BOARD_CALLS_PER_DEPARTMENT)
    now = clock.now()
    shown = [d for d in hospital.departments if d.active and (d.id in calls or hospitals.is_open(d, now))]
    return hospital, [(d, calls.get(d.id, [])) for d in shown]


def _latest_calls(session: Session, hospital: Hospital, on: date, per_department: int) -> dict[int, list[BoardCall]]:
    rows = session.execute(
        sa.select(QueueTicket.department_id, QueueTicket.number, QueueTicket.recalls, QueueTicket.called_at)
        .join(Department, Department.id == QueueTicket.department_id)
        .where(Department.hospital_id == hospital.id, QueueTicket.service_date == on, QueueTicket.status == "called")
        .order_by(QueueTicket.called_at.desc())
    )
    calls: dict[int, list[BoardCall]] = {}
    for department_id, number, recalls, called_at in rows:
        kept = calls.setdefault(department_id, [])
        if len(kept) < per_department:
            kept.append(BoardCall(number, recalls, called_at))
    return calls


def _ticket_by_public_id(session: Session, public_id: str) -> QueueTicket:
    return session.scalar(sa.select(QueueTicket).where(QueueTicket.public_id == public_id))


def _made(result: tickets.TicketResult) -> tuple[tickets.TicketResult, str]:
    return result, result.ticket.public_id


def _my_ticket(session: Session, principal: Principal, department_code: str, ticket_id: str) -> QueueTicket:
    department = hospitals.get_department(
        session, staff_hospital(session=session, principal=principal), department_code
    )
    ticket = session.scalar(
        sa.select(QueueTicket).where(QueueTicket.public_id == ticket_id, QueueTicket.department_id == department.id)
    )
    if ticket is None or ticket.service_date != clock.today():
        raise NotFound("No such ticket in today's queue of this department.")
    return ticket


def _once(session, principal, operation, department_code, ticket_id, key, make) -> QueueTicket:
    return idempotency.once(
        session=session,
        principal=principal,
        key=key,
        operation=operation,
        request={"department": department_code, "ticket": ticket_id},
        replay=lambda ref: _ticket_by_public_id(session, ref),
        make=make,
    )


def _audit(session: Session, principal: Principal, ticket: QueueTicket) -> None:
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[ticket.citizen_id],
        action="update",
        record_type="queue-ticket",
        record_ref=ticket.public_id,
        purpose=checkin.PURPOSE,
    )
