"""Audit events. Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    subject_citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"))
    actor_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    actor_label: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(10))  # read | create | update
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_ref: Mapped[str | None] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    client_kind: Mapped[str] = mapped_column(sa.String(10))  # address | kiosk
    client_id: Mapped[str] = mapped_column(sa.String(64))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        # The citizen's log in its order (newest first, then highest id): a page is a backward range scan that
        # starts at a keyset cursor, and the count reads this index only (migration 0005_audit_log_keyset).
        sa.Index("ix_audit_events_subject_time_id", "subject_citizen_id", "occurred_at", "id"),
        sa.CheckConstraint("action IN ('read', 'create', 'update')", name="action"),
    )
