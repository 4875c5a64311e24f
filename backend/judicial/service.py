"""Recording convictions, requesting certificates (fee, payment, deadline), the officers' queue, compiling a
certificate from the record and issuing it as a signed document."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock, idempotency
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.judicial import expungement, fees
from backend.judicial.certificate import issue_document
from backend.judicial.models import CertificateRequest, ConvictionRecord
from backend.law import store
from backend.notifications import service as notifications
from backend.registry.models import Citizen
from backend.registry.service import find_citizen, officer_covers_citizen

log = logging.getLogger(__name__)


class RequestNotPayable(Conflict):
    code, title = "request-not-payable", "This request has no fee to pay"


@dataclass(frozen=True)
class CertificateEntry:
    """One conviction as a certificate shows it (CertificateEntrySchema)."""

    conviction: ConvictionRecord
    expunges_on: date | None  # the day the record is (or will be) expunged by law
    expunged: bool
    no_record: bool  # Art. 69(2) / 107(1): the law treats the person as having no record for it
    court_must_decide: str | None = None  # Art. 70(1): the chapter whose convictions only a court expunges

    @property
    def expunged_on(self) -> date | None:
        """Shown only once it happened: a future expunging day says nothing on a certificate."""
        return self.expunges_on if self.expunged else None

    @property
    def treated_as_no_record(self) -> bool:
        return self.no_record


@dataclass(frozen=True)
class Compilation:
    """What a certificate will show on a day (CertificateCompilationSchema)."""

    request: CertificateRequest
    subject: Citizen
    on: date
    entries: list[CertificateEntry]  # what the certificate shows, in judgment order

    @property
    def subject_name(self) -> str:
        return self.subject.full_name

    @property
    def has_criminal_record(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class QueuedRequest:
    """A request in an officer's list, with its subject's name (CertificateQueueEntrySchema)."""

    request: CertificateRequest
    subject_name: str
    overdue: bool

    def __getattr__(self, name: str):  # number, certificate_type, purpose, fee, status, dates
        return getattr(self.request, name)


def record_conviction(
    *, session: Session, principal: Principal, data: dict, now: datetime | None = None
) -> ConvictionRecord:
    """Enter a court's legally effective judgment for a person under my jurisdiction (audited)."""
    subject = find_citizen(session, data.pop("personal_id"))
    if not officer_covers_citizen(principal, subject, on=clock.today()):
        raise Forbidden("This person is outside your jurisdiction.")
    for day in ("offence_date", "principal_completed_on", "additional_completed_on"):
        if data.get(day) and data[day] < subject.date_of_birth:
            raise ValidationFailed("A date is before the person's birth.", errors={"json": {day: ["Before birth."]}})
    if data["offence_date"] > data["judgment_date"]:
        raise ValidationFailed(
            "The offence cannot follow the judgment.",
            errors={"json": {"offence_date": ["After the judgment date."]}},
        )
    duplicate = session.scalar(
        sa.select(ConvictionRecord.id).where(
            ConvictionRecord.citizen_id == subject.id,
            ConvictionRecord.court == data["court"],
            ConvictionRecord.judgment_number == data["judgment_number"],
        )
    )
    if duplicate is not None:
        raise Conflict("This judgment is already recorded for this person.")
    record = ConvictionRecord(
        citizen_id=subject.id,
        recorded_at=now or clock.now(),
        recorded_by_account_id=principal.account_id,
        **data,
    )
    session.add(record)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[subject.id],
        action="create",
        record_type="conviction-record",
        purpose="judicial record keeping",
        record_ref=str(record.id),
    )
    return record


def request_certificate(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str, now: datetime | None = None
) -> CertificateRequest:
    """A level-2 citizen asks for certificate No. 1 or No. 2 about themselves. The fee is paid online before
    processing starts; an exempt request goes straight to the queue."""
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account requests certificates.")
    now = (now or clock.now()).replace(microsecond=0)

    def make():
        subject = session.get(Citizen, principal.citizen_id)
        today = clock.local_date(now)
        fee, claim = fees.initial_fee(data["fee_category"], data["copies"], subject, today)
        request = CertificateRequest(
            number="pending-" + uuid.uuid4().hex[:20],
            requester_account_id=principal.account_id,
            subject_citizen_id=subject.id,
            certificate_type=data["certificate_type"],
            purpose=data["purpose"],
            copies=data["copies"],
            delivery=data["delivery"],
            postal_address=data["postal_address"],
            include_bans=data["include_bans"],
            fee_category=data["fee_category"],
            fee_amount=fee,
            fee_claim_status=claim,
            needs_verification=data["lived_in_several_provinces"],
            requested_at=now,
            status="awaiting_payment" if fee else "queued",
        )
        if not fee:
            request.due_on = _deadline(request, today)
        session.add(request)
        session.flush()
        request.number = f"LLTP{today:%Y}{request.id:08d}"
        return request, str(request.id)

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="certificate-request",
        request=data,
        replay=lambda ref: session.get(CertificateRequest, int(ref)),
        make=make,
        now=now,
    )


def _deadline(request: CertificateRequest, start: date) -> date:
    table = store.value("judicial.processing_days", start)
    days = table["verification"] if request.needs_verification else table["standard"]
    return start + timedelta(days=days)


def mark_paid(*, session: Session, number: str, amount: int, paid_at: datetime) -> bool:
    """The fee arrived: the request joins the queue, and its legal deadline starts counting."""
    request = session.scalar(sa.select(CertificateRequest).where(CertificateRequest.number == number))
    if request is None or request.fee_amount != amount:
        return False
    return bool(
        session.execute(
            sa.update(CertificateRequest)
            .where(CertificateRequest.id == request.id, CertificateRequest.status == "awaiting_payment")
            .values(status="queued", paid_at=paid_at, due_on=_deadline(request, clock.local_date(paid_at)))
        ).rowcount
    )


