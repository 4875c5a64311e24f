"""One recovery attempt per chip read at a kiosk or an officer's desk: what was verified, the face score, who
confirmed, and the one-time binding code (stored as a SHA-256 digest). Refused attempts stay: they are the
trail of who tried, and they count towards the per-card and per-kiosk limits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class RecoveryAttempt(Base):
    __tablename__ = "recovery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(8))  # kiosk | desk
    operator_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    operator_label: Mapped[str] = mapped_column(sa.String(120))  # the kiosk id or the officer's name
    hospital_code: Mapped[str | None] = mapped_column(sa.String(20))
    prompt: Mapped[str] = mapped_column(sa.String(12))  # blink | turn_left | turn_right
    challenge_id: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(12), default="started")
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    card_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # HMAC of the chip's personal ID
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    trust_level: Mapped[str | None] = mapped_column(sa.String(24))
    match_distance: Mapped[float | None]
    liveness: Mapped[str | None] = mapped_column(sa.String(60))
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    code_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("channel IN ('kiosk', 'desk')", name="channel"),
        sa.CheckConstraint(
            "status IN ('started', 'refused', 'needs_staff', 'approved', 'code_issued', 'completed')", name="status"
        ),
    )
