"""Accommodation establishments (cơ sở lưu trú): registered by the ward police (or an administrator) with the
account that operates each. A business accommodation notice names an establishment its sender operates;
anyone else's notice for it - or a notice for a business that was never registered - is refused."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account
from backend.core.access import ADMIN, CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.registry.service import get_ward
from backend.residence.models import AccommodationEstablishment
from shared_schemas.text import nfc


def _covers(principal: Principal, ward) -> bool:
    if principal.role == ADMIN:
        return True
    return principal.role == OFFICER and principal.scope_code in (ward.code, ward.province_code)


def register(*, session: Session, principal: Principal, data: dict) -> AccommodationEstablishment:
    """Register an establishment in a ward the caller covers, operated by a citizen's level-2 account."""
    ward = get_ward(session, data["ward_code"])
    if not _covers(principal, ward):
        raise Forbidden("This ward is outside your jurisdiction.")
    operator = session.execute(
        sa.select(Account).where(Account.username == data["operator_personal_id"], Account.role == CITIZEN)
    ).scalar_one_or_none()
    if operator is None or operator.status != "active":
        raise ValidationFailed(
            "The operator needs an active citizen identity account.",
            errors={"json": {"operator_personal_id": ["No active citizen account."]}},
        )
    if operator.level < 2:
        raise ValidationFailed(
            "The operator's account must be level 2 (identity checked in person).",
            errors={"json": {"operator_personal_id": ["The account is level 1."]}},
        )
    licence = data["licence_number"].strip().upper()
    if session.execute(
        sa.select(AccommodationEstablishment.id).where(AccommodationEstablishment.licence_number == licence)
    ).first():
        raise Conflict("An establishment with this licence number is registered already.")
    establishment = AccommodationEstablishment(
        name=nfc(data["name"]),
        licence_number=licence,
        ward_code=ward.code,
        province_code=ward.province_code,
        street=nfc(data["street"]),
        operator_account_id=operator.id,
        registered_by_account_id=principal.account_id,
        active=True,
    )
    session.add(establishment)
    session.flush()
    # The operator learns from their access log that the police linked them to a business.
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[operator.citizen_id],
        action="create",
        record_type="accommodation-establishment",
        record_ref=str(establishment.id),
        purpose="Đăng ký cơ sở lưu trú / registering an accommodation establishment",
    )
    return establishment


def operated_by(*, session: Session, principal: Principal) -> list[AccommodationEstablishment]:
    return list(
        session.scalars(
            sa.select(AccommodationEstablishment)
            .where(AccommodationEstablishment.operator_account_id == principal.account_id)
            .order_by(AccommodationEstablishment.id)
        )
    )


def for_notice(*, session: Session, principal: Principal, establishment_id: int) -> AccommodationEstablishment:
    """The establishment a notice is sent for: registered, active and operated by the caller."""
    establishment = session.get(AccommodationEstablishment, establishment_id)
    if establishment is None:
        raise NotFound("No such accommodation establishment is registered.")
    if establishment.operator_account_id != principal.account_id:
        raise Forbidden("Only the account that operates this establishment sends its accommodation notices.")
    if not establishment.active:
        raise Forbidden("This establishment's registration is not active.")
    return establishment
