"""Hospital test data: a hospital with departments, a registered kiosk, insured patients."""

from __future__ import annotations

from datetime import date, time

from backend.database import utcnow
from backend.health.models import Department, Hospital, KioskRegistration
from backend.registry.models import HealthInsuranceCard
from tests.chip_evidence import ChipCard


def add_hospital(session, *, code="BV-TEST", level="central", facility_code="01929") -> Hospital:
    hospital = Hospital(
        code=code,
        name="Bệnh viện Thử nghiệm",
        name_en="Test Hospital",
        level=level,
        province_code="01",
        facility_code=facility_code,
    )
    hospital.departments = [
        Department(
            code="NOI",
            name="Phòng khám Nội",
            name_en="Internal medicine",
            location="Tầng 2",
            opens_at=time(0),
            closes_at=time(0),
            open_weekdays="0123456",
        ),
        Department(
            code="MAT",
            name="Phòng khám Mắt",
            name_en="Eyes",
            location="Tầng 3",
            opens_at=time(0),
            closes_at=time(0),
            open_weekdays="0123456",
        ),
        Department(
            code="DONG",
            name="Phòng khám đóng cửa",
            name_en="Closed clinic",
            location="",
            opens_at=time(7),
            closes_at=time(16),
            open_weekdays="",
        ),
    ]
    session.add(hospital)
    session.flush()
    return hospital


def add_kiosk(session, factory, hospital: Hospital, block: int = 0):
    account = factory.staff("kiosk", hospital.code)
    session.add(
        KioskRegistration(account_id=account.id, hospital_id=hospital.id, provisional_block=block, created_at=utcnow())
    )
    session.flush()
    return account


def insure(
    session, citizen, *, group="GD", level=4, facility="01088", valid_to=date(2099, 12, 31), valid_from=date(2020, 1, 1)
) -> HealthInsuranceCard:
    card = HealthInsuranceCard(
        card_number=f"{group}{level}01{citizen.personal_id[-10:]}",
        citizen_id=citizen.id,
        valid_from=valid_from,
        valid_to=valid_to,
        benefit_level=level,
        primary_care_facility_code=facility,
        primary_care_facility_name="Trạm Y tế",
    )
    session.add(card)
    session.flush()
    return card


def proof(citizen, method="chip", **extra) -> dict:
    body = {"method": method, "personal_id": citizen.personal_id, "date_of_birth": citizen.date_of_birth.isoformat()}
    if method == "chip":
        # A real read of the citizen's card, sent without a server challenge (as an offline kiosk would).
        body["chip"] = ChipCard.of(citizen).evidence()
    if method == "cccd_qr":  # the card's printed QR carries the name
        body["full_name"] = citizen.full_name
    body.update(extra)
    return body
