"""Penalty decisions (quyết định xử phạt vi phạm hành chính)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class PenaltyDecision(Base):
    """One violation and the penalty decided for it: the fine, points deducted and any licence suspension.

    `liable_citizen_id` pays: the driver when known, otherwise (a camera-detected violation, phạt nguội)
    the vehicle's owner.
    """

    __tablename__ = "penalty_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    violation_code: Mapped[str] = mapped_column(sa.String(30))
    vehicle_class: Mapped[str] = mapped_column(sa.String(10))
    detected_by: Mapped[str] = mapped_column(sa.String(10))  # officer | camera
    occurred_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(sa.String(200))
    ward_code: Mapped[str] = mapped_column(sa.ForeignKey("administrative_units.code"), index=True)
    plate: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicles.id"), index=True)
    driver_citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    licence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("driving_licences.id"), index=True)
    liable_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    mitigating: Mapped[list] = mapped_column(sa.JSON, default=list)
    aggravating: Mapped[list] = mapped_column(sa.JSON, default=list)
    fine_amount: Mapped[int] = mapped_column(sa.BigInteger)
    points_deducted: Mapped[int] = mapped_column(default=0)
    suspension_months: Mapped[int] = mapped_column(default=0)
    suspension_starts_on: Mapped[date | None]
    suspension_ends_on: Mapped[date | None]  # the licence is valid again on this day
    decided_at: Mapped[datetime]
    received_on: Mapped[date]
    payment_deadline: Mapped[date]  # the last day to pay without surcharge
    status: Mapped[str] = mapped_column(sa.String(10), default="unpaid")
    paid_at: Mapped[datetime | None]
    paid_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    recorded_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(200))
    cancelled_by_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (
        sa.CheckConstraint("status IN ('unpaid', 'paid', 'cancelled')", name="status"),
        sa.CheckConstraint("detected_by IN ('officer', 'camera')", name="detected_by"),
        sa.CheckConstraint("fine_amount > 0", name="fine_amount"),
        sa.CheckConstraint("points_deducted BETWEEN 0 AND 12", name="points_deducted"),
        sa.CheckConstraint("suspension_months BETWEEN 0 AND 24", name="suspension_months"),
        # Paid means paid in full, once: the amount is recorded together with the status.
        sa.CheckConstraint("(status = 'paid') = (paid_amount IS NOT NULL)", name="paid_amount"),
    )


class LicenceRetest(Base):
    """Sát hạch lại lý thuyết: the holder of a licence at 0 points passed the theory re-test (full points again)."""

    __tablename__ = "licence_retests"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("driving_licences.id"), index=True)
    passed_on: Mapped[date]
    recorded_at: Mapped[datetime]
    recorded_by_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (sa.UniqueConstraint("licence_id", "passed_on", name="uq_licence_retests_day"),)
