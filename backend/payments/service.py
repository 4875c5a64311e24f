"""Creating payment intents, applying gateway callbacks exactly once, and issuing electronic receipts."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock, idempotency
from backend.core.access import CITIZEN, Principal
from backend.documents import service as documents
from backend.documents.pdf import Amounts, Line
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.notifications import service as notifications
from backend.payments.gateway import PaymentGateway
from backend.payments.models import (
    PaymentCallbackNonce,
    PaymentIntent,
    PaymentPosting,
)
from backend.payments.payables import payable
from backend.registry.models import Citizen

log = logging.getLogger(__name__)

RECEIPT_VALIDITY = timedelta(days=3650)  # receipts are kept as accounting records for 10 years


class AmountMismatch(ValidationFailed):
    code, title = "amount-mismatch", "The amount does not match what is due"


class CallbackReplayed(Conflict):
    code, title = "callback-replayed", "This payment callback was already received"


@dataclass(frozen=True)
class CallbackResult:
    result: str  # posted | already-posted | failed | refund-due | ignored
    intent: PaymentIntent
    posting: PaymentPosting | None = None


def create_intent(
    *,
    session: Session,
    principal: Principal,
    gateway: PaymentGateway,
    purpose: str,
    reference: str,
    amount: int,
    idempotency_key: str,
    now: datetime | None = None,
) -> PaymentIntent:
    """Open a payment for `reference` at the amount due today. `amount` is what the citizen was shown: if the
    amount due has changed (another day's surcharge), the citizen is told rather than charged a surprise."""
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account pays here.")
    now = now or clock.now()

    def make():
        quote = payable(purpose).quote(
            session=session, principal=principal, reference=reference, on=clock.local_date(now)
        )
        if quote.amount != amount:
            raise AmountMismatch(
                f"The amount due today is {quote.amount:,} đồng, not {amount:,} đồng.",
                errors={"json": {"amount": [f"Due today: {quote.amount}."]}},
                amount_due=quote.amount,
            )
        public_id = uuid.uuid4().hex
        checkout = gateway.start_checkout(
            intent_public_id=public_id, amount=quote.amount, description=quote.description_vi
        )
        intent = PaymentIntent(
            public_id=public_id,
            account_id=principal.account_id,
            citizen_id=quote.citizen_id,
            purpose_kind=purpose,
            purpose_ref=reference,
            description=quote.description_vi[:200],
            amount=quote.amount,
            status="pending",
            gateway=gateway.name,
            checkout_url=checkout.url,
            created_at=now,
            # The surcharge grows at local midnight, so the quoted amount holds until then.
            expires_at=clock.end_of_local_day(clock.local_date(now)),
        )
        session.add(intent)
        session.flush()
        log.info("payment intent %s for %s %s: %s đồng", public_id, purpose, reference, quote.amount)
        return intent, public_id

    return idempotency.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="payment-intent",
        request={"purpose": purpose, "reference": reference, "amount": amount},
        replay=lambda ref: session.scalar(sa.select(PaymentIntent).where(PaymentIntent.public_id == ref)),
        make=make,
        now=now,
    )


def get_intent(*, session: Session, principal: Principal, public_id: str) -> PaymentIntent:
    intent = session.scalar(sa.select(PaymentIntent).where(PaymentIntent.public_id == public_id))
    if intent is None or intent.account_id != principal.account_id:
        raise NotFound("No such payment among yours.")
    return intent


def posting_for(session: Session, intent: PaymentIntent) -> PaymentPosting | None:
    return session.scalar(sa.select(PaymentPosting).where(PaymentPosting.intent_id == intent.id))


@dataclass(frozen=True)
class Payment:
    """A payment intent as the citizen sees it, with its receipt once posted (PaymentIntentSchema)."""

    intent: PaymentIntent
    posting: PaymentPosting | None
    currency: str = "VND"

    @property
    def id(self) -> str:
        return self.intent.public_id

    @property
    def purpose(self) -> str:
        return self.intent.purpose_kind

    @property
    def reference(self) -> str:
        return self.intent.purpose_ref

    @property
    def receipt_number(self) -> str | None:
        return self.posting.receipt_number if self.posting else None

    @property
    def receipt_document_id(self) -> str | None:
        return self.posting.receipt_document_id if self.posting else None

    def __getattr__(self, name: str):  # description, amount, status, checkout_url, created/expires/completed_at
        return getattr(self.intent, name)


def payment(session: Session, intent: PaymentIntent) -> Payment:
    return Payment(intent, posting_for(session, intent))


