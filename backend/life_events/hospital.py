"""Hospital notifications: the electronic birth certificate (giấy chứng sinh) and death notice (giấy báo tử),
issued by a hospital's staff as signed documents that the family holds in the app."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import HOSPITAL_STAFF, Principal
from backend.documents import service as documents
from backend.documents.pdf import Line
from backend.errors import Forbidden
from backend.health.models import Hospital
from backend.life_events import retries
from backend.life_events.documents import BIRTH_CERTIFICATE, DEATH_NOTICE, hospital_authority
from backend.life_events.errors import AlreadyDeceased, UnknownHospital, UnknownPerson
from backend.life_events.models import HospitalNotification
from backend.registry.models import Citizen
from shared_schemas.clock import VIETNAM_TZ
from shared_schemas.personal_id import vietnamese_sex
from shared_schemas.text import mask_personal_id, nfc

DOCUMENT_VALIDITY = timedelta(days=365 * 100)  # a civil-status source document does not lapse


def _hospital(session: Session, principal: Principal) -> Hospital:
    if principal.role != HOSPITAL_STAFF:
        raise Forbidden("Only hospital staff issue birth certificates and death notices.")
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == principal.scope_code))
    if hospital is None:
        raise UnknownHospital(
            "Your account is not linked to a hospital known to the health registry; "
            "ask the administrator to link it before issuing certificates."
        )
    return hospital


def _citizen(session: Session, personal_id: str, field: str, who: str) -> Citizen:
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == personal_id))
    if citizen is None:
        raise UnknownPerson(
            f"The {who} is not in the population registry: check the personal ID number.",
            errors={"json": {field: ["Unknown to the population registry."]}},
        )
    return citizen


def issue_birth_certificate(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> HospitalNotification:
    return retries.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="issue_birth_certificate",
        data=data,
        model=HospitalNotification,
        make=lambda: _issue_birth_certificate(session, principal, data),
    )


def _issue_birth_certificate(session: Session, principal: Principal, data: dict) -> HospitalNotification:
    hospital = _hospital(session, principal)
    mother = _citizen(session, data["mother_personal_id"], "mother_personal_id", "mother")
    if mother.deceased_on is not None and mother.deceased_on < clock.local_date(data["born_at"]):
        raise UnknownPerson("The mother is recorded as deceased before this birth: check the personal ID number.")
    now = clock.now()
    if data["born_at"] > now:
        raise UnknownPerson("The time of birth is in the future.", errors={"json": {"born_at": ["In the future."]}})
    notification = HospitalNotification(
        public_id=secrets.token_hex(8),
        kind="birth",
        hospital_id=hospital.id,
        issued_by_account_id=principal.account_id,
        subject_citizen_id=mother.id,
        event_at=data["born_at"],
        place=nfc(data.get("place") or hospital.name),
        child_sex=data["child_sex"],
        weight_grams=data["weight_grams"],
        issued_at=now,
        document_id="",
    )
    lines = [
        Line("Họ tên mẹ", "Mother", mother.full_name),
        Line("Số định danh của mẹ", "Mother's personal ID", mask_personal_id(mother.personal_id)),
        Line("Giới tính của trẻ", "Child's sex", vietnamese_sex(data["child_sex"])),
        Line("Thời điểm sinh", "Born at", data["born_at"].astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y")),
        Line("Nơi sinh", "Place of birth", notification.place),
        Line("Cân nặng", "Weight", f"{data['weight_grams']} g"),
        Line("Cơ sở y tế", "Issued by", hospital.name),
    ]
    content = {
        "type": BIRTH_CERTIFICATE,
        "ref": notification.public_id,
        "hospital": hospital.code,
        "mother": mother.personal_id,
        "child_sex": data["child_sex"],
        "born_at": data["born_at"].isoformat(),
        "place": notification.place,
        "weight_grams": data["weight_grams"],
    }
    document = documents.issue_document(
        session=session,
        holder=mother,
        doc_type=BIRTH_CERTIFICATE,
        authority=hospital_authority(hospital),
        lines=lines,
        content=content,
        validity=DOCUMENT_VALIDITY,
        source_ref=notification.public_id,
        now=now,
    )
    notification.document_id = document.id
    session.add(notification)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[mother.id],
        action="create",
        record_type="birth-certificate",
        record_ref=notification.public_id,
        purpose="cấp giấy chứng sinh / birth certificate issued",
    )
    return notification


def issue_death_notice(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> HospitalNotification:
    return retries.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="issue_death_notice",
        data=data,
        model=HospitalNotification,
        make=lambda: _issue_death_notice(session, principal, data),
    )


def _issue_death_notice(session: Session, principal: Principal, data: dict) -> HospitalNotification:
    hospital = _hospital(session, principal)
    deceased = _citizen(session, data["deceased_personal_id"], "deceased_personal_id", "deceased person")
    if deceased.deceased_on is not None:
        raise AlreadyDeceased("This person is already recorded as deceased; a second death notice is not issued.")
    informant = _citizen(session, data["informant_personal_id"], "informant_personal_id", "relative")
    now = clock.now()
    if data["died_at"] > now:
        raise UnknownPerson("The time of death is in the future.", errors={"json": {"died_at": ["In the future."]}})
    notification = HospitalNotification(
        public_id=secrets.token_hex(8),
        kind="death",
        hospital_id=hospital.id,
        issued_by_account_id=principal.account_id,
        subject_citizen_id=deceased.id,
        informant_citizen_id=informant.id,
        event_at=data["died_at"],
        place=nfc(data.get("place") or hospital.name),
        cause=nfc(data.get("cause") or "") or None,
        issued_at=now,
        document_id="",
    )
    died_on = clock.local_date(data["died_at"])
    lines = [
        Line("Họ tên người chết", "Deceased", deceased.full_name),
        Line("Số định danh", "Personal ID", mask_personal_id(deceased.personal_id)),
        Line("Ngày chết", "Date of death", died_on.strftime("%d/%m/%Y")),
        Line("Nơi chết", "Place of death", notification.place),
        Line("Cơ sở y tế", "Issued by", hospital.name),
    ]
    content = {
        "type": DEATH_NOTICE,
        "ref": notification.public_id,
        "hospital": hospital.code,
        "deceased": deceased.personal_id,
        "died_at": data["died_at"].isoformat(),
        "place": notification.place,
        "cause": notification.cause,
    }
    document = documents.issue_document(
        session=session,
        holder=informant,
        doc_type=DEATH_NOTICE,
        authority=hospital_authority(hospital),
        lines=lines,
        content=content,
        validity=DOCUMENT_VALIDITY,
        source_ref=notification.public_id,
        now=now,
    )
    notification.document_id = document.id
    session.add(notification)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[deceased.id, informant.id],
        action="create",
        record_type="death-notice",
        record_ref=notification.public_id,
        purpose="cấp giấy báo tử / death notice issued",
    )
    return notification
