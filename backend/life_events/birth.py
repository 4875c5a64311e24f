"""The birth chain: birth registration (assigns the child's personal ID and creates the registry record, with
an extract as a signed document) → permanent residence in a parent's household (the head consents) → a BHYT card
for a child under 6 (group TE, 100 %, to the day before the 6th birthday), visible to hospital check-in at once."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.documents import service as documents
from backend.documents.pdf import Line
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.health.models import Hospital
from backend.life_events import chain, retries
from backend.life_events.documents import BIRTH_EXTRACT
from backend.life_events.errors import AlreadyRegistered, UnknownPerson
from backend.life_events.hospital import DOCUMENT_VALIDITY
from backend.life_events.models import (
    AWAITING_CONSENT,
    BIRTH_REGISTRATION,
    CIVIL_STATUS,
    HEALTH_INSURANCE,
    PERMANENT_RESIDENCE,
    POLICE,
    REFUSED,
    SOCIAL_INSURANCE,
    WAITING,
    BirthRegistration,
    HospitalNotification,
    LifeEventApplication,
    LifeEventStep,
)
from backend.registry.models import Citizen, HealthInsuranceCard, Household
from shared_schemas import personal_id
from shared_schemas.text import fold, mask_personal_id, nfc

CHILD_CARD_GROUP, CHILD_CARD_LEVEL = "TE", 1
ALLOCATION_ATTEMPTS = 20


def hospital_document(session: Session, public_id: str, kind: str) -> HospitalNotification:
    notification = session.scalar(
        sa.select(HospitalNotification).where(
            HospitalNotification.public_id == public_id, HospitalNotification.kind == kind
        )
    )
    if notification is None:
        what = "birth certificate" if kind == "birth" else "death notice"
        raise NotFound(f"No {what} with this reference was issued by a hospital known to the health registry.")
    return notification


def refuse_second_application(session: Session, notification: HospitalNotification) -> None:
    if session.scalar(
        sa.select(LifeEventApplication.id).where(LifeEventApplication.notification_id == notification.id)
    ):
        raise AlreadyRegistered(
            "An application was already made with this hospital document; follow it in "
            "your applications instead of applying again."
        )


def apply(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> LifeEventApplication:
    return retries.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="declare_birth",
        data=data,
        model=LifeEventApplication,
        make=lambda: _apply(session, principal, data),
    )


def _apply(session: Session, principal: Principal, data: dict) -> LifeEventApplication:
    """A parent declares the birth once; the three agencies' steps are created with the data they need."""
    notification = hospital_document(session, data["certificate_ref"], "birth")
    mother = session.get(Citizen, notification.subject_citizen_id)
    father = None
    if data.get("father_personal_id"):
        father = session.scalar(sa.select(Citizen).where(Citizen.personal_id == data["father_personal_id"]))
        if father is None or father.sex != "male":
            raise UnknownPerson(
                "The father is not in the population registry: check the personal ID number.",
                errors={"json": {"father_personal_id": ["Unknown to the population registry."]}},
            )
    if principal.citizen_id not in (mother.id, father.id if father else None):
        raise Forbidden("Only the child's mother or father declares the birth.")
    refuse_second_application(session, notification)
    parent = father if data["household_of"] == "father" else mother
    if parent is None or parent.household_id is None:
        raise ValidationFailed(
            "The parent chosen for the child's permanent residence has no household in the residence database.",
            errors={"json": {"household_of": ["No household."]}},
        )
    household = session.get(Household, parent.household_id)
    ward = household.ward_code
    province = session.get(Citizen, parent.id).permanent_province_code
    born_on = clock.local_date(notification.event_at)
    consent = "given" if household.head_citizen_id == principal.citizen_id else "pending"
    application = LifeEventApplication(
        public_id=secrets.token_hex(8),
        kind="birth",
        applicant_citizen_id=principal.citizen_id,
        notification_id=notification.id,
        submitted_at=clock.now(),
        late=chain.is_late(born_on, "civil.birth_registration_days", clock.today()),
        declaration_json="{}",
    )
    chain.set_declaration(
        application,
        {
            "child_full_name": nfc(data["child_full_name"].strip()),
            "ethnicity": nfc(data.get("ethnicity", "Kinh")),
            "nationality": nfc(data.get("nationality", "Việt Nam")),
            "place_of_origin": nfc(data["place_of_origin"]),
            "father_citizen_id": father.id if father else None,
            "household_id": household.id,
            "head_consent": consent,
        },
    )
    session.add(application)
    session.flush()
    chain.new_step(application, 1, BIRTH_REGISTRATION, CIVIL_STATUS, ward, province)
    chain.new_step(application, 2, PERMANENT_RESIDENCE, POLICE, ward, province)
    chain.new_step(application, 3, HEALTH_INSURANCE, SOCIAL_INSURANCE, ward, province)
    session.flush()
    chain.log(
        session,
        application,
        "submitted",
        note="quá hạn 60 ngày / past the 60-day deadline" if application.late else None,
    )
    chain.advance(session, application, actor=None)
    session.flush()
    return application


