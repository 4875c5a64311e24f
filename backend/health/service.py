"""Hospital check-in rules: identify a present patient, compute BHYT coverage, record consent, issue
queue tickets that are never duplicated, and let staff call their queue. Every read of a patient's data
by the hospital is audited with the purpose "hospital check-in"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth import service as auth_service
from backend.auth.models import Account
from backend.consent import service as consent_service
from backend.consent.models import ConsentReceipt
from backend.core import clock, idempotency
from backend.core.access import HOSPITAL_STAFF, KIOSK, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.health import coverage
from backend.health.identification import identify_patient
from backend.health.models import (
    Checkin,
    Department,
    Hospital,
    KioskRegistration,
    QueueCounter,
    QueueTicket,
)
from backend.registry.models import Citizen, HealthInsuranceCard
from shared_schemas.clock import VIETNAM_TZ as VIETNAM

PURPOSE = "hospital check-in"
CHECKIN_LIFETIME = timedelta(minutes=30)
PROVISIONAL_BASE, PROVISIONAL_BLOCK = 10_000, 100  # offline numbers never meet the daily sequence
CHECKIN, TICKET = "hospital-checkin", "queue-ticket"  # operations, for Idempotency-Key replays
SHARED_DATA = "identity,health_insurance"


@dataclass
class CheckinResult:
    checkin: Checkin
    citizen: Citizen
    hospital: Hospital
    card: HealthInsuranceCard | None
    result: coverage.Coverage
    consent: ConsentReceipt | None


@dataclass
class TicketResult:
    ticket: QueueTicket
    existing: bool
    waiting_ahead: int
    patient_name: str
    coverage_message_vi: str
    coverage_message_en: str


def new_public_id() -> str:
    return uuid.uuid4().hex


# --- hospitals and departments -------------------------------------------------------------------------
def get_hospital(session: Session, code: str | None) -> Hospital:
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == code)) if code else None
    if hospital is None:
        raise NotFound(f"No hospital with code {code!r}.")
    return hospital


def get_department(session: Session, hospital: Hospital, code: str) -> Department:
    department = session.scalar(
        sa.select(Department).where(
            Department.hospital_id == hospital.id, Department.code == code, Department.active.is_(True)
        )
    )
    if department is None:
        raise NotFound(f"No department {code!r} at {hospital.name}.")
    return department


def is_open(department: Department, moment: datetime) -> bool:
    local = moment.astimezone(VIETNAM)
    clock, weekday = local.time(), local.weekday()
    if department.opens_at == department.closes_at:  # round the clock
        return str(weekday) in department.open_weekdays
    if department.opens_at < department.closes_at:
        return str(weekday) in department.open_weekdays and department.opens_at <= clock < department.closes_at
    # Overnight clinic: the evening part belongs to today, the early-morning part to yesterday's opening.
    if clock >= department.opens_at:
        return str(weekday) in department.open_weekdays
    return clock < department.closes_at and str((weekday - 1) % 7) in department.open_weekdays


def list_hospitals(*, session: Session) -> list[Hospital]:
    return list(session.scalars(sa.select(Hospital).order_by(Hospital.code)))


def list_departments(*, session: Session, hospital_code: str, now: datetime) -> list[tuple[Department, bool]]:
    hospital = get_hospital(session, hospital_code)
    departments = session.scalars(
        sa.select(Department)
        .where(Department.hospital_id == hospital.id, Department.active.is_(True))
        .order_by(Department.code)
    )
    return [(d, is_open(d, now)) for d in departments]


# --- kiosks --------------------------------------------------------------------------------------------
def register_kiosk(
    *, session: Session, principal: Principal, username: str, password: str, display_name: str
) -> KioskRegistration:
    """Hospital staff provision a kiosk account scoped to their hospital, with its own offline block."""
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff provision kiosks.")
    hospital = get_hospital(session, principal.scope_code)
    account = auth_service.create_kiosk_account(
        session=session, username=username, hospital_code=hospital.code, display_name=display_name, password=password
    )
    return register_kiosk_account(
        session=session, account=account, hospital=hospital, created_by=principal.account_id, now=clock.now()
    )


def register_kiosk_account(
    *, session: Session, account: Account, hospital: Hospital, created_by: int, now: datetime
) -> KioskRegistration:
    """Register a kiosk account for check-in at `hospital`, with the next block of offline queue numbers
    (fleet enrollment asks this too)."""
    used = session.scalar(
        sa.select(sa.func.max(KioskRegistration.provisional_block)).where(KioskRegistration.hospital_id == hospital.id)
    )
    registration = KioskRegistration(
        account_id=account.id,
        hospital_id=hospital.id,
        provisional_block=0 if used is None else used + 1,
        created_by=created_by,
        created_at=now,
    )
    session.add(registration)
    session.flush()
    return registration


def kiosk_registration(*, session: Session, principal: Principal) -> tuple[KioskRegistration, Hospital]:
    if principal.role != KIOSK:
        raise Forbidden("Only kiosks have a kiosk profile.")
    registration = session.scalar(
        sa.select(KioskRegistration).where(KioskRegistration.account_id == principal.account_id)
    )
    hospital = get_hospital(session, principal.scope_code)
    if registration is None or registration.hospital_id != hospital.id:
        raise Forbidden("This kiosk is not registered with a hospital.")
    return registration, hospital


def provisional_range(registration: KioskRegistration) -> tuple[int, int]:
    start = PROVISIONAL_BASE + registration.provisional_block * PROVISIONAL_BLOCK
    return start, start + PROVISIONAL_BLOCK - 1


# --- check-in ------------------------------------------------------------------------------------------
def _current_card(session: Session, citizen: Citizen, on: date) -> HealthInsuranceCard | None:
    cards = list(
        session.scalars(
            sa.select(HealthInsuranceCard)
            .where(HealthInsuranceCard.citizen_id == citizen.id)
            .order_by(HealthInsuranceCard.valid_to.desc())
        )
    )
    valid = [c for c in cards if c.valid_from <= on <= c.valid_to]
    return (valid or cards or [None])[0]


def _coverage(card, hospital: Hospital, on: date, checkin_flags: dict) -> coverage.Coverage:
    facts = None
    if card is not None:
        facts = coverage.CardFacts(
            card.card_number,
            card.valid_from,
            card.valid_to,
            card.benefit_level,
            card.primary_care_facility_code,
            card.primary_care_facility_name,
        )
    return coverage.compute(
        facts, on=on, hospital_level=hospital.level, hospital_facility_code=hospital.facility_code, **checkin_flags
    )


def _load_checkin_result(session: Session, checkin: Checkin) -> CheckinResult:
    hospital = session.get(Hospital, checkin.hospital_id)
    card = session.get(HealthInsuranceCard, checkin.insurance_card_id) if checkin.insurance_card_id else None
    flags = {"visit_type": checkin.visit_type, "referral": checkin.referral, "emergency": checkin.emergency}
    return CheckinResult(
        checkin,
        session.get(Citizen, checkin.citizen_id),
        hospital,
        card,
        _coverage(card, hospital, clock.local_date(checkin.identified_at), flags),
        session.get(ConsentReceipt, checkin.consent_id) if checkin.consent_id else None,
    )


def create_checkin(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None, now: datetime | None = None
) -> CheckinResult:
    """A kiosk identified a present patient: record consent and the check-in, audit the read."""
    if principal.role != KIOSK:
        raise Forbidden("Only hospital kiosks check patients in.")
    now = now or clock.now()

    def check_in() -> tuple[CheckinResult, str]:
        _, hospital = kiosk_registration(session=session, principal=principal)
        identified_at = data.get("identified_at") or now
        if identified_at > now + timedelta(minutes=5) or identified_at < now - timedelta(days=1):
            raise ValidationFailed(
                "identified_at must be within the last day.",
                errors={"json": {"identified_at": ["Outside the accepted window."]}},
            )
        on = clock.local_date(identified_at)
        proof = data["identification"]
        who = identify_patient(
            session=session, principal=principal, proof=proof, identified_at=identified_at, on=on, now=now
        )
        citizen = who.citizen
        card = _current_card(session, citizen, on)
        flags = {
            "visit_type": data.get("visit_type", "outpatient"),
            "referral": data.get("referral", False),
            "emergency": data.get("emergency", False),
        }
        result = _coverage(card, hospital, on, flags)
        consent = None
        if who.consented:  # only an identification the server verified stands for the citizen's own consent
            day_end = datetime.combine(on, time(23, 59, 59), tzinfo=VIETNAM).astimezone(UTC)
            consent = consent_service.grant(
                session=session,
                citizen_id=citizen.id,
                recipient_code=hospital.code,
                recipient_name=hospital.name,
                fields=SHARED_DATA.split(","),
                purpose=PURPOSE,
                collected_via=principal.label,
                granted_at=identified_at,
                valid_until=day_end,
            )
        checkin = Checkin(
            public_id=new_public_id(),
            hospital_id=hospital.id,
            citizen_id=citizen.id,
            kiosk_account_id=principal.account_id,
            method=proof["method"],
            trust_level=who.trust_level,
            kiosk_claim=who.kiosk_claim,
            proof_ref=who.proof_ref,
            identified_at=identified_at,
            expires_at=max(identified_at, now) + CHECKIN_LIFETIME,
            insurance_card_id=card.id if card else None,
            insurance_status=result.status,
            in_route=result.in_route,
            coverage_percent=result.coverage_percent,
            consent_id=consent.id if consent else None,
            **flags,
        )
        session.add(checkin)
        session.flush()
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[citizen.id],
            action="read",
            record_type="health-checkin",
            record_ref=checkin.public_id,
            purpose=PURPOSE,
        )
        return CheckinResult(checkin, citizen, hospital, card, result, consent), checkin.public_id

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation=CHECKIN,
        request=data,
        replay=lambda ref: _load_checkin_result(
            session, session.scalar(sa.select(Checkin).where(Checkin.public_id == ref))
        ),
        make=check_in,
        now=now,
    )


# --- queue tickets -------------------------------------------------------------------------------------
def _lock_queue(session: Session, hospital_code: str, department_code: str, service_date: date) -> None:
    """Take the department's counter row for the day (creating it): concurrent issuers wait here.

    This is the first write of the transaction, so on SQLite it also takes the database write lock
    before anything below is read."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = QueueCounter.__table__
    statement = insert(table).values(
        hospital_code=hospital_code, department_code=department_code, service_date=service_date, last_number=0
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["hospital_code", "department_code", "service_date"],
            set_={"last_number": table.c.last_number},
        )
    )


