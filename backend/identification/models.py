"""Challenges the backend issues for a chip's Active Authentication: single use, short-lived, bound to a
purpose and (when there is one) to the calling account."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base


class IdentificationChallenge(Base):
    __tablename__ = "identification_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    purpose: Mapped[str] = mapped_column(sa.String(20))  # hospital-checkin | registration
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))  # the kiosk; None: anonymous
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]

    @property
    def challenge_id(self) -> str:  # the wire's name (ChipChallengeSchema) for the public id
        return self.public_id

    @property
    def challenge(self) -> bytes:
        return self.nonce