def list_own(*, session: Session, principal: Principal) -> list[CertificateRequest]:
    if principal.role != CITIZEN:
        raise Forbidden("Only a citizen account has certificate requests.")
    return list(
        session.scalars(
            sa.select(CertificateRequest)
            .where(CertificateRequest.requester_account_id == principal.account_id)
            .order_by(CertificateRequest.requested_at.desc(), CertificateRequest.id.desc())
        )
    )


def get_request(
    *, session: Session, principal: Principal, number: str, purpose: str = "certificate processing"
) -> CertificateRequest:
    request = session.scalar(sa.select(CertificateRequest).where(CertificateRequest.number == number))
    if request is not None:
        if principal.role == CITIZEN and request.requester_account_id == principal.account_id:
            return request
        if principal.role == OFFICER and officer_covers_citizen(
            principal, session.get(Citizen, request.subject_citizen_id), on=clock.today()
        ):
            record_access(
                session=session,
                principal=principal,
                subject_citizen_ids=[request.subject_citizen_id],
                action="read",
                record_type="certificate-request",
                purpose=purpose,
                record_ref=number,
            )
            return request
    raise NotFound("No such certificate request among those you may see.")


def queue(*, session: Session, principal: Principal) -> list[QueuedRequest]:
    """Paid requests waiting for me (people living in my jurisdiction), the nearest legal deadline first."""
    rows = session.execute(
        sa.select(CertificateRequest, Citizen)
        .join(Citizen, Citizen.id == CertificateRequest.subject_citizen_id)
        .where(CertificateRequest.status == "queued")
        .order_by(CertificateRequest.due_on, CertificateRequest.id)
    ).all()
    today = clock.today()
    mine = [
        QueuedRequest(request, citizen.full_name, request.due_on < today)
        for request, citizen in rows
        if officer_covers_citizen(principal, citizen, on=today)
    ]
    # The queue names whose record is asked for: a read of their data, shown in their access log.
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[entry.request.subject_citizen_id for entry in mine],
        action="read",
        record_type="certificate-work-queue",
        purpose="criminal-record certificate work queue",
    )
    return mine


def compile_certificate(*, session: Session, principal: Principal, number: str, on: date) -> Compilation:
    """What the certificate shows on `on`. No. 1: convictions not expunged (and not treated as no record);
    No. 2: every conviction, expunged ones marked with the day they were expunged."""
    request = get_request(session=session, principal=principal, number=number, purpose="compiling a certificate")
    subject = session.get(Citizen, request.subject_citizen_id)
    record = list(
        session.scalars(
            sa.select(ConvictionRecord)
            .where(ConvictionRecord.citizen_id == subject.id)
            .order_by(ConvictionRecord.judgment_date, ConvictionRecord.id)
        )
    )
    entries = []
    for conviction in record:
        day = expungement.expunged_on(conviction, record, subject.date_of_birth, on)
        entry = CertificateEntry(
            conviction,
            day,
            day is not None and on >= day,
            expungement.treated_as_no_record(conviction, subject.date_of_birth),
            expungement.court_must_decide(conviction, on) if conviction.court_expunged_on is None else None,
        )
        if request.certificate_type == 2 or not (entry.expunged or entry.no_record):
            entries.append(entry)
    return Compilation(request, subject, on, entries)


def issue_certificate(
    *, session: Session, principal: Principal, number: str, now: datetime | None = None
) -> CertificateRequest:
    """Compile, sign and deliver. The certificate is issued to the person themselves (No. 2 never to anyone
    else): it lands among their documents and they are notified."""
    now = (now or clock.now()).replace(microsecond=0)
    compilation = compile_certificate(session=session, principal=principal, number=number, on=clock.local_date(now))
    request = compilation.request
    if request.status != "queued":
        raise Conflict(f"This request is {request.status.replace('_', ' ')}; only a paid, queued request is issued.")
    document = issue_document(session=session, compilation=compilation, now=now)
    done = session.execute(
        sa.update(CertificateRequest)
        .where(CertificateRequest.id == request.id, CertificateRequest.status == "queued")
        .values(status="issued", issued_at=now, issued_by_account_id=principal.account_id, document_id=document.id)
    ).rowcount
    if not done:
        raise Conflict("This request was issued meanwhile.")
    session.refresh(request)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[request.subject_citizen_id],
        action="create",
        record_type="criminal-record-certificate",
        purpose=f"certificate No. {request.certificate_type} issued",
        record_ref=request.number,
    )
    notifications.notify(
        session=session,
        citizen_id=request.subject_citizen_id,
        kind="certificate-issued",
        title=f"Phiếu lý lịch tư pháp số {request.certificate_type} đã được cấp",
        body=f"Yêu cầu {request.number}: phiếu điện tử đã có trong mục Giấy tờ của bạn.",
        ref=f"document:{document.id}",
    )
    log.info("certificate request %s issued as document %s", request.number, document.id)
    return request


def fee_claims(*, session: Session, principal: Principal) -> list[QueuedRequest]:
    return [QueuedRequest(r, c.full_name, False) for r, c in fees.claims(session=session, principal=principal)]


def decide_fee_claim(
    *,
    session: Session,
    principal: Principal,
    number: str,
    accept: bool,
    evidence: str,
    now: datetime | None = None,
) -> CertificateRequest:
    return fees.decide_claim(
        session=session,
        principal=principal,
        number=number,
        accept=accept,
        evidence=evidence,
        now=now or clock.now(),
        deadline=_deadline,
    )
