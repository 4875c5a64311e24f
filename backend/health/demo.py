"""Demo hospitals, departments and a check-in kiosk for `make run` / `make kiosk` (kept small)."""

from __future__ import annotations

from datetime import time

from sqlalchemy.orm import Session

from backend.auth import passwords
from backend.auth.models import Account
from backend.core import clock
from backend.health.models import Department, Hospital, KioskRegistration

DEMO_KIOSK_USERNAME = "kiosk.bachmai.1"

# code, name, English name, level, province, BHYT facility code
DEMO_HOSPITALS = (
    ("BV-BACHMAI", "Bệnh viện Bạch Mai", "Bach Mai Hospital", "central", "01", "01929"),
    ("BV-HOANKIEM", "Bệnh viện Đa khoa Hoàn Kiếm", "Hoan Kiem General Hospital", "district", "01", "01088"),
)

# code, name, English name, location, opens, closes, weekdays (Monday = 0)
DEMO_DEPARTMENTS = (
    ("NOI", "Phòng khám Nội tổng hợp", "General internal medicine", "Tầng 2, nhà A", time(7), time(16, 30), "012345"),
    ("NHI", "Phòng khám Nhi", "Paediatrics", "Tầng 1, nhà B", time(7), time(16, 30), "012345"),
    ("TMH", "Phòng khám Tai Mũi Họng", "Ear, nose and throat", "Tầng 3, nhà A", time(7), time(16, 30), "01234"),
    ("MAT", "Phòng khám Mắt", "Ophthalmology", "Tầng 3, nhà C", time(7), time(16, 30), "01234"),
    ("NGOAIGIO", "Phòng khám ngoài giờ", "After-hours clinic", "Tầng 1, nhà A", time(16, 30), time(7), "0123456"),
)


def add_demo_hospitals(*, session: Session, password: str) -> None:
    """Two hospitals with the same clinics, and one kiosk account at Bạch Mai (password: the demo one)."""
    hospitals = []
    for code, name, name_en, level, province, facility in DEMO_HOSPITALS:
        hospital = Hospital(
            code=code, name=name, name_en=name_en, level=level, province_code=province, facility_code=facility
        )
        hospital.departments = [
            Department(code=d, name=n, name_en=e, location=loc, opens_at=o, closes_at=c, open_weekdays=days)
            for d, n, e, loc, o, c, days in DEMO_DEPARTMENTS
        ]
        session.add(hospital)
        hospitals.append(hospital)
    kiosk = Account(
        username=DEMO_KIOSK_USERNAME,
        password_hash=passwords.hash_password(password),
        role="kiosk",
        level=1,
        scope_code="BV-BACHMAI",
        display_name="Ki-ốt tiếp đón 1 — Bạch Mai",
    )
    session.add(kiosk)
    session.flush()
    session.add(
        KioskRegistration(account_id=kiosk.id, hospital_id=hospitals[0].id, provisional_block=0, created_at=clock.now())
    )
