"""A family for the life-event tests: a household in ward 00088 (Hà Nội) headed by the grandfather, the parents
in it, a hospital, its staff, and one officer of each agency covering the ward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.auth.models import Account
from backend.life_events import offices
from backend.registry.models import Citizen, Household
from tests.backend.health.hospital_data import add_hospital
from tests.backend.helpers import Factory

WARD, PROVINCE = "00088", "01"


@dataclass
class Family:
    grandfather: Citizen
    father: Citizen
    mother: Citizen
    household: Household
    accounts: dict[str, Account]


def build_family(session, factory: Factory, *, hospital_code: str = "BV-TEST") -> Family:
    add_hospital(session, code=hospital_code)
    household = Household(
        household_number=f"HK{factory.citizen().id:08d}", ward_code=WARD, street_address="Số 5 Phố Huế"
    )
    session.add(household)
    session.flush()
    grandfather = factory.citizen(
        full_name="Nguyễn Văn Ông", date_of_birth=date(1950, 3, 3), household_id=household.id, relation_to_head="Chủ hộ"
    )
    father = factory.citizen(
        full_name="Nguyễn Văn Bố", date_of_birth=date(1990, 5, 5), household_id=household.id, relation_to_head="Con"
    )
    mother = factory.citizen(
        full_name="Trần Thị Mẹ",
        sex="female",
        date_of_birth=date(1992, 6, 6),
        household_id=household.id,
        relation_to_head="Con dâu",
    )
    household.head_citizen_id = grandfather.id
    accounts = {
        "grandfather": factory.account(grandfather, level=2),
        "father": factory.account(father, level=2),
        "mother": factory.account(mother, level=2),
        "hospital": factory.staff("hospital_staff", hospital_code),
        "police": factory.staff("officer", WARD),
    }
    for office, scope in (("civil_status", WARD), ("social_insurance", PROVINCE), ("labour", PROVINCE)):
        accounts[office] = factory.staff("officer", scope)
        offices.assign(session=session, account_id=accounts[office].id, office=office)
    accounts["civil_status_elsewhere"] = factory.staff("officer", "26740")
    offices.assign(session=session, account_id=accounts["civil_status_elsewhere"].id, office="civil_status")
    session.flush()
    return Family(grandfather, father, mother, household, accounts)
