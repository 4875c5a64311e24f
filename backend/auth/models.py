"""Accounts and the state that makes token revocation survive restarts and span processes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.timestamps import TimestampMixin
from backend.database import Base


class Account(Base, TimestampMixin):
    """An identity account. Citizens log in with their personal ID; staff and devices with a username.

    `scope_code` narrows what a staff account sees: an administrative-unit code for officers
    (a 2-digit province or a 5-digit ward), a hospital code for hospital staff, a kiosk id for kiosks.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[int] = mapped_column(default=1)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(15))
    scope_code: Mapped[str | None] = mapped_column(sa.String(20))
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(10), default="active")  # active | disabled
    level_raised_at: Mapped[datetime | None]
    level_raised_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))

    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('citizen', 'officer', 'hospital_staff', 'fleet_admin', 'kiosk', 'agency', 'admin')",
            name="role",
        ),
        sa.CheckConstraint("level IN (1, 2)", name="level"),
    )


class TokenFamily(Base):
    """One login session: every refresh token minted from one login belongs to one family.

    Logging out, or replaying a spent refresh token, revokes the family; access tokens carry the
    family id, so they die with it.
    """

    __tablename__ = "token_families"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))
    client: Mapped[str | None] = mapped_column(sa.String(100))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(sa.ForeignKey("token_families.id"), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Recent failed attempts under one key (an account name, an address, or both) and the back-off they
    earned. Keys are stored hashed: the table never holds personal ID numbers or addresses in clear."""

    __tablename__ = "login_throttles"

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class AccountStatusChange(Base):
    """Who disabled (or re-enabled) an account, when and why. Append-only history; for a citizen's account the
    same change is also in the citizen's access log."""

    __tablename__ = "account_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.String(200))
    actor_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime]
    sessions_ended: Mapped[int] = mapped_column(default=0)


class AuthStateEpoch(Base):
    """One row whose version goes up whenever a token family is revoked or an account's status, role, level or
    scope changes. Every process caches token-family state (backend/auth/token_state.py) and reads this version
    every few seconds instead of the family on every request: a changed version empties its cache."""

    __tablename__ = "auth_state_epochs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
