"""Payment intents, postings (the ledger) and seen callback nonces.

The database, not only the code, guarantees "paid exactly once": a posting is unique per intent, per
gateway transaction and per thing paid for, and an intent leaves `pending` by a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base

INTENT_STATUSES = ("pending", "succeeded", "failed", "refund_due")


class PaymentIntent(Base):
    """One attempt to pay one thing (a fine, a certificate fee) an amount fixed when it was created."""

    __tablename__ = "payment_intents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # random: shown to the gateway
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    purpose_kind: Mapped[str] = mapped_column(sa.String(20))
    purpose_ref: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # đồng
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    gateway: Mapped[str] = mapped_column(sa.String(20))
    checkout_url: Mapped[str] = mapped_column(sa.String(300))
    gateway_transaction_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    refund_reason: Mapped[str | None] = mapped_column(sa.String(60))

    __table_args__ = (
        sa.Index("ix_payment_intents_purpose", "purpose_kind", "purpose_ref"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refund_due')", name="status"),
    )


class PaymentPosting(Base):
    """Biên lai điện tử (electronic receipt) and the ledger line behind it: money received and applied."""

    __tablename__ = "payment_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    intent_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_intents.id"), unique=True)
    gateway_transaction_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose_kind: Mapped[str] = mapped_column(sa.String(20))
    purpose_ref: Mapped[str] = mapped_column(sa.String(40))
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    posted_at: Mapped[datetime]
    receipt_document_id: Mapped[str | None] = mapped_column(sa.String(36))  # a SignedDocument id (UUID)

    __table_args__ = (
        sa.UniqueConstraint("purpose_kind", "purpose_ref", name="uq_payment_postings_purpose"),
        sa.CheckConstraint("amount > 0", name="amount"),
    )


class PaymentCallbackNonce(Base):
    """Nonces of accepted gateway callbacks: the same signed message twice is a replay."""

    __tablename__ = "payment_callback_nonces"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    gateway: Mapped[str] = mapped_column(sa.String(20))
    received_at: Mapped[datetime] = mapped_column(index=True)
