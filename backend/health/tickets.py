"""Queue tickets: the kiosk issues the patient's ticket for a department, numbered from the department's
daily counter, never twice, or with the provisional number an offline kiosk printed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.audit.service import record_access
from backend.consent.models import ConsentReceipt
from backend.core import clock, idempotency
from backend.core.access import KIOSK, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.health.checkin import PURPOSE, insurance_coverage, new_public_id
from backend.health.hospitals import get_department, is_open
from backend.health.kiosks import kiosk_registration, provisional_range
from backend.health.models import (
    Checkin,
    Department,
    Hospital,
    QueueCounter,
    QueueTicket,
)
from backend.registry.models import Citizen, HealthInsuranceCard
from shared_schemas.text import mask_name

TICKET = "queue-ticket"  # the operation, for Idempotency-Key replays


@dataclass
class TicketResult:
    """A queue ticket as the kiosk prints it and staff call it (TicketSchema dumps it)."""

    ticket: QueueTicket
    existing: bool
    waiting_ahead: int
    patient_name: str
    insurance_message_vi: str
    insurance_message_en: str

    @property
    def id(self) -> str:
        return self.ticket.public_id

    @property
    def patient_name_masked(self) -> str:
        return mask_name(self.patient_name)

    def __getattr__(self, name: str):  # number, department, service_date, issued_at, status, provisional, payment
        return getattr(self.ticket, name)


def audit_ticket(session: Session, principal: Principal, ticket: QueueTicket, action: str) -> None:
    """A ticket carries the patient's name: issuing, renumbering, calling (and any later staff action on it)
    is recorded in the patient's access log."""
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[ticket.citizen_id],
        action=action,
        record_type="queue-ticket",
        record_ref=ticket.public_id,
        purpose=PURPOSE,
    )


def lock_queue(session: Session, hospital_code: str, department_code: str, service_date: date) -> None:
    """Take the department's counter row for the day (creating it): concurrent callers wait here until this
    transaction ends (staff calling the next patient, so that two desks never call the same one)."""
    table = QueueCounter.__table__
    statement = _insert(session)(table).values(
        hospital_code=hospital_code, department_code=department_code, service_date=service_date, last_number=0
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["hospital_code", "department_code", "service_date"],
            set_={"last_number": table.c.last_number},
        )
    )


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_TAKE_NUMBER: dict[str, sa.Insert] = {}  # per dialect, built once with bound parameters


def take_number(session: Session, hospital_code: str, department_code: str, service_date: date) -> int:
    """The department's next number of the day, in one statement (the counter row is created by the day's first
    ticket). The row stays locked until the transaction ends, so a ticket takes its number last: just before
    its own INSERT and the commit, after every read and every other write of the request, and concurrent
    issuers of the same queue wait only for that."""
    dialect = session.get_bind().dialect.name
    statement = _TAKE_NUMBER.get(dialect)
    if statement is None:
        table = QueueCounter.__table__
        statement = _TAKE_NUMBER.setdefault(
            dialect,
            _insert(session)(table)
            .values(
                hospital_code=sa.bindparam("hospital_code"),
                department_code=sa.bindparam("department_code"),
                service_date=sa.bindparam("service_date"),
                last_number=1,
            )
            .on_conflict_do_update(
                index_elements=["hospital_code", "department_code", "service_date"],
                set_={"last_number": table.c.last_number + 1},
            )
            .returning(table.c.last_number),
        )
    values = {"hospital_code": hospital_code, "department_code": department_code, "service_date": service_date}
    return session.execute(statement, values).scalar_one()