def _next_number(session: Session, hospital_code: str, department_code: str, service_date: date) -> int:
    return session.execute(
        sa.update(QueueCounter)
        .where(
            QueueCounter.hospital_code == hospital_code,
            QueueCounter.department_code == department_code,
            QueueCounter.service_date == service_date,
        )
        .values(last_number=QueueCounter.last_number + 1)
        .returning(QueueCounter.last_number)
    ).scalar_one()


def ticket_result(session: Session, ticket: QueueTicket, existing: bool) -> TicketResult:
    ahead = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(QueueTicket)
            .where(
                QueueTicket.department_id == ticket.department_id,
                QueueTicket.service_date == ticket.service_date,
                QueueTicket.status == "waiting",
                QueueTicket.issued_at < ticket.issued_at,
            )
        )
        or 0
    )
    checkin = ticket.checkin
    hospital = session.get(Hospital, checkin.hospital_id)
    card = session.get(HealthInsuranceCard, checkin.insurance_card_id) if checkin.insurance_card_id else None
    flags = {"visit_type": checkin.visit_type, "referral": checkin.referral, "emergency": checkin.emergency}
    result = _coverage(card, hospital, ticket.service_date, flags)
    citizen = session.get(Citizen, ticket.citizen_id)
    return TicketResult(ticket, existing, ahead, citizen.full_name, result.message_vi, result.message_en)


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
    """The patient chose a department: their ticket for today (the existing one if they have it)."""
    if principal.role != KIOSK:
        raise Forbidden("Only hospital kiosks issue queue tickets.")
    now = now or clock.now()
    hospital_code = principal.scope_code or ""
    checkin = session.scalar(sa.select(Checkin).where(Checkin.public_id == checkin_id))
    if checkin is None or checkin.kiosk_account_id != principal.account_id:
        raise NotFound("No such check-in at this kiosk.")
    service_date = clock.local_date(checkin.identified_at)
    _lock_queue(session, hospital_code, department_code, service_date)
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
    consent = session.get(ConsentReceipt, checkin.consent_id) if checkin.consent_id else None
    if consent is not None and consent.revoked_at is not None:
        raise Forbidden("The patient revoked consent for this visit.")
    registration, hospital = kiosk_registration(session=session, principal=principal)
    department = get_department(session, hospital, department_code)
    existing = session.scalar(
        sa.select(QueueTicket).where(
            QueueTicket.department_id == department.id,
            QueueTicket.service_date == service_date,
            QueueTicket.citizen_id == checkin.citizen_id,
            QueueTicket.status != "done",
        )
    )
    if existing is not None:
        idempotency.remember(
            session=session,
            principal=principal,
            key=idempotency_key,
            operation=TICKET,
            fingerprint=print_,
            resource_ref=existing.public_id,
            now=now,
        )
        return ticket_result(session, existing, True)
    if provisional_number is None:
        if not is_open(department, now):
            raise Conflict(
                f"{department.name} is closed now ({department.opens_at:%H:%M}–{department.closes_at:%H:%M})."
            )
        number = _next_number(session, hospital_code, department_code, service_date)
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
        number = provisional_number
    ticket = QueueTicket(
        public_id=new_public_id(),
        department_id=department.id,
        service_date=service_date,
        number=number,
        citizen_id=checkin.citizen_id,
        checkin_id=checkin.id,
        provisional=provisional_number is not None,
        # An insured visit needs a card that pays here: what the check-in verified decides.
        payment=payment if checkin.coverage_percent > 0 else "self_pay",
        issued_at=checkin.identified_at if provisional_number is not None else now,
    )
    session.add(ticket)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[checkin.citizen_id],
        action="create",
        record_type="queue-ticket",
        record_ref=ticket.public_id,
        purpose=PURPOSE,
    )
    idempotency.remember(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation=TICKET,
        fingerprint=print_,
        resource_ref=ticket.public_id,
        now=now,
    )
    return ticket_result(session, ticket, False)


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
        record_access(
            session=session,
            principal=principal,
            subject_citizen_ids=[ticket.citizen_id],
            action="update",
            record_type="queue-ticket",
            record_ref=ticket.public_id,
            purpose=PURPOSE,
        )
    return ticket_result(session, ticket, True)


