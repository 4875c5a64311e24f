"""One-time codes that prove possession: the SMS code of a self-registration (sent to the phone number the
population registry holds) and the activation code an officer hands over when raising an account in person.
Stored only as an HMAC under the app's secret key; short-lived; a few attempts, then dead."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import Base

REGISTRATION, ACTIVATION = "registration", "activation"
MAX_ATTEMPTS = 5
_ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


class OneTimeCode(Base):
    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))  # registration | activation
    # The person the code is for; None when the registration details matched nobody (the code then never
    # verifies, but the request looked the same as any other).
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("purpose IN ('registration', 'activation')", name="purpose"),)


def new_sms_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def new_activation_code() -> str:
    raw = "".join(secrets.choice(_ACTIVATION_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def code_hash(public_id: str, code: str) -> str:
    """HMAC under the secret key, per code row: a stolen table does not give the codes back by brute force."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, f"{public_id}:{normalise(code)}".encode(), hashlib.sha256).hexdigest()


def matches(row: OneTimeCode, code: str) -> bool:
    return hmac.compare_digest(row.code_hash, code_hash(row.public_id, code))
