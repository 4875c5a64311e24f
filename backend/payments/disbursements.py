"""Payments the state makes to a citizen (allowances): an ordered disbursement with its purpose, paid out by the
treasury outside congdan; the citizen sees it with its reference."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.database import Base


class PaymentDisbursement(Base):
    __tablename__ = "payment_disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    payee_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # đồng
    purpose_kind: Mapped[str] = mapped_column(sa.String(20))
    purpose_ref: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10), default="ordered")  # ordered | paid | cancelled
    ordered_at: Mapped[datetime]
    ordered_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (
        sa.UniqueConstraint("purpose_kind", "purpose_ref", name="uq_payment_disbursements_purpose"),
        sa.CheckConstraint("amount > 0", name="amount"),
    )


def order(
    *,
    session: Session,
    payee_citizen_id: int,
    amount: int,
    purpose_kind: str,
    purpose_ref: str,
    description: str,
    actor_account_id: int,
    now: datetime,
) -> PaymentDisbursement:
    """Order one payment for one purpose (the unique purpose makes a second order for it impossible)."""
    disbursement = PaymentDisbursement(
        public_id=secrets.token_hex(8),
        payee_citizen_id=payee_citizen_id,
        amount=amount,
        purpose_kind=purpose_kind,
        purpose_ref=purpose_ref,
        description=description[:200],
        ordered_at=now,
        ordered_by_account_id=actor_account_id,
    )
    session.add(disbursement)
    session.flush()
    return disbursement
