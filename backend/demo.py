"""Demo data for `make run` and for trying the API by hand: a generated population plus a few
well-known citizens and staff accounts (listed in the README)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import passwords
from backend.auth.models import Account
from backend.core import clock
from backend.core.access import Principal
from backend.fleet.demo import add_demo_fleet
from backend.health.demo import add_demo_hospitals
from backend.life_events.demo import PENSIONER_ID, add_demo_life_events
from backend.registry import identity_cards
from backend.registry.models import (
    Citizen,
    DrivingLicence,
    HealthInsuranceCard,
    Household,
    IdentityCard,
    Vehicle,
)
from backend.registry.seed import REFERENCE_DATE, SeedReport, bulk_load_population
from backend.residence.demo import add_demo_establishment, add_demo_residence
from backend.traffic.demo import add_demo_fines
from backend.verification.demo import add_demo_agency
from hardware.smartcard.mrz import card_expiry
from shared_schemas.text import fold


@dataclass(frozen=True)
class DemoCitizen:
    personal_id: str
    full_name: str
    date_of_birth: date
    sex: str
    ward_code: str
    province_code: str
    street: str
    account_level: int | None
    relation: str = "Chủ hộ"
    phone: str | None = None  # the registry's number: self-registration codes go there
    card_issued_on: date | None = None  # the chip ID card in the card register (none: a child without one)


#: The kiosk's simulated chip of Nguyễn Văn An (kiosk_app/services/simulation.py, DEMO_PATIENT) and the test chips
#: (tests/chip_evidence.py) carry this issue date in DG13: the register must hold the same card.
SIMULATED_CARD_ISSUED_ON = date(2021, 4, 15)
#: Nguyễn Văn An's earlier card, replaced by the one above: eKYC of a chip issued that day answers "replaced".
REPLACED_CARD_ISSUED_ON = date(2016, 6, 1)


DEMO_CITIZENS = (
    DemoCitizen(
        "001090012345",
        "Nguyễn Văn An",
        date(1990, 1, 1),
        "male",
        "00088",
        "01",
        "Số 1 Phố Huế",
        2,
        phone="0912345678",
        card_issued_on=SIMULATED_CARD_ISSUED_ON,
    ),
    DemoCitizen(
        "001185006789",
        "Trần Thị Bình",
        date(1985, 5, 10),
        "female",
        "00088",
        "01",
        "Số 1 Phố Huế",
        1,
        "Vợ",
        phone="0912345679",
        card_issued_on=date(2024, 3, 1),
    ),
    DemoCitizen(
        "001215000123", "Nguyễn Minh Khang", date(2015, 8, 20), "male", "00088", "01", "Số 1 Phố Huế", None, "Con"
    ),
    DemoCitizen(
        "079301004321",
        "Lê Minh Châu",
        date(2001, 3, 15),
        "female",
        "26740",
        "79",
        "Số 45 Đường Lê Lợi",
        2,
        phone="0903004321",
        card_issued_on=date(2024, 3, 20),
    ),
    # No account yet: registers herself in the demo (the SMS code appears in the server log).
    DemoCitizen(
        "001195004567",
        "Phạm Thu Hà",
        date(1995, 7, 21),
        "female",
        "26740",
        "79",
        "Số 12 Đường Lê Lợi",
        None,
        phone="0909123456",
        card_issued_on=SIMULATED_CARD_ISSUED_ON,
    ),
)

# username, role, scope, display name
DEMO_STAFF = (
    ("officer.hanoi", "officer", "01", "Cán bộ Công an TP Hà Nội"),
    ("officer.hangbai", "officer", "00088", "Cán bộ Công an phường Hàng Bài"),
    ("officer.hcm", "officer", "79", "Cán bộ Công an TP Hồ Chí Minh"),
    ("staff.bachmai", "hospital_staff", "BV-BACHMAI", "Nhân viên Bệnh viện Bạch Mai"),
    ("fleet.admin", "fleet_admin", None, "Quản trị ki-ốt"),
    ("agency.sgd", "agency", "SGD-HANOI", "Sở Giáo dục và Đào tạo Hà Nội"),
    # The national view of the Project 06 dashboard and the OpenID provider's relying parties.
    ("admin.quocgia", "admin", None, "Quản trị quốc gia"),
)


def add_demo_people(*, session: Session, password: str) -> None:
    password_hash = passwords.hash_password(password)
    household = Household(household_number="HK00088DEMO0001", ward_code="00088", street_address="Số 1 Phố Huế")
    session.add(household)
    session.flush()
    for person in DEMO_CITIZENS:
        citizen = Citizen(
            personal_id=person.personal_id,
            full_name=person.full_name,
            name_folded=fold(person.full_name),
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            permanent_ward_code=person.ward_code,
            permanent_street=person.street,
            permanent_province_code=person.province_code,
            place_of_origin="Thành phố Hà Nội",
            household_id=household.id if person.ward_code == "00088" else None,
            relation_to_head=person.relation if person.ward_code == "00088" else "Chủ hộ",
            phone=person.phone,
        )
        session.add(citizen)
        session.flush()
        if person.relation == "Chủ hộ" and person.ward_code == "00088":
            household.head_citizen_id = citizen.id
        session.add(
            HealthInsuranceCard(
                card_number=f"GD4{person.province_code}{citizen.personal_id[-10:]}",
                citizen_id=citizen.id,
                valid_from=date(REFERENCE_DATE.year, 1, 1),
                valid_to=date(REFERENCE_DATE.year + 1, 12, 31),
                benefit_level=4,
                primary_care_facility_code=f"{person.province_code}{person.ward_code[-3:]}",
                primary_care_facility_name="Trạm Y tế Phường Hàng Bài"
                if person.province_code == "01"
                else "Trạm Y tế Phường Bến Nghé",
            )
        )
        if person.account_level:
            session.add(
                Account(
                    username=person.personal_id,
                    password_hash=password_hash,
                    role="citizen",
                    level=person.account_level,
                    citizen_id=citizen.id,
                    phone=person.phone,
                    display_name=person.full_name,
                )
            )
        _add_demo_cards(session, citizen, person)
        if person.personal_id == "001090012345":
            session.add(
                Vehicle(
                    plate="29B199999",
                    kind="motorbike",
                    brand="Honda",
                    owner_citizen_id=citizen.id,
                    registered_on=date(2019, 6, 1),
                )
            )
            session.add(
                DrivingLicence(
                    number="010099999999", licence_class="A1", citizen_id=citizen.id, issued_on=date(2010, 3, 1)
                )
            )
    for username, role, scope, name in DEMO_STAFF:
        session.add(
            Account(
                username=username, password_hash=password_hash, role=role, level=2, scope_code=scope, display_name=name
            )
        )


def _add_demo_cards(session: Session, citizen: Citizen, person: DemoCitizen) -> None:
    if person.card_issued_on is None:
        return
    issued = [REPLACED_CARD_ISSUED_ON] if person.personal_id == "001090012345" else []
    for issued_on in [*issued, person.card_issued_on]:
        current = issued_on == person.card_issued_on
        session.add(
            IdentityCard(
                document_number=identity_cards.document_number(citizen.personal_id),
                citizen_id=citizen.id,
                issued_on=issued_on,
                expires_on=card_expiry(citizen.date_of_birth, issued_on),
                status=identity_cards.VALID if current else identity_cards.REPLACED,
                status_changed_at=clock.now(),
                status_reason="cấp thẻ (dữ liệu mẫu) / issued (demo data)"
                if current
                else "cấp đổi thẻ (dữ liệu mẫu) / replaced (demo data)",
            )
        )


def seed_demo(engine: sa.Engine, session: Session, *, citizens: int, seed: int, password: str) -> SeedReport:
    """The whole demo data set. The caller commits `session`; the bulk part commits on its own."""
    reserved = {p.personal_id for p in DEMO_CITIZENS} | {PENSIONER_ID}
    report = bulk_load_population(engine, citizens=citizens, seed=seed, reserved_ids=reserved)
    add_demo_people(session=session, password=password)
    add_demo_hospitals(session=session, password=password)
    add_demo_services(session=session)
    add_demo_life_events(session=session, password=password)
    add_demo_console_activity(session=session)
    return report


def demo_principal(session: Session, username: str) -> Principal:
    """A demo account acting through the services, as it would through the API."""
    account = session.scalar(sa.select(Account).where(Account.username == username))
    return Principal(
        account_id=account.id,
        role=account.role,
        level=account.level,
        label=f"demo:{username}",
        family_id="demo-seed",
        citizen_id=account.citizen_id,
        scope_code=account.scope_code,
    )


def add_demo_services(*, session: Session) -> None:
    """Something to see in every domain: the fleet, a residence application waiting for the ward officer,
    a guesthouse whose notices Nguyễn Văn An sends, unpaid fines on the demo motorbike, and the verification
    agency (after the people and hospitals)."""
    session.flush()
    now = clock.now()
    add_demo_fleet(session=session, admin=demo_principal(session, "fleet.admin"), now=now)
    add_demo_residence(
        session=session,
        applicant=demo_principal(session, "079301004321"),
        owner=demo_principal(session, "001090012345"),
        owner_personal_id="001090012345",
        now=now,
    )
    add_demo_establishment(
        session=session, officer=demo_principal(session, "officer.hangbai"), operator_personal_id="001090012345"
    )
    add_demo_fines(session=session, officer=demo_principal(session, "officer.hanoi"), now=now)
    add_demo_agency(session=session)


def add_demo_console_activity(*, session: Session) -> None:
    """Weeks of residence applications for the Project 06 dashboard, and today's queue at Bạch Mai."""
    from backend.consoles import demo_activity

    session.flush()
    demo_activity.add_residence_history(session=session, officer_for=lambda name: demo_principal(session, name))
    demo_activity.add_hospital_morning(
        session=session,
        kiosk=demo_principal(session, "kiosk.bachmai.1"),
        staff=demo_principal(session, "staff.bachmai"),
    )


def is_seeded(session: Session) -> bool:
    return session.scalar(sa.select(Account.id).where(Account.username == DEMO_STAFF[0][0])) is not None