# The ticket's statements, built once (their SQL cache keys too) and bound per request.
_AHEAD = (
    sa.select(sa.func.count())
    .select_from(QueueTicket)
    .where(
        QueueTicket.department_id == sa.bindparam("department_id"),
        QueueTicket.service_date == sa.bindparam("service_date"),
        QueueTicket.status == "waiting",
        QueueTicket.issued_at < sa.bindparam("issued_at"),
    )
)
_PATIENT_AND_CARD = (
    sa.select(Citizen.full_name, HealthInsuranceCard)
    .select_from(Citizen)
    .outerjoin(HealthInsuranceCard, HealthInsuranceCard.id == sa.bindparam("card_id"))
    .where(Citizen.id == sa.bindparam("citizen_id"))
)
_CHECKIN = (
    sa.select(Checkin, ConsentReceipt.revoked_at)
    .outerjoin(ConsentReceipt, ConsentReceipt.id == Checkin.consent_id)
    .where(Checkin.public_id == sa.bindparam("public_id"))
)
_OPEN_TICKET = sa.select(QueueTicket).where(
    QueueTicket.department_id == sa.bindparam("department_id"),
    QueueTicket.service_date == sa.bindparam("service_date"),
    QueueTicket.citizen_id == sa.bindparam("citizen_id"),
    QueueTicket.status != "done",
)


def ticket_result(
    session: Session, ticket: QueueTicket, existing: bool, department: Department | None = None
) -> TicketResult:
    if department is not None and department.id == ticket.department_id:
        # Loaded already (the caller checked it is open): the answer names it without loading it again.
        set_committed_value(ticket, "department", department)
    bound = {"department_id": ticket.department_id, "service_date": ticket.service_date}
    ahead = session.scalar(_AHEAD, {**bound, "issued_at": ticket.issued_at}) or 0
    checkin = ticket.checkin
    hospital = session.get(Hospital, checkin.hospital_id)
    # The patient's name and the card the check-in verified, in one statement.
    full_name, card = session.execute(
        _PATIENT_AND_CARD, {"citizen_id": ticket.citizen_id, "card_id": checkin.insurance_card_id}
    ).one()
    flags = {"visit_type": checkin.visit_type, "referral": checkin.referral, "emergency": checkin.emergency}
    result = insurance_coverage(card, hospital, ticket.service_date, flags)
    return TicketResult(ticket, existing, ahead, full_name, result.message_vi, result.message_en)


