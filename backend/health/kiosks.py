"""Check-in kiosks of a hospital: their accounts and the block of provisional queue numbers each may give
out while offline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import service as auth_service
from backend.auth.models import Account
from backend.core import clock
from backend.core.access import HOSPITAL_STAFF, KIOSK, Principal
from backend.errors import Forbidden
from backend.health.hospitals import get_hospital
from backend.health.models import (
    Hospital,
    KioskRegistration,
)

PROVISIONAL_BASE, PROVISIONAL_BLOCK = 10_000, 100  # offline numbers never meet the daily sequence


@dataclass(frozen=True)
class KioskProfile:
    """A kiosk as it and its hospital's staff see it (KioskSchema): its account, its hospital and the
    provisional numbers it may give out while offline."""

    account: Account
    hospital: Hospital
    registration: KioskRegistration

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def display_name(self) -> str | None:
        return self.account.display_name

    @property
    def provisional_range_start(self) -> int:
        return provisional_range(self.registration)[0]

    @property
    def provisional_range_end(self) -> int:
        return provisional_range(self.registration)[1]


def register_kiosk(
    *, session: Session, principal: Principal, username: str, password: str, display_name: str
) -> KioskProfile:
    """Hospital staff provision a kiosk account scoped to their hospital, with its own offline block."""
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff provision kiosks.")
    hospital = get_hospital(session, principal.scope_code)
    account = auth_service.create_kiosk_account(
        session=session, username=username, hospital_code=hospital.code, display_name=display_name, password=password
    )
    registration = register_kiosk_account(
        session=session, account=account, hospital=hospital, created_by=principal.account_id, now=clock.now()
    )
    return KioskProfile(account, hospital, registration)


def register_kiosk_account(
    *, session: Session, account: Account, hospital: Hospital, created_by: int, now: datetime
) -> KioskRegistration:
    """Register a kiosk account for check-in at `hospital`, with the next block of offline queue numbers
    (fleet enrollment asks this too)."""
    used = session.scalar(
        sa.select(sa.func.max(KioskRegistration.provisional_block)).where(KioskRegistration.hospital_id == hospital.id)
    )
    registration = KioskRegistration(
        account_id=account.id,
        hospital_id=hospital.id,
        provisional_block=0 if used is None else used + 1,
        created_by=created_by,
        created_at=now,
    )
    session.add(registration)
    session.flush()
    return registration


# Built once (its SQL cache key too), bound per request: it runs on every kiosk request.
_REGISTRATION = (
    sa.select(KioskRegistration, Hospital)
    .join(Hospital, Hospital.id == KioskRegistration.hospital_id)
    .where(KioskRegistration.account_id == sa.bindparam("account_id"), Hospital.code == sa.bindparam("hospital_code"))
)


def kiosk_registration(*, session: Session, principal: Principal) -> tuple[KioskRegistration, Hospital]:
    if principal.role != KIOSK:
        raise Forbidden("Only kiosks have a kiosk profile.")
    # One statement on every kiosk request (check-ins, tickets); the refusals below say which part is missing.
    row = session.execute(
        _REGISTRATION, {"account_id": principal.account_id, "hospital_code": principal.scope_code}
    ).first()
    if row is None:
        get_hospital(session, principal.scope_code)  # NotFound when the token names no hospital
        raise Forbidden("This kiosk is not registered with a hospital.")
    return row.KioskRegistration, row.Hospital


def kiosk_profile(*, session: Session, principal: Principal) -> KioskProfile:
    registration, hospital = kiosk_registration(session=session, principal=principal)
    return KioskProfile(session.get(Account, principal.account_id), hospital, registration)


def provisional_range(registration: KioskRegistration) -> tuple[int, int]:
    start = PROVISIONAL_BASE + registration.provisional_block * PROVISIONAL_BLOCK
    return start, start + PROVISIONAL_BLOCK - 1
