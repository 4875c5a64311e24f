"""The consent receipt: what a citizen agreed to share, with whom, why, on what legal basis and until when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class ConsentReceipt(Base):
    """Revocable for the future; what was already released stays in the access log."""

    __tablename__ = "consent_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    recipient_code: Mapped[str] = mapped_column(sa.String(20))  # hospital code or relying party client_id
    recipient_name: Mapped[str] = mapped_column(sa.String(150))
    data_categories: Mapped[str] = mapped_column(sa.String(200))  # comma-separated named registry fields
    purpose: Mapped[str] = mapped_column(sa.String(200))
    # The law the recipient relies on (a relying party declares it at registration); None for kiosk check-ins,
    # which rest on the patient's consent alone.
    legal_basis: Mapped[str | None] = mapped_column(sa.String(200))
    collected_via: Mapped[str] = mapped_column(sa.String(64))  # kiosk label, or "congdan-login"
    granted_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    @property
    def fields(self) -> list[str]:
        return self.data_categories.split(",")

    def active_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.valid_until > moment