def issue_ticket(
    *,
    session: Session,
    principal: Principal,
    checkin_id: str,
    department_code: str,
    provisional_number: int | None,
    idempotency_key: str,
    now: datetime | None = None,
    payment: str = "insurance",
) -> TicketResult:
    """The patient chose a department: their ticket for today (the existing one if they have it).

    Concurrent requests need no lock until the number is taken: a twin with the same Idempotency-Key loses on
    the key's unique constraint, a second ticket for the same patient and queue on the one-open-ticket index
    (`uq_hospital_queue_tickets_open_per_patient`), a provisional number used twice on the number's; the unit of
    work then retries the loser, which finds the winner's ticket (backend/core/unit_of_work.py)."""
    if principal.role != KIOSK:
        raise Forbidden("Only hospital kiosks issue queue tickets.")
    now = now or clock.now()
    hospital_code = principal.scope_code or ""
    row = session.execute(_CHECKIN, {"public_id": checkin_id}).first()
    if row is None or row.Checkin.kiosk_account_id != principal.account_id:
        raise NotFound("No such check-in at this kiosk.")
    checkin, consent_revoked_at = row
    service_date = clock.local_date(checkin.identified_at)
    body = {"checkin_id": checkin_id, "department_code": department_code, "provisional_number": provisional_number}
    print_ = idempotency.fingerprint(TICKET, body)
    try:
        ref = idempotency.replayed(
            session=session, principal=principal, key=idempotency_key, operation=TICKET, fingerprint=print_
        )
    except idempotency.IdempotencyKeyReused:
        if provisional_number is None:
            raise
        # The kiosk sent this request online, lost the answer, and gave the patient a provisional number:
        # nobody has seen the number issued then, so the ticket takes the one on the patient's paper.
        online = idempotency.fingerprint(TICKET, {**body, "provisional_number": None})
        ref = idempotency.replayed(
            session=session, principal=principal, key=idempotency_key, operation=TICKET, fingerprint=online
        )
        return _adopt_provisional_number(session, principal, checkin, ref, provisional_number, idempotency_key, print_)
    if ref is not None:
        return ticket_result(session, session.scalar(sa.select(QueueTicket).where(QueueTicket.public_id == ref)), True)
    # A provisional number was handed out while the kiosk was offline and the check-in fresh; how long the
    # network then stayed down says nothing about the check-in.
    if provisional_number is None and checkin.expires_at < now:
        raise Conflict("This check-in has expired. Please identify again.")
    if consent_revoked_at is not None:
        raise Forbidden("The patient revoked consent for this visit.")
    registration, hospital = kiosk_registration(session=session, principal=principal)
    department = get_department(session, hospital, department_code)
    existing = session.scalar(
        _OPEN_TICKET,
        {"department_id": department.id, "service_date": service_date, "citizen_id": checkin.citizen_id},
    )

    def remember(ticket: QueueTicket) -> None:
        """A retry with this Idempotency-Key replays this ticket."""
        idempotency.remember(
            session=session,
            principal=principal,
            key=idempotency_key,
            operation=TICKET,
            fingerprint=print_,
            resource_ref=ticket.public_id,
            now=now,
        )

    if existing is not None:
        remember(existing)
        return ticket_result(session, existing, True, department)
    if provisional_number is None:
        if not is_open(department, now):
            raise Conflict(
                f"{department.name} is closed now ({department.opens_at:%H:%M}–{department.closes_at:%H:%M})."
            )
    else:
        low, high = provisional_range(registration)
        if not low <= provisional_number <= high:
            raise ValidationFailed(
                f"Provisional numbers of this kiosk run from {low} to {high}.",
                errors={"json": {"provisional_number": ["Outside this kiosk's range."]}},
            )
        if session.scalar(
            sa.select(QueueTicket.id).where(
                QueueTicket.department_id == department.id,
                QueueTicket.service_date == service_date,
                QueueTicket.number == provisional_number,
            )
        ):
            raise Conflict("This provisional number was already used today.")
    ticket = QueueTicket(
        public_id=new_public_id(),
        department_id=department.id,
        service_date=service_date,
        number=provisional_number,  # an online ticket's number is taken last, below
        citizen_id=checkin.citizen_id,
        checkin_id=checkin.id,
        provisional=provisional_number is not None,
        # An insured visit needs a card that pays here: what the check-in verified decides.
        payment=payment if checkin.coverage_percent > 0 else "self_pay",
        issued_at=checkin.identified_at if provisional_number is not None else now,
        status="waiting",
    )
    # Not in the session yet: the answer, the audit row and the key are written before the number is taken.
    set_committed_value(ticket, "checkin", checkin)
    result = ticket_result(session, ticket, False, department)
    audit_ticket(session, principal, ticket, "create")
    remember(ticket)
    if ticket.number is None:
        ticket.number = take_number(session, hospital_code, department_code, service_date)
    session.add(ticket)
    session.flush()
    return result


def _adopt_provisional_number(
    session: Session, principal: Principal, checkin: Checkin, ref: str, number: int, idempotency_key: str, print_: str
) -> TicketResult:
    """Renumber the ticket a lost answer carried, unless someone could have seen its number by now (it was
    called, it belongs to an earlier check-in) or the provisional number is not this kiosk's to give."""
    ticket = session.scalar(sa.select(QueueTicket).where(QueueTicket.public_id == ref))
    registration, _ = kiosk_registration(session=session, principal=principal)
    low, high = provisional_range(registration)
    taken = session.scalar(
        sa.select(QueueTicket.id).where(
            QueueTicket.department_id == ticket.department_id,
            QueueTicket.service_date == ticket.service_date,
            QueueTicket.number == number,
        )
    )
    if (
        ticket.checkin_id == checkin.id
        and ticket.status == "waiting"
        and not ticket.provisional
        and low <= number <= high
        and taken is None
    ):
        ticket.number, ticket.provisional = number, True
        # A further retry of the offline request replays this ticket.
        idempotency.amend(session=session, principal=principal, key=idempotency_key, fingerprint=print_)
        audit_ticket(session, principal, ticket, "update")
    return ticket_result(session, ticket, True)
