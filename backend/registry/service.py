"""Registry rules: reading, searching and registering citizens, with jurisdiction and audit."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.registry import records, units
from backend.registry.models import AdministrativeUnit, Citizen, HealthInsuranceCard
from backend.registry.records import Address, CitizenRecord
from shared_schemas import personal_id
from shared_schemas.text import fold, nfc


def resolve_address(session: Session, ward_code: str, street: str, *, on: date) -> Address:
    """Name the ward, district and province as they are on `on` (see registry/records.py)."""
    return records.resolve_address(ward_code, street, on=on)


def get_ward(session: Session, ward_code: str) -> AdministrativeUnit:
    unit = session.get(AdministrativeUnit, ward_code)
    if unit is None or unit.level != "ward":
        raise ValidationFailed(
            "The address is not in a known ward.", errors={"json": {"ward_code": [f"Unknown ward code {ward_code!r}."]}}
        )
    return unit


# Built once with a bind parameter: SQLAlchemy then computes its cache key once, not on every call.
_BY_PERSONAL_ID = sa.select(Citizen).where(Citizen.personal_id == sa.bindparam("pid"))


def citizen_by_personal_id(session: Session, pid: str | None) -> Citizen | None:
    """The one lookup of a citizen by the 12-digit personal ID number (None when not registered)."""
    if not pid:
        return None
    return session.scalar(_BY_PERSONAL_ID, {"pid": pid})


_WITH_INSURANCE_CARDS = (
    sa.select(Citizen, HealthInsuranceCard)
    .outerjoin(HealthInsuranceCard, HealthInsuranceCard.citizen_id == Citizen.id)
    .where(Citizen.personal_id == sa.bindparam("pid"))
    .order_by(HealthInsuranceCard.valid_to.desc())
)


def citizen_with_insurance_cards(session: Session, pid: str | None) -> tuple[Citizen | None, list[HealthInsuranceCard]]:
    """`citizen_by_personal_id` and the citizen's health insurance cards, latest end of validity first, in one
    statement (a hospital check-in needs both)."""
    if not pid:
        return None, []
    rows = session.execute(_WITH_INSURANCE_CARDS, {"pid": pid}).all()
    if not rows:
        return None, []
    return rows[0][0], [card for _, card in rows if card is not None]


def find_citizen(session: Session, pid: str) -> Citizen:
    citizen = citizen_by_personal_id(session, pid)
    if citizen is None:
        raise NotFound("No citizen with this personal ID number is in the registry.")
    return citizen


def officer_covers_citizen(principal: Principal, citizen: Citizen, *, on: date) -> bool:
    temporary_province = citizen.temporary_ward.province_code if citizen.temporary_ward_code else None
    return units.officer_covers(
        principal,
        citizen.permanent_ward_code,
        citizen.permanent_province_code,
        citizen.temporary_ward_code,
        temporary_province,
        on=on,
    )


def _authorize_read(principal: Principal, citizen: Citizen) -> None:
    if principal.is_citizen(citizen.id):
        return
    if principal.role == OFFICER and officer_covers_citizen(principal, citizen, on=clock.today()):
        return
    raise Forbidden("You may not see this citizen's data.")


def read_own_record(*, session: Session, principal: Principal) -> CitizenRecord:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account has its own registry record.")
    record = records.read(session, principal.citizen_id)
    if record is None:
        raise NotFound("Your registry record was not found.")
    return record


def read_record(*, session: Session, principal: Principal, pid: str, purpose: str) -> CitizenRecord:
    """Read a citizen's record. Citizens may only read their own; officers their jurisdiction's.

    A citizen asking for someone else is refused before the lookup, so the answer never reveals
    whether that number exists.
    """
    if principal.role == CITIZEN:
        own = records.read(session, principal.citizen_id) if principal.citizen_id else None
        if own is None or own.personal_id != pid:
            raise Forbidden("You may only see your own data.")
        return own
    citizen = find_citizen(session, pid)
    _authorize_read(principal, citizen)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="read",
        record_type="citizen",
        record_ref=citizen.personal_id,
        purpose=purpose,
    )
    return records.read(session, citizen.id)


def search(
    *, session: Session, principal: Principal, name: str, date_of_birth: date | None, purpose: str, limit: int = 50
) -> list[Citizen]:
    """Accent- and case-insensitive name search within the officer's jurisdiction."""
    if principal.role != OFFICER or not principal.scope_code:
        raise Forbidden("Only officers search the registry.")
    key = fold(name)
    if len(key) < 3:
        raise ValidationFailed(
            "Type at least three letters of the name.", errors={"query": {"name": ["At least three letters."]}}
        )
    query = sa.select(Citizen).where(Citizen.name_folded.startswith(key, autoescape=True))
    scope = principal.scope_code
    if len(scope) == 2:
        query = query.where(Citizen.permanent_province_code == scope)
    else:
        query = query.where(sa.or_(Citizen.permanent_ward_code == scope, Citizen.temporary_ward_code == scope))
    if date_of_birth:
        query = query.where(Citizen.date_of_birth == date_of_birth)
    results = list(session.scalars(query.order_by(Citizen.name_folded, Citizen.id).limit(limit)))
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[c.id for c in results],
        action="read",
        record_type="citizen-search",
        record_ref=None,
        purpose=purpose,
    )
    return results


def register_citizen(*, session: Session, principal: Principal, data: dict, purpose: str) -> Citizen:
    """Enter a person into the registry (birth registration or correction), checked for consistency."""
    ward = get_ward(session, data["permanent_ward_code"])
    if not units.officer_covers(principal, ward.code, ward.province_code, on=clock.today()):
        raise Forbidden("The address is outside your jurisdiction.")
    try:
        personal_id.validate(data["personal_id"], sex=data["sex"], date_of_birth=data["date_of_birth"])
    except personal_id.PersonalIdError as exc:
        raise ValidationFailed(str(exc), errors={"json": {"personal_id": [str(exc)]}}) from exc
    if citizen_by_personal_id(session, data["personal_id"]) is not None:
        raise Conflict("A citizen with this personal ID number is already in the registry.")
    full_name = nfc(data["full_name"])
    citizen = Citizen(
        personal_id=data["personal_id"],
        full_name=full_name,
        name_folded=fold(full_name),
        date_of_birth=data["date_of_birth"],
        sex=data["sex"],
        ethnicity=data.get("ethnicity") or "Kinh",
        religion=data.get("religion"),
        nationality=data.get("nationality") or "Việt Nam",
        place_of_origin=data.get("place_of_origin"),
        permanent_ward_code=ward.code,
        permanent_street=nfc(data["permanent_street"]),
        permanent_province_code=ward.province_code,
    )
    session.add(citizen)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="create",
        record_type="citizen",
        record_ref=citizen.personal_id,
        purpose=purpose,
    )
    return citizen


def list_units(*, session: Session, parent_code: str | None) -> list[AdministrativeUnit]:
    query = sa.select(AdministrativeUnit)
    query = query.where(
        AdministrativeUnit.parent_code.is_(None)
        if parent_code is None
        else AdministrativeUnit.parent_code == parent_code
    )
    return list(session.scalars(query.order_by(AdministrativeUnit.code)))
