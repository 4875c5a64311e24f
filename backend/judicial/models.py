"""Conviction records held for a person (from courts' judgments) and certificate requests."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class ConvictionRecord(Base):
    """Án tích: one conviction by a court's legally effective judgment, and how its sentence was served."""

    __tablename__ = "conviction_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    judgment_number: Mapped[str] = mapped_column(sa.String(40))
    judgment_date: Mapped[date]
    court: Mapped[str] = mapped_column(sa.String(150))
    offence: Mapped[str] = mapped_column(sa.String(200))
    penal_code_article: Mapped[str] = mapped_column(sa.String(40))
    offence_date: Mapped[date]
    principal_penalty: Mapped[str] = mapped_column(sa.String(24))
    imprisonment_months: Mapped[int | None]
    additional_penalties: Mapped[str | None] = mapped_column(sa.String(300))
    ban: Mapped[str | None] = mapped_column(sa.String(200))  # a ban on holding posts / managing enterprises
    principal_completed_on: Mapped[date | None]
    additional_completed_on: Mapped[date | None]
    exempted: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime]
    recorded_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (
        sa.UniqueConstraint("court", "judgment_number", "citizen_id", name="uq_conviction_records_judgment"),
        sa.CheckConstraint(
            "principal_penalty IN ('warning', 'fine', 'non-custodial-reform', 'suspended-sentence', "
            "'imprisonment', 'life-imprisonment', 'death-commuted')",
            name="principal_penalty",
        ),
        sa.CheckConstraint(
            "(principal_penalty = 'imprisonment') = (imprisonment_months IS NOT NULL)",
            name="imprisonment_months",
        ),
    )


class CertificateRequest(Base):
    """Yêu cầu cấp Phiếu lý lịch tư pháp: a citizen's request, its fee and where it is in processing."""

    __tablename__ = "certificate_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    requester_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    subject_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    certificate_type: Mapped[int]
    purpose: Mapped[str] = mapped_column(sa.String(200))
    copies: Mapped[int]
    delivery: Mapped[str] = mapped_column(sa.String(12))  # electronic | post
    postal_address: Mapped[str | None] = mapped_column(sa.String(300))
    include_bans: Mapped[bool] = mapped_column(default=False)
    fee_category: Mapped[str] = mapped_column(sa.String(40))
    fee_amount: Mapped[int] = mapped_column(sa.BigInteger)
    needs_verification: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20))
    requested_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    due_on: Mapped[date | None]  # the legal deadline, counted once the fee is paid
    issued_at: Mapped[datetime | None]
    issued_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    document_id: Mapped[str | None] = mapped_column(sa.String(36))  # a SignedDocument id (UUID)

    __table_args__ = (
        sa.Index("ix_certificate_requests_status_due", "status", "due_on"),
        sa.CheckConstraint("certificate_type IN (1, 2)", name="certificate_type"),
        sa.CheckConstraint("copies BETWEEN 1 AND 20", name="copies"),
        sa.CheckConstraint("fee_amount >= 0", name="fee_amount"),
        sa.CheckConstraint("status IN ('awaiting_payment', 'queued', 'issued')", name="status"),
        sa.CheckConstraint("certificate_type = 1 OR NOT include_bans", name="include_bans"),
    )
