"""Registry rules: reading, searching and registering citizens, with jurisdiction and audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.registry import units
from backend.registry.models import (
    AdministrativeUnit,
    Citizen,
    DrivingLicence,
    HealthInsuranceCard,
    Household,
    Vehicle,
)
from shared_schemas import personal_id
from shared_schemas.text import fold, nfc


@dataclass(frozen=True)
class Address:
    ward_code: str
    street: str
    ward_name: str
    district_name: str | None
    province_name: str

    @property
    def full_text(self) -> str:
        parts = [self.street, self.ward_name, self.district_name, self.province_name]
        return ", ".join(p for p in parts if p)


@dataclass
class CitizenRecord:
    """A citizen with addresses resolved and holdings loaded, as the API shows it."""

    citizen: Citizen
    permanent_address: Address
    temporary_address: Address | None
    household: Household | None
    vehicles: list[Vehicle]
    driving_licences: list[DrivingLicence]
    health_insurance_cards: list[HealthInsuranceCard]


def resolve_address(session: Session, ward_code: str, street: str, *, on: date) -> Address:
    """Name the ward, district and province as they are on `on` (since 1/7/2025: the successor ward and
    province, no district). Units are shipped reference data read from memory (registry/units.py)."""
    place = units.place_on(ward_code, on)
    return Address(
        ward_code=ward_code,
        street=street,
        ward_name=place.ward_name,
        district_name=place.district_name,
        province_name=place.province_name,
    )


def get_ward(session: Session, ward_code: str) -> AdministrativeUnit:
    unit = session.get(AdministrativeUnit, ward_code)
    if unit is None or unit.level != "ward":
        raise ValidationFailed(
            "The address is not in a known ward.", errors={"json": {"ward_code": [f"Unknown ward code {ward_code!r}."]}}
        )
    return unit


def citizen_by_personal_id(session: Session, pid: str | None) -> Citizen | None:
    """The one lookup of a citizen by the 12-digit personal ID number (None when not registered)."""
    if not pid:
        return None
    return session.scalar(sa.select(Citizen).where(Citizen.personal_id == pid))


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


def load_record(session: Session, citizen: Citizen) -> CitizenRecord:
    def owned(model, column):
        return list(session.scalars(sa.select(model).where(column == citizen.id).order_by(model.id)))

    household = None
    if citizen.household_id:
        household = session.scalar(
            sa.select(Household).where(Household.id == citizen.household_id).options(selectinload(Household.members))
        )
    temporary = None
    if citizen.temporary_ward_code:
        temporary = resolve_address(
            session, citizen.temporary_ward_code, citizen.temporary_street or "", on=clock.today()
        )
    return CitizenRecord(
        citizen=citizen,
        permanent_address=resolve_address(
            session, citizen.permanent_ward_code, citizen.permanent_street, on=clock.today()
        ),
        temporary_address=temporary,
        household=household,
        vehicles=owned(Vehicle, Vehicle.owner_citizen_id),
        driving_licences=owned(DrivingLicence, DrivingLicence.citizen_id),
        health_insurance_cards=owned(HealthInsuranceCard, HealthInsuranceCard.citizen_id),
    )


def read_own_record(*, session: Session, principal: Principal) -> CitizenRecord:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account has its own registry record.")
    citizen = session.get(Citizen, principal.citizen_id)
    if citizen is None:
        raise NotFound("Your registry record was not found.")
    return load_record(session, citizen)


def read_record(*, session: Session, principal: Principal, pid: str, purpose: str) -> CitizenRecord:
    """Read a citizen's record. Citizens may only read their own; officers their jurisdiction's.

    A citizen asking for someone else is refused before the lookup, so the answer never reveals
    whether that number exists.
    """
    if principal.role == CITIZEN:
        own = session.get(Citizen, principal.citizen_id) if principal.citizen_id else None
        if own is None or own.personal_id != pid:
            raise Forbidden("You may only see your own data.")
        return load_record(session, own)
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
    return load_record(session, citizen)


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
