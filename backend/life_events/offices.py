"""Which agency an officer works for, and the check every step decision makes: the right agency, and a
jurisdiction that covers the step's commune."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import OFFICER, Principal
from backend.errors import Forbidden
from backend.life_events.models import POLICE, OfficerOffice
from backend.registry import units

AGENCY_NAMES = {
    "civil_status": "Công chức tư pháp - hộ tịch cấp xã / commune civil-status officer",
    "police": "Công an cấp xã / commune police (residence)",
    "social_insurance": "Cơ quan Bảo hiểm xã hội / social-insurance office",
    "labour": "Phòng Lao động - Thương binh và Xã hội / labour and social-affairs office",
}


def office_of(session: Session, principal: Principal) -> str | None:
    """An officer's agency (police when none is recorded, as every officer was before); None for others."""
    if principal.role != OFFICER:
        return None
    office = session.get(OfficerOffice, principal.account_id)
    return office.office if office else POLICE


def require(session: Session, principal: Principal, agency: str, unit_codes: tuple[str | None, ...], on: date) -> None:
    """The caller is an officer of `agency` whose jurisdiction covers one of `unit_codes` on `on`."""
    if office_of(session, principal) != agency:
        raise Forbidden(f"Only the {AGENCY_NAMES[agency]} decides this step.")
    if not units.officer_covers(principal, *unit_codes, on=on):
        raise Forbidden("This step is outside your jurisdiction.")


def assign(*, session: Session, account_id: int, office: str) -> OfficerOffice:
    """Record an officer's agency (demo and administration)."""
    row = session.get(OfficerOffice, account_id) or OfficerOffice(account_id=account_id, office=office)
    row.office = office
    session.add(row)
    session.flush()
    return row


def officers_of(session: Session, office: str) -> list[int]:
    return list(session.scalars(sa.select(OfficerOffice.account_id).where(OfficerOffice.office == office)))
