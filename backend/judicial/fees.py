"""The certificate fee and its exemptions (Circular 244/2016/TT-BTC; the amounts are dated legal parameters in
backend/law/data/judicial.json). An exemption or reduction is a claim the law ties to a fact: the registry
confirms age (children under 16, elderly people 60 and over, Law on the Elderly Art. 2); every other claim is
checked by an officer against evidence, and until the officer accepts it the standard fee applies."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import Principal
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.judicial.models import CertificateRequest
from backend.law import store
from backend.registry.models import Citizen
from backend.registry.service import officer_covers_citizen

REDUCED = ("student", "meritorious-service", "fallen-soldier-relative")
EXEMPT = ("child", "elderly", "disability", "poor-household", "exceptional-difficulty-commune")
FEE_CATEGORIES = ("standard",) + REDUCED + EXEMPT
CHILD_UNDER, ELDERLY_FROM = 16, 60  # Law on Children 2016 Art. 1; Law on the Elderly 2009 Art. 2
CLAIMED, VERIFIED, ACCEPTED, REFUSED = "claimed", "verified", "accepted", "refused"


def fee_for(category: str, copies: int, on: date) -> int:
    """Per certificate as in force on `on`: standard or reduced, plus each copy beyond the second; exempt
    people pay nothing."""
    if category in EXEMPT:
        return 0
    table = store.value("judicial.certificate_fees", on)
    base = table["reduced"] if category in REDUCED else table["standard"]
    return base + table["extra_copy"] * max(0, copies - 2)


def registry_decides(category: str, subject: Citizen, on: date) -> bool | None:
    """True/False when the registry itself proves or disproves the category; None when evidence is needed."""
    if category == "child":
        return subject.age_on(on) < CHILD_UNDER
    if category == "elderly":
        return subject.age_on(on) >= ELDERLY_FROM
    return None


def initial_fee(category: str, copies: int, subject: Citizen, on: date) -> tuple[int, str | None]:
    """(fee to pay now, claim status) for a new request."""
    if category == "standard":
        return fee_for("standard", copies, on), None
    proven = registry_decides(category, subject, on)
    if proven is False:
        message = (
            f"Bạn chưa đủ {ELDERLY_FROM} tuổi. / You are under {ELDERLY_FROM}."
            if category == "elderly"
            else f"Bạn đã đủ {CHILD_UNDER} tuổi. / You are {CHILD_UNDER} or older."
        )
        raise ValidationFailed(message, errors={"json": {"fee_category": [message]}})
    if proven:
        return fee_for(category, copies, on), VERIFIED
    return fee_for("standard", copies, on), CLAIMED


def claims(*, session: Session, principal: Principal) -> list[tuple[CertificateRequest, Citizen]]:
    """Unpaid requests whose exemption or reduction waits for my check (people in my jurisdiction)."""
    rows = session.execute(
        sa.select(CertificateRequest, Citizen)
        .join(Citizen, Citizen.id == CertificateRequest.subject_citizen_id)
        .where(CertificateRequest.fee_claim_status == CLAIMED, CertificateRequest.status == "awaiting_payment")
        .order_by(CertificateRequest.requested_at, CertificateRequest.id)
    ).all()
    today = clock.today()
    mine = [(request, citizen) for request, citizen in rows if officer_covers_citizen(principal, citizen, on=today)]
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[c.id for _r, c in mine],
        action="read",
        record_type="certificate-request",
        purpose="fee exemption checks",
    )
    return mine


def decide_claim(
    *, session: Session, principal: Principal, number: str, accept: bool, evidence: str, now: datetime, deadline
) -> CertificateRequest:
    """The officer accepts the claim (the fee drops to the category's; nothing left to pay -> queued) or refuses
    it (the standard fee stays). Only while unpaid; audited."""
    request = session.scalar(sa.select(CertificateRequest).where(CertificateRequest.number == number))
    if request is None:
        raise NotFound("No such certificate request among those you may see.")
    subject = session.get(Citizen, request.subject_citizen_id)
    if not officer_covers_citizen(principal, subject, on=clock.local_date(now)):
        raise NotFound("No such certificate request among those you may see.")
    if request.fee_claim_status != CLAIMED or request.status != "awaiting_payment":
        raise Conflict("This request has no fee claim waiting for a check.")
    today = clock.local_date(now)
    requested_on = clock.local_date(request.requested_at)
    fee = fee_for(request.fee_category, request.copies, requested_on) if accept else request.fee_amount
    values = {
        "fee_claim_status": ACCEPTED if accept else REFUSED,
        "fee_claim_evidence": evidence,
        "fee_claim_checked_at": now,
        "fee_claim_checked_by_account_id": principal.account_id,
        "fee_amount": fee,
    }
    if fee == 0:
        values.update(status="queued", due_on=deadline(request, today))
    done = session.execute(
        sa.update(CertificateRequest)
        .where(
            CertificateRequest.id == request.id,
            CertificateRequest.status == "awaiting_payment",
            CertificateRequest.fee_claim_status == CLAIMED,
        )
        .values(**values)
    ).rowcount
    if not done:
        raise Conflict("The request changed meanwhile (paid or already checked).")
    session.refresh(request)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[subject.id],
        action="update",
        record_type="certificate-request",
        purpose="fee exemption check",
        record_ref=number,
    )
    return request
