"""A citizen's record as the API shows it (shared_schemas.registry.CitizenSchema dumps it as it is), read in one
SQL statement: the citizen, the household number and every list (household members, vehicles, driving licences,
health-insurance cards) come back as one row, each list as a JSON array the database builds. Plain rows, no ORM
objects: the owner's own record is the busiest read of the API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from backend.core import clock
from backend.registry import units
from backend.registry.models import Citizen, DrivingLicence, HealthInsuranceCard, Household, Vehicle


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


def resolve_address(ward_code: str, street: str, *, on: date) -> Address:
    """Name the ward, district and province as they are on `on` (since 1/7/2025: the successor ward and
    province, no district). Units are shipped reference data read from memory (registry/units.py)."""
    place = units.place_on(ward_code, on)
    return Address(ward_code, street, place.ward_name, place.district_name, place.province_name)


@dataclass(frozen=True)
class HouseholdView:
    household_number: str
    members: list[dict]


@dataclass(frozen=True)
class CitizenRecord:
    """Hồ sơ công dân: the record with addresses named as on the day it is read."""

    id: int
    personal_id: str
    full_name: str
    date_of_birth: date
    sex: str
    old_id_number: str | None
    ethnicity: str
    religion: str | None
    nationality: str
    place_of_origin: str | None
    permanent_address: Address
    temporary_address: Address | None
    temporary_until: date | None
    relation_to_head: str | None
    household: HouseholdView | None
    deceased_on: date | None
    # The lists' rows are in wire form, as the database rendered them (dates as ISO text).
    vehicles: list[dict]
    driving_licences: list[dict]
    health_insurance_cards: list[dict]


_MEMBER = aliased(Citizen, name="member")
# list name -> (table, the column naming the citizen or household, the fields shown)
_LISTS = {
    "members": (_MEMBER, _MEMBER.household_id, ("full_name", "relation_to_head", "date_of_birth")),
    "vehicles": (Vehicle, Vehicle.owner_citizen_id, ("plate", "kind", "brand", "registered_on")),
    "driving_licences": (
        DrivingLicence,
        DrivingLicence.citizen_id,
        ("number", "licence_class", "issued_on", "expires_on", "status", "points"),
    ),
    "health_insurance_cards": (
        HealthInsuranceCard,
        HealthInsuranceCard.citizen_id,
        (
            "card_number",
            "valid_from",
            "valid_to",
            "benefit_level",
            "primary_care_facility_code",
            "primary_care_facility_name",
        ),
    ),
}
_CITIZEN_COLUMNS = (
    "id",
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "old_id_number",
    "ethnicity",
    "religion",
    "nationality",
    "place_of_origin",
    "permanent_ward_code",
    "permanent_street",
    "temporary_ward_code",
    "temporary_street",
    "temporary_until",
    "relation_to_head",
    "deceased_on",
)


def _json_array(dialect: str, table, owner_column, owner, fields: tuple[str, ...]):
    """A correlated subquery: the rows of `table` belonging to `owner` as a JSON array of objects (with their id,
    to keep the order of the rows: SQLite 3.40 has no ORDER BY inside an aggregate)."""
    pairs = []
    for name in ("id", *fields):
        pairs += [sa.literal_column(f"'{name}'"), getattr(table, name)]
    if dialect == "postgresql":
        aggregate = sa.func.json_agg(sa.func.json_build_object(*pairs), type_=sa.JSON)
    else:
        aggregate = sa.func.json_group_array(sa.func.json_object(*pairs), type_=sa.JSON)
    return sa.select(aggregate).where(owner_column == owner).scalar_subquery()


def _record_statement(dialect: str) -> sa.Select:
    owners = {"members": Citizen.household_id}
    lists = [
        _json_array(dialect, table, column, owners.get(name, Citizen.id), fields).label(name)
        for name, (table, column, fields) in _LISTS.items()
    ]
    return (
        sa.select(*(getattr(Citizen, c) for c in _CITIZEN_COLUMNS), Household.household_number, *lists)
        .select_from(Citizen)
        .outerjoin(Household, Household.id == Citizen.household_id)
    )


_DRIVER_SQL: dict[str, tuple[str, bool]] = {}
_NAMES: dict[str, tuple[str, ...]] = {}  # the record statement's column names, by its SQL text


def _driver_statement(dialect: sa.Dialect) -> tuple[str, bool]:
    """The statement as the database driver takes it (its own placeholder style), compiled once per dialect, and
    whether its one parameter is positional."""
    if dialect.name not in _DRIVER_SQL:
        statement = _record_statement(dialect.name).where(Citizen.id == sa.bindparam("citizen_id"))
        compiled = statement.compile(dialect=dialect)
        if list(compiled.params) != ["citizen_id"]:
            raise AssertionError(f"the record statement takes one parameter, not {list(compiled.params)}")
        _DRIVER_SQL[dialect.name] = (compiled.string, bool(compiled.positional))
    return _DRIVER_SQL[dialect.name]


def _fetch_row(connection: sa.Connection, citizen_id: int) -> dict | None:
    """Run the record statement on the driver's own cursor, inside the session's transaction.

    By hand on purpose: SQLAlchemy's `Connection.execute` spends 90-150 us per call on this 23-column row (result
    metadata, type processing) against 30 us for the query itself, measured on SQLite (bench/profile_request.py);
    this is the busiest read of the API. The only conversions the row needs are done here (SQLite hands dates and
    JSON back as text; psycopg converts both itself). Statement listeners (echo, the tests' statement counts) still
    hear the statement."""
    sql, positional = _driver_statement(connection.dialect)
    params = (citizen_id,) if positional else {"citizen_id": citizen_id}
    cursor = connection.connection.cursor()
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        values = cursor.fetchone()
        names = _NAMES.get(sql)
        if names is None:  # psycopg builds the description's column objects anew on every statement
            names = _NAMES.setdefault(sql, tuple(column[0] for column in cursor.description))
    finally:
        cursor.close()
    return None if values is None else dict(zip(names, values, strict=True))


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _json(value) -> list:
    return json.loads(value) if isinstance(value, str) else (value or [])


def _rows(raw) -> list[dict]:
    """The list in registry order, each row in wire form as the database rendered it (dates as ISO text):
    CitizenSchema's `RenderedRows` dumps them as they are."""
    rows = sorted(_json(raw), key=lambda r: r["id"])
    for row in rows:
        del row["id"]
    return rows


def read(session: Session, citizen_id: int) -> CitizenRecord | None:
    """The record of the citizen with this registry id (None when there is none)."""
    row = _fetch_row(session.connection(), citizen_id)
    if row is None:
        return None
    lists = {name: _rows(row[name]) for name in _LISTS}
    today = clock.today()
    temporary = None
    if row["temporary_ward_code"]:
        temporary = resolve_address(row["temporary_ward_code"], row["temporary_street"] or "", on=today)
    household = None
    if row["household_number"] is not None:
        household = HouseholdView(row["household_number"], lists.pop("members"))
    return CitizenRecord(
        id=row["id"],
        personal_id=row["personal_id"],
        full_name=row["full_name"],
        date_of_birth=_date(row["date_of_birth"]),
        sex=row["sex"],
        old_id_number=row["old_id_number"],
        ethnicity=row["ethnicity"],
        religion=row["religion"],
        nationality=row["nationality"],
        place_of_origin=row["place_of_origin"],
        permanent_address=resolve_address(row["permanent_ward_code"], row["permanent_street"], on=today),
        temporary_address=temporary,
        temporary_until=_date(row["temporary_until"]),
        relation_to_head=row["relation_to_head"],
        household=household,
        deceased_on=_date(row["deceased_on"]),
        vehicles=lists["vehicles"],
        driving_licences=lists["driving_licences"],
        health_insurance_cards=lists["health_insurance_cards"],
    )