def consent_needed(step: LifeEventStep) -> bool:
    return step.step == PERMANENT_RESIDENCE and chain.declaration(step.application)["head_consent"] != "given"


def household_consent(
    *, session: Session, principal: Principal, public_id: str, decision: str, note: str | None
) -> LifeEventApplication:
    """The head of the chosen household agrees to the registration there (a newborn's, or a citizen's own
    permanent-residence application), or refuses (which ends the residence step with the reason and what to do)."""
    application = session.scalar(
        sa.select(LifeEventApplication).where(
            LifeEventApplication.public_id == public_id, LifeEventApplication.kind.in_(("birth", "residence"))
        )
    )
    declared = chain.declaration(application) if application else None
    household = session.get(Household, declared["household_id"]) if declared else None
    if principal.role != CITIZEN or household is None or household.head_citizen_id != principal.citizen_id:
        raise NotFound("No application waits for your consent as head of household.")
    step = next(s for s in application.steps if s.step == PERMANENT_RESIDENCE)
    if declared["head_consent"] != "pending" or step.status not in (WAITING, AWAITING_CONSENT):
        raise AlreadyRegistered("This consent was already answered.")
    declared["head_consent"] = "given" if decision == "consent" else "refused"
    chain.set_declaration(application, declared)
    chain.log(
        session,
        application,
        f"head-{declared['head_consent']}",
        step=step.step,
        actor=principal.account_id,
        note=nfc(note or "")[:300] or None,
    )
    if decision == "consent":
        if step.status == AWAITING_CONSENT:
            chain.make_ready(session, step, actor=principal.account_id)
    else:
        step.status = REFUSED
        step.refusal_reason = "Chủ hộ không đồng ý / the head of household refused"
        step.refusal_action = (
            (
                "Đăng ký thường trú cho trẻ tại hộ của cha hoặc mẹ còn lại / register the child in "
                "the other parent's household with a new application"
            )
            if application.kind == "birth"
            else (
                "Đăng ký thường trú tại chỗ ở hợp pháp khác / apply at another lawful place of residence "
                "(Luật Cư trú Điều 20)"
            )
        )
        chain.refuse_rest(session, application, step, actor=principal.account_id)
    session.flush()
    return application


def _allocate_personal_id(session: Session, province_code: str, sex: str, born: date) -> str:
    """A fresh number for the province of registration; the unique index settles a race with a twin allocation."""
    for _ in range(ALLOCATION_ATTEMPTS):
        number = personal_id.compose(f"0{province_code}", sex, born.year, f"{secrets.randbelow(10**6):06d}")
        if not session.scalar(sa.select(Citizen.id).where(Citizen.personal_id == number)):
            return number
    raise RuntimeError("no free personal ID number after repeated draws")