# --- staff: the queue ----------------------------------------------------------------------------------
def _staff_department(session: Session, principal: Principal, department_code: str) -> Department:
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff see queues.")
    return get_department(session, get_hospital(session, principal.scope_code), department_code)


def queue_view(
    *, session: Session, principal: Principal, department_code: str, on: date | None = None
) -> tuple[Department, list[tuple[QueueTicket, str | None]]]:
    """Today's tickets in arrival order, with the patient's name unless they revoked consent."""
    department = _staff_department(session, principal, department_code)
    on = on or clock.today()
    rows = session.execute(
        sa.select(QueueTicket, Citizen.full_name, ConsentReceipt.revoked_at)
        .join(Citizen, Citizen.id == QueueTicket.citizen_id)
        .join(Checkin, Checkin.id == QueueTicket.checkin_id)
        .outerjoin(ConsentReceipt, ConsentReceipt.id == Checkin.consent_id)
        .where(QueueTicket.department_id == department.id, QueueTicket.service_date == on)
        .order_by(QueueTicket.issued_at, QueueTicket.number)
    ).all()
    visible = [(t, name if revoked is None else None) for t, name, revoked in rows]
    record_access(
        session=session,
        principal=principal,
        action="read",
        record_type="queue",
        subject_citizen_ids=[t.citizen_id for t, name in visible if name is not None],
        record_ref=f"{department.code}/{on.isoformat()}",
        purpose=PURPOSE,
    )
    return department, visible


def call_next(
    *, session: Session, principal: Principal, department_code: str, now: datetime | None = None
) -> TicketResult:
    """Call the longest-waiting patient (provisional tickets take their place by arrival time)."""
    department = _staff_department(session, principal, department_code)
    now = now or clock.now()
    _lock_queue(session, department.hospital.code, department.code, clock.local_date(now))
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
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[ticket.citizen_id],
        action="update",
        record_type="queue-ticket",
        record_ref=ticket.public_id,
        purpose=PURPOSE,
    )
    return ticket_result(session, ticket, True)


# --- consent receipts (the citizen's side) -------------------------------------------------------------
def list_consents(*, session: Session, principal: Principal) -> list[ConsentReceipt]:
    return consent_service.list_for_citizen(session=session, principal=principal)


def revoke_consent(
    *, session: Session, principal: Principal, consent_id: str, now: datetime | None = None
) -> ConsentReceipt:
    """Stop the sharing from now on; what the hospital already saw stays in the audit trail."""
    return consent_service.revoke(session=session, principal=principal, consent_id=consent_id, now=now or clock.now())
