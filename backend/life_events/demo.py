"""Demo life events: the commune's civil-status, social-insurance and labour officers, a newborn waiting in the
civil-status queue (born at Bạch Mai two days ago) and a death in progress (registered; the police's
deregistration and the pension fund's burial allowance still to come)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import passwords
from backend.auth.models import Account
from backend.core import clock
from backend.core.access import Principal
from backend.life_events import allowance, birth, chain, death, hospital, offices  # noqa: F401 (step handlers)
from backend.life_events.models import DEATH_REGISTRATION, WelfareEnrolment
from backend.registry.models import Citizen
from shared_schemas.text import fold

DEMO_OFFICERS = (
    ("hotich.hangbai", "00088", "civil_status", "Công chức Tư pháp - Hộ tịch phường Hàng Bài"),
    ("bhxh.hanoi", "01", "social_insurance", "Cán bộ Bảo hiểm xã hội TP Hà Nội"),
    ("ldtbxh.hanoi", "01", "labour", "Cán bộ Lao động - Thương binh và Xã hội TP Hà Nội"),
)
PENSIONER_ID = "001040001111"  # Nguyễn Văn Cụ, the demo household's grandfather (a pensioner)


def _principal(session: Session, username: str) -> Principal:
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


def add_demo_life_events(*, session: Session, password: str) -> None:
    password_hash = passwords.hash_password(password)
    for username, scope, office, name in DEMO_OFFICERS:
        account = Account(
            username=username, password_hash=password_hash, role="officer", level=2, scope_code=scope, display_name=name
        )
        session.add(account)
        session.flush()
        offices.assign(session=session, account_id=account.id, office=office)
    son = session.scalar(sa.select(Citizen).where(Citizen.personal_id == "001090012345"))
    pensioner = Citizen(
        personal_id=PENSIONER_ID,
        full_name="Nguyễn Văn Cụ",
        name_folded=fold("Nguyễn Văn Cụ"),
        date_of_birth=date(1940, 2, 2),
        sex="male",
        permanent_ward_code="00088",
        permanent_street=son.permanent_street,
        permanent_province_code="01",
        place_of_origin="Thành phố Hà Nội",
        household_id=son.household_id,
        relation_to_head="Bố",
    )
    session.add(pensioner)
    session.flush()
    session.add(WelfareEnrolment(citizen_id=pensioner.id, regime="social_insurance", since=date(2000, 3, 1)))
    now = clock.now()
    staff = _principal(session, "staff.bachmai")
    certificate = hospital.issue_birth_certificate(
        session=session,
        principal=staff,
        data={
            "mother_personal_id": "001185006789",
            "child_sex": "female",
            "born_at": now - timedelta(days=2),
            "weight_grams": 3200,
            "place": "Bệnh viện Bạch Mai, Hà Nội",
        },
    )
    father = _principal(session, "001090012345")  # the father declares (the mother's account is level 1)
    birth.apply(
        session=session,
        principal=father,
        data={
            "certificate_ref": certificate.public_id,
            "child_full_name": "Nguyễn Thị Mai",
            "father_personal_id": "001090012345",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "place_of_origin": "Thành phố Hà Nội",
            "household_of": "father",
        },
    )
    notice = hospital.issue_death_notice(
        session=session,
        principal=staff,
        data={
            "deceased_personal_id": PENSIONER_ID,
            "informant_personal_id": "001090012345",
            "died_at": now - timedelta(days=1),
            "place": "Bệnh viện Bạch Mai, Hà Nội",
            "cause": "Tuổi già",
        },
    )
    application = death.apply(
        session=session, principal=father, data={"certificate_ref": notice.public_id, "relationship": "Con"}
    )
    registration = next(s for s in application.steps if s.step == DEATH_REGISTRATION)
    chain.decide(
        session=session, principal=_principal(session, "hotich.hangbai"), step_id=registration.id, decision="approve"
    )