def handle_callback(
    *,
    session: Session,
    gateway: PaymentGateway,
    headers: dict[str, str],
    fields: dict,
    now: datetime | None = None,
) -> CallbackResult:
    """Apply a gateway's signed result. Safe to receive twice, late, out of order or concurrently: the intent
    leaves `pending` by a conditional UPDATE, and postings are unique per intent, transaction and purpose."""
    now = now or clock.now()
    nonce = gateway.verify_callback(headers=headers, fields=fields, now=now)
    try:
        with session.begin_nested():
            session.add(PaymentCallbackNonce(nonce=nonce, gateway=gateway.name, received_at=now))
    except sa.exc.IntegrityError:
        raise CallbackReplayed("This callback (its nonce) was already received; it is not applied again.") from None
    intent = session.scalar(
        sa.select(PaymentIntent).where(
            PaymentIntent.public_id == fields["intent_id"], PaymentIntent.gateway == gateway.name
        )
    )
    if intent is None:
        raise NotFound("The callback names no payment intent of ours.")
    if fields["amount"] != intent.amount or fields["currency"] != "VND":
        raise AmountMismatch(
            f"The callback reports {fields['amount']} {fields['currency']}; the intent is for "
            f"{intent.amount} VND. Nothing was posted."
        )
    if fields["outcome"] != "succeeded":
        # Failure never overrides a success that arrived first (callbacks can come out of order).
        session.execute(
            sa.update(PaymentIntent)
            .where(PaymentIntent.id == intent.id, PaymentIntent.status == "pending")
            .values(status="failed", completed_at=now)
        )
        session.refresh(intent)
        return CallbackResult("failed" if intent.status == "failed" else "ignored", intent)
    paid_at = datetime.fromisoformat(fields["paid_at"])
    won = session.execute(
        sa.update(PaymentIntent)
        .where(PaymentIntent.id == intent.id, PaymentIntent.status.in_(("pending", "failed")))
        .values(status="succeeded", gateway_transaction_id=fields["gateway_transaction_id"], completed_at=now)
    ).rowcount
    session.refresh(intent)
    if not won:
        return CallbackResult(
            "already-posted" if intent.status == "succeeded" else intent.status.replace("_", "-"),
            intent,
            posting_for(session, intent),
        )
    late = paid_at > intent.expires_at
    settled = not late and payable(intent.purpose_kind).settle(
        session=session, reference=intent.purpose_ref, amount=intent.amount, paid_at=paid_at
    )
    if not settled:
        # Money arrived for something no longer payable (paid through another intent, cancelled) or after
        # the quoted amount lapsed: it is not posted, it is owed back.
        reason = "paid-after-quote-expired" if late else "no-longer-payable"
        session.execute(
            sa.update(PaymentIntent)
            .where(PaymentIntent.id == intent.id)
            .values(status="refund_due", refund_reason=reason)
        )
        session.refresh(intent)
        log.warning("payment %s not posted (%s): refund due", intent.public_id, reason)
        return CallbackResult("refund-due", intent)
    posting = _post(session, intent, fields["gateway_transaction_id"], now)
    return CallbackResult("posted", intent, posting)


def _post(session: Session, intent: PaymentIntent, transaction_id: str, now: datetime) -> PaymentPosting:
    posting = PaymentPosting(
        receipt_number="pending-" + uuid.uuid4().hex[:16],
        intent_id=intent.id,
        gateway_transaction_id=transaction_id,
        purpose_kind=intent.purpose_kind,
        purpose_ref=intent.purpose_ref,
        citizen_id=intent.citizen_id,
        amount=intent.amount,
        posted_at=now,
    )
    session.add(posting)
    session.flush()  # a second posting for the same intent or purpose stops here, at the unique constraints
    posting.receipt_number = f"BL{clock.local_date(now):%Y}{posting.id:010d}"
    citizen = session.get(Citizen, intent.citizen_id)
    facts = payable(intent.purpose_kind).receipt_facts(
        session=session, reference=intent.purpose_ref, amount=intent.amount, paid_at=now
    )
    receipt = documents.issue_document(
        session=session,
        holder=citizen,
        doc_type=facts.doc_type,
        authority=facts.authority,
        amounts=Amounts(facts.items),
        lines=receipt_lines(posting, intent, citizen),
        validity=RECEIPT_VALIDITY,
        content={
            "receipt_number": posting.receipt_number,
            "amount": posting.amount,
            "currency": "VND",
            "items": [{"label": item.label_vi, "amount": item.amount} for item in facts.items],
            "purpose": intent.purpose_kind,
            "reference": intent.purpose_ref,
            "payer": citizen.full_name,
            "gateway_transaction_id": transaction_id,
            "posted_at": now.replace(microsecond=0).isoformat(),
        },
        source_ref=f"payment:{posting.receipt_number}",
        now=now,
    )
    posting.receipt_document_id = receipt.id
    notifications.notify(
        session=session,
        citizen_id=citizen.id,
        kind="payment-receipt",
        title=f"Đã thanh toán {posting.amount:,} đồng".replace(",", "."),
        body=f"{intent.description}. Biên lai số {posting.receipt_number}.",
        ref=f"document:{receipt.id}",
    )
    session.flush()
    log.info("posted payment %s as receipt %s", intent.public_id, posting.receipt_number)
    return posting


def receipt_lines(posting: PaymentPosting, intent: PaymentIntent, citizen: Citizen) -> list[Line]:
    return [
        Line("Số biên lai", "Receipt number", posting.receipt_number),
        Line("Người nộp", "Payer", citizen.full_name),
        Line("Nội dung", "For", intent.description),
        Line("Mã giao dịch", "Transaction", posting.gateway_transaction_id),
        Line("Thời điểm", "Paid at", clock.local_date(posting.posted_at).strftime("%d/%m/%Y")),
    ]