@chain.handles(BIRTH_REGISTRATION)
def register_birth(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, str]:
    declared = chain.declaration(application)
    notification = session.get(HospitalNotification, application.notification_id)
    if session.scalar(sa.select(BirthRegistration.id).where(BirthRegistration.notification_id == notification.id)):
        raise AlreadyRegistered("This birth is already registered.")
    mother = session.get(Citizen, notification.subject_citizen_id)
    household = session.get(Household, declared["household_id"])
    born = clock.local_date(notification.event_at)
    child = Citizen(
        personal_id=_allocate_personal_id(session, step.province_code, notification.child_sex, born),
        full_name=declared["child_full_name"],
        name_folded=fold(declared["child_full_name"]),
        date_of_birth=born,
        sex=notification.child_sex,
        ethnicity=declared["ethnicity"],
        nationality=declared["nationality"],
        place_of_origin=declared["place_of_origin"],
        permanent_ward_code=household.ward_code,
        permanent_street=household.street_address,
        permanent_province_code=step.province_code,
    )
    session.add(child)
    session.flush()
    registration = BirthRegistration(
        child_citizen_id=child.id,
        mother_citizen_id=mother.id,
        father_citizen_id=declared["father_citizen_id"],
        notification_id=notification.id,
        ward_code=step.ward_code,
        registered_on=clock.today(),
        late=application.late,
        registered_by_account_id=principal.account_id,
    )
    session.add(registration)
    application.subject_citizen_id = child.id
    father = session.get(Citizen, declared["father_citizen_id"]) if declared["father_citizen_id"] else None
    applicant = session.get(Citizen, application.applicant_citizen_id)
    document = documents.issue_document(
        session=session,
        holder=applicant,
        doc_type=BIRTH_EXTRACT,
        jurisdiction=step.ward_code,
        lines=[
            Line("Họ tên", "Full name", child.full_name),
            Line("Số định danh cá nhân", "Personal ID", child.personal_id),
            Line("Ngày sinh", "Date of birth", born.strftime("%d/%m/%Y")),
            Line("Giới tính", "Sex", personal_id.vietnamese_sex(child.sex)),
            Line("Nơi sinh", "Place of birth", notification.place),
            Line("Dân tộc / Quốc tịch", "Ethnicity / nationality", f"{child.ethnicity} / {child.nationality}"),
            Line("Quê quán", "Place of origin", child.place_of_origin or ""),
            Line("Họ tên mẹ", "Mother", f"{mother.full_name} ({mask_personal_id(mother.personal_id)})"),
            Line(
                "Họ tên cha",
                "Father",
                f"{father.full_name} ({mask_personal_id(father.personal_id)})" if father else "—",
            ),
            Line(
                "Ngày đăng ký",
                "Registered on",
                registration.registered_on.strftime("%d/%m/%Y")
                + (" (đăng ký quá hạn / late)" if registration.late else ""),
            ),
        ],
        content={
            "type": BIRTH_EXTRACT,
            "child": child.personal_id,
            "full_name": child.full_name,
            "born_on": born.isoformat(),
            "sex": child.sex,
            "mother": mother.personal_id,
            "father": father.personal_id if father else None,
            "ward": step.ward_code,
            "registered_on": registration.registered_on.isoformat(),
            "late": registration.late,
        },
        validity=DOCUMENT_VALIDITY,
        source_ref=application.public_id,
        now=clock.now(),
    )
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[child.id, mother.id] + ([father.id] if father else []),
        action="create",
        record_type="birth-registration",
        record_ref=application.public_id,
        purpose="đăng ký khai sinh / birth registration",
    )
    return child.personal_id, document.id


@chain.handles(PERMANENT_RESIDENCE)
def register_into_household(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, None]:
    """Đăng ký thường trú (Luật Cư trú Art. 20-22): the child joins the parent's household."""
    household = session.get(Household, chain.declaration(application)["household_id"])
    child = session.get(Citizen, application.subject_citizen_id)
    child.household_id = household.id
    child.relation_to_head = chain.declaration(application).get("relation", "Con")
    child.permanent_ward_code, child.permanent_street = household.ward_code, household.street_address
    child.permanent_province_code = step.province_code
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[child.id],
        action="update",
        record_type="permanent-residence",
        record_ref=household.household_number,
        purpose="đăng ký thường trú / permanent residence registration",
    )
    return household.household_number, None


def sixth_birthday_eve(born: date) -> date:
    """Valid to the day before the 6th birthday (a 29 February child turns six on 1 March)."""
    try:
        birthday = born.replace(year=born.year + 6)
    except ValueError:
        birthday = date(born.year + 6, 3, 1)
    return birthday - timedelta(days=1)


@chain.handles(HEALTH_INSURANCE)
def issue_child_card(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, None]:
    child = session.get(Citizen, application.subject_citizen_id)
    hospital = session.get(Hospital, session.get(HospitalNotification, application.notification_id).hospital_id)
    while True:
        number = f"{CHILD_CARD_GROUP}{CHILD_CARD_LEVEL}{step.province_code}{secrets.randbelow(10**10):010d}"
        if not session.scalar(sa.select(HealthInsuranceCard.id).where(HealthInsuranceCard.card_number == number)):
            break
    session.add(
        HealthInsuranceCard(
            card_number=number,
            citizen_id=child.id,
            valid_from=child.date_of_birth,
            valid_to=sixth_birthday_eve(child.date_of_birth),
            benefit_level=CHILD_CARD_LEVEL,
            primary_care_facility_code=hospital.facility_code,
            primary_care_facility_name=hospital.name,
        )
    )
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[child.id],
        action="create",
        record_type="health-insurance-card",
        record_ref=number,
        purpose="cấp thẻ BHYT trẻ em dưới 6 tuổi / child health-insurance card",
    )
    return number, None
