"""Demo residence data for `make run`: Lê Minh Châu (permanent residence in Hồ Chí Minh City) rents a
room from Nguyễn Văn An in Hà Nội; he has consented, so the application waits for the Hàng Bài ward
officer (officer.hangbai). Made through the service, as the citizens would through the app."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import Principal
from backend.residence import establishments, service
from shared_schemas.residence import ApplicationCreateSchema, EstablishmentCreateSchema

DEMO_ESTABLISHMENT_LICENCE = "0109876543"


def add_demo_residence(
    *, session: Session, applicant: Principal, owner: Principal, owner_personal_id: str, now: datetime
) -> int:
    """Returns the application's id."""
    filed = now - timedelta(hours=2)
    start = clock.local_date(filed)
    data = ApplicationCreateSchema().load(
        {
            "ward_code": "00088",
            "street": "Phòng 302, Số 1 Phố Huế",
            "legal_basis": "tenancy",
            "owner_personal_id": owner_personal_id,
            "reason": "Làm việc tại Hà Nội",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=365)).isoformat(),
        }
    )
    application = service.apply(session=session, principal=applicant, data=data, now=filed)
    service.consent(
        session=session,
        principal=owner,
        application_id=application.id,
        decision="consent",
        note="Đồng ý cho thuê phòng",
        now=filed + timedelta(minutes=40),
    )
    return application.id


def add_demo_establishment(*, session: Session, officer: Principal, operator_personal_id: str) -> int:
    """Nhà nghỉ Phố Huế, registered by the Hàng Bài ward officer and operated by Nguyễn Văn An: he (and only
    he) sends its guests' accommodation notices. Returns the establishment's id."""
    data = EstablishmentCreateSchema().load(
        {
            "name": "Nhà nghỉ Phố Huế",
            "licence_number": DEMO_ESTABLISHMENT_LICENCE,
            "ward_code": "00088",
            "street": "Số 3 Phố Huế",
            "operator_personal_id": operator_personal_id,
        }
    )
    return establishments.register(session=session, principal=officer, data=data).id
