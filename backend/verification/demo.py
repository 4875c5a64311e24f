"""Demo verification agency for `make run`: the Hà Nội Department of Education (Sở Giáo dục và Đào tạo)
with a daily quota, for the bulk verification service; its account is agency.sgd."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.verification import service

DEMO_AGENCY_CODE = "SGD-HANOI"
DEMO_AGENCY_QUOTA = 50_000  # rows a day


def add_demo_agency(*, session: Session) -> None:
    service.set_agency(
        session=session,
        code=DEMO_AGENCY_CODE,
        name="Sở Giáo dục và Đào tạo Hà Nội",
        daily_quota=DEMO_AGENCY_QUOTA,
        active=True,
    )
