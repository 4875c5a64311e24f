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
    # The crime's category (Art. 9) and fault (Art. 10-11), from the judgment: "no record" depends on them
    # (Art. 69(2), 107). Null on rows recorded before they were asked. The chapter follows from the article.
    crime_category: Mapped[str | None] = mapped_column(sa.String(20))
    through_negligence: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    offence_date: Mapped[date]
    principal_penalty: Mapped[str] = mapped_column(sa.String(24))
    imprisonment_months: Mapped[int | None]
    probation_months: Mapped[int | None]  # a suspended sentence's probation term (thời gian thử thách), 12-60
    additional_penalties: Mapped[str | None] = mapped_column(sa.String(300))
    ban: Mapped[str | None] = mapped_column(sa.String(200))  # a ban on holding posts / managing enterprises
    principal_completed_on: Mapped[date | None]
    additional_completed_on: Mapped[date | None]
    exempted: Mapped[bool] = mapped_column(default=False)
    court_expunged_on: Mapped[date | None]  # a court's expungement decision (Art. 71), e.g. Chapters XIII, XXVI
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
        sa.CheckConstraint(
            "probation_months IS NULL OR (principal_penalty = 'suspended-sentence' "
            "AND probation_months BETWEEN 12 AND 60)",
            name="probation_months",
        ),
        sa.CheckConstraint(
            "crime_category IS NULL OR crime_category IN "
            "('less-serious', 'serious', 'very-serious', 'especially-serious')",
            name="crime_category",
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
    # A fee exemption or reduction the registry cannot confirm is a claim an officer checks against evidence;
    # until accepted the standard fee applies. verified (registry fact) | claimed | accepted | refused.
    fee_claim_status: Mapped[str | None] = mapped_column(sa.String(10))
    fee_claim_evidence: Mapped[str | None] = mapped_column(sa.String(300))
    fee_claim_checked_at: Mapped[datetime | None]
    fee_claim_checked_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
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
