"""Demo activity for the consoles (`make run`): weeks of temporary-residence applications filed by generated
citizens and decided by the province officers (some late, some still open past their deadline), so the Project 06
dashboard has real events to count, and a morning's patients checked in at Bạch Mai by its kiosk, so the hospital
console has a queue. Everything goes through the domains' services, as the citizens, officers and kiosk would."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.errors import DomainError
from backend.health import checkin as health_checkin
from backend.health import hospitals as health_hospitals
from backend.health import queue_staff
from backend.health import tickets as health_tickets
from backend.registry.models import Citizen
from backend.residence import service as residence
from shared_schemas.health import CheckinCreateSchema
from shared_schemas.residence import ApplicationCreateSchema

# province officer's username, the wards where people come to live
RESIDENCE_TARGETS = (("officer.hanoi", ("00088", "00091", "00004")), ("officer.hcm", ("26740", "26734")))
WEEKS = 8
PER_WEEK = 2  # each approval renders a signed PDF (~1 s): enough to see trends, quick to seed


def _citizen_principal(citizen: Citizen) -> Principal:
    """A generated citizen acting through the services (they have no login of their own in the demo)."""
    return Principal(
        account_id=None, role=CITIZEN, level=2, label="demo:citizen", family_id="demo-seed", citizen_id=citizen.id
    )


def _adults(session: Session, count: int, rng: random.Random) -> list[Citizen]:
    born_before = clock.today().replace(year=clock.today().year - 20)
    ids = list(
        session.scalars(
            sa.select(Citizen.id)
            .where(Citizen.date_of_birth < born_before, Citizen.deceased_on.is_(None))
            .order_by(Citizen.id)
            .limit(count * 4)
        )
    )
    return [session.get(Citizen, i) for i in rng.sample(ids, min(count, len(ids)))]


def add_residence_history(*, session: Session, officer_for, seed: int = 6, now: datetime | None = None) -> int:
    """Applications spread over the last WEEKS weeks; each decided after 1–9 days (the legal limit is a few
    working days, so some are late), the most recent ones partly left open. Returns how many were filed."""
    rng = random.Random(seed)
    now = now or clock.now()
    people = iter(_adults(session, WEEKS * PER_WEEK * len(RESIDENCE_TARGETS), rng))
    filed = 0
    for username, wards in RESIDENCE_TARGETS:
        officer = officer_for(username)
        for week in range(WEEKS):
            for _ in range(PER_WEEK):
                citizen = next(people, None)
                ward = rng.choice(wards)
                if citizen is None or citizen.permanent_ward_code == ward:
                    continue
                at = now - timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(0, 8))
                if _file_and_decide(session, citizen, ward, at, officer, rng, now):
                    filed += 1
    return filed


def _file_and_decide(session, citizen, ward, at, officer, rng, now) -> bool:
    start = clock.local_date(at)
    data = ApplicationCreateSchema().load(
        {
            "ward_code": ward,
            "street": f"Số {rng.randint(1, 200)} Phố Demo",
            "legal_basis": "owner",
            "reason": "Làm việc",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=180)).isoformat(),
        }
    )
    try:
        application = residence.apply(session=session, principal=_citizen_principal(citizen), data=data, now=at)
    except DomainError:
        return False  # e.g. a generated citizen who already has a residence there
    decided = at + timedelta(days=rng.choice((1, 2, 2, 3, 3, 4, 5, 7, 9)), hours=rng.randint(1, 6))
    if decided < now and application.status == "under_review":
        decision = "approve" if rng.random() < 0.9 else "reject"
        residence.decide(
            session=session,
            principal=officer,
            application_id=application.id,
            decision=decision,
            reason=None if decision == "approve" else "Địa chỉ không đúng thực tế",
            now=decided,
        )
    return True


def add_hospital_morning(*, session: Session, kiosk: Principal, staff: Principal, patients: int = 12) -> int:
    """Today's patients checked in by the kiosk with their card's QR and queued at two clinics; the first few
    already called. Returns how many tickets were issued."""
    rng = random.Random(12)
    issued = 0
    open_now = [
        hours.code
        for hours in health_hospitals.list_departments(session=session, hospital_code=kiosk.scope_code, now=clock.now())
        if hours.open_now
    ]
    if not open_now:
        return 0
    for index, citizen in enumerate(_adults(session, patients, rng)):
        proof = {
            "method": "cccd_qr",
            "personal_id": citizen.personal_id,
            "date_of_birth": citizen.date_of_birth.isoformat(),
            "full_name": citizen.full_name,
        }
        try:
            checkin = health_checkin.create_checkin(
                session=session,
                principal=kiosk,
                data=CheckinCreateSchema().load({"identification": proof}),
                idempotency_key=None,
            )
            health_tickets.issue_ticket(
                session=session,
                principal=kiosk,
                checkin_id=checkin.checkin.public_id,
                department_code=open_now[index % 3 % len(open_now)],
                provisional_number=None,
                idempotency_key=f"demo-morning-{index:04d}",
            )
        except DomainError:
            continue
        issued += 1
    for department in (open_now[0], open_now[0], open_now[-1]):
        try:
            queue_staff.call_next_once(
                session=session, principal=staff, department_code=department, idempotency_key=None
            )
        except DomainError:
            pass
    return issued
