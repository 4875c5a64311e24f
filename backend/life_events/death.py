"""The death chain: death registration (khai tử; pre-filled from the hospital's notice), whose effects all happen
in its one transaction → deregistration of permanent residence (xóa đăng ký thường trú, Luật Cư trú Art. 24) →
the burial allowance of the person's regime, paid to the declaring relative. Revoking a wrong registration
restores exactly what its effects changed, audited."""

from __future__ import annotations

import json
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth import sessions as auth_sessions
from backend.auth.models import Account
from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.core.access import Principal
from backend.documents import service as documents
from backend.documents.pdf import Line
from backend.life_events import chain, retries
from backend.life_events.birth import hospital_document, refuse_second_application
from backend.life_events.documents import DEATH_EXTRACT
from backend.life_events.errors import AlreadyDeceased, NotARelative
from backend.life_events.hospital import DOCUMENT_VALIDITY
from backend.life_events.models import (
    BURIAL_ALLOWANCE,
    CIVIL_STATUS,
    DEATH_REGISTRATION,
    LABOUR,
    POLICE,
    RESIDENCE_DEREGISTRATION,
    SOCIAL_INSURANCE,
    DeathRegistration,
    HospitalNotification,
    LifeEventApplication,
    LifeEventStep,
    WelfareEnrolment,
)
from backend.life_events.relatives import is_relative
from backend.registry.models import Citizen, HealthInsuranceCard, Household
from backend.residence.models import TemporaryResidence
from shared_schemas.text import mask_personal_id, nfc


def regime_of(session: Session, citizen: Citizen) -> str | None:
    return session.scalar(
        sa.select(WelfareEnrolment.regime)
        .where(WelfareEnrolment.citizen_id == citizen.id)
        .order_by(WelfareEnrolment.since.desc())
        .limit(1)
    )


def apply(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> LifeEventApplication:
    return retries.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="declare_death",
        data=data,
        model=LifeEventApplication,
        make=lambda: _apply(session, principal, data),
    )


def _apply(session: Session, principal: Principal, data: dict) -> LifeEventApplication:
    """A relative declares the death once, with the hospital's notice; the allowance goes to them."""
    notification = hospital_document(session, data["certificate_ref"], "death")
    deceased = session.get(Citizen, notification.subject_citizen_id)
    applicant = session.get(Citizen, principal.citizen_id)
    if deceased.deceased_on is not None:
        raise AlreadyDeceased("This person is already recorded as deceased.")
    if not is_relative(session, applicant, deceased):
        raise NotARelative(
            "Only a relative (a member of the same household, a parent or a child) declares a "
            "death; the registry does not show you as one. Ask a relative to declare it, or "
            "go to the commune's civil-status officer with proof of the relationship."
        )
    refuse_second_application(session, notification)
    died_on = clock.local_date(notification.event_at)
    application = LifeEventApplication(
        public_id=secrets.token_hex(8),
        kind="death",
        applicant_citizen_id=applicant.id,
        notification_id=notification.id,
        subject_citizen_id=deceased.id,
        submitted_at=clock.now(),
        late=chain.is_late(died_on, "civil.death_registration_days", clock.today()),
        declaration_json="{}",
    )
    chain.set_declaration(application, {"relationship": nfc(data["relationship"].strip())})
    session.add(application)
    session.flush()
    ward, province = deceased.permanent_ward_code, deceased.permanent_province_code
    chain.new_step(application, 1, DEATH_REGISTRATION, CIVIL_STATUS, ward, province)
    chain.new_step(application, 2, RESIDENCE_DEREGISTRATION, POLICE, ward, province)
    allowance_agency = SOCIAL_INSURANCE if regime_of(session, deceased) == "social_insurance" else LABOUR
    chain.new_step(application, 3, BURIAL_ALLOWANCE, allowance_agency, ward, province)
    session.flush()
    chain.log(
        session,
        application,
        "submitted",
        note="quá hạn 15 ngày / past the 15-day deadline" if application.late else None,
    )
    chain.advance(session, application, actor=None)
    session.flush()
    return application


def registration_of(session: Session, application: LifeEventApplication) -> DeathRegistration:
    return session.scalar(
        sa.select(DeathRegistration).where(DeathRegistration.notification_id == application.notification_id)
    )


def _new_head(household: Household, deceased: Citizen) -> Citizen | None:
    living = [m for m in household.members if m.id != deceased.id and m.deceased_on is None]
    return min(living, key=lambda m: (m.date_of_birth, m.id), default=None)


def _apply_effects(session: Session, principal: Principal, deceased: Citizen, died_on) -> dict:
    """Everything a death changes elsewhere, recorded so that a revocation can put it back."""
    now, effects = clock.now(), {}
    deceased.deceased_on = died_on
    account = session.scalar(sa.select(Account).where(Account.citizen_id == deceased.id))
    if account is not None and account.status == "active":
        ended = auth_sessions.change_status_for_event(
            session=session, principal=principal, account=account, status="disabled", reason="Đã chết / deceased"
        )
        effects["account"] = {"id": account.id, "sessions_ended": ended}
    temporary = session.scalars(
        sa.select(TemporaryResidence).where(
            TemporaryResidence.citizen_id == deceased.id, TemporaryResidence.status == "active"
        )
    ).all()
    if temporary:
        effects["temporary"] = {
            "ids": [t.id for t in temporary],
            "ward": deceased.temporary_ward_code,
            "street": deceased.temporary_street,
            "until": deceased.temporary_until and deceased.temporary_until.isoformat(),
        }
        for row in temporary:
            row.status, row.ended_on, row.ended_reason = "ended", died_on, "deceased"
        deceased.temporary_ward_code = deceased.temporary_street = deceased.temporary_until = None
    cards = session.scalars(
        sa.select(HealthInsuranceCard).where(
            HealthInsuranceCard.citizen_id == deceased.id, HealthInsuranceCard.valid_to > died_on
        )
    ).all()
    effects["cards"] = {str(c.id): c.valid_to.isoformat() for c in cards}
    for card in cards:
        card.valid_to = max(died_on, card.valid_from)
    household = session.get(Household, deceased.household_id) if deceased.household_id else None
    if household is not None and household.head_citizen_id == deceased.id:
        head = _new_head(household, deceased)
        effects["head"] = {
            "household": household.id,
            "new": head and head.id,
            "new_relation": head and head.relation_to_head,
        }
        household.head_citizen_id = head.id if head else None
        if head is not None:
            head.relation_to_head = "Chủ hộ"
    consents = session.scalars(
        sa.select(ConsentReceipt).where(
            ConsentReceipt.citizen_id == deceased.id,
            ConsentReceipt.revoked_at.is_(None),
            ConsentReceipt.valid_until > now,
        )
    ).all()
    effects["consents"] = [c.id for c in consents]
    for consent in consents:
        consent.revoked_at = now
    return effects


@chain.handles(DEATH_REGISTRATION)
def register_death(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, str]:
    notification = session.get(HospitalNotification, application.notification_id)
    deceased = session.get(Citizen, notification.subject_citizen_id)
    if deceased.deceased_on is not None:
        raise AlreadyDeceased("This person is already recorded as deceased (another registration).")
    died_on = clock.local_date(notification.event_at)
    effects = _apply_effects(session, principal, deceased, died_on)
    registration = DeathRegistration(
        citizen_id=deceased.id,
        notification_id=notification.id,
        died_on=died_on,
        ward_code=step.ward_code,
        registered_on=clock.today(),
        late=application.late,
        registered_by_account_id=principal.account_id,
        effects_json=json.dumps(effects),
    )
    session.add(registration)
    applicant = session.get(Citizen, application.applicant_citizen_id)
    document = documents.issue_document(
        session=session,
        holder=applicant,
        doc_type=DEATH_EXTRACT,
        jurisdiction=step.ward_code,
        lines=[
            Line("Họ tên người chết", "Deceased", deceased.full_name),
            Line("Số định danh cá nhân", "Personal ID", deceased.personal_id),
            Line("Ngày chết", "Date of death", died_on.strftime("%d/%m/%Y")),
            Line("Nơi chết", "Place of death", notification.place),
            Line(
                "Người đi khai tử", "Declared by", f"{applicant.full_name} ({mask_personal_id(applicant.personal_id)})"
            ),
            Line(
                "Ngày đăng ký",
                "Registered on",
                registration.registered_on.strftime("%d/%m/%Y")
                + (" (đăng ký quá hạn / late)" if registration.late else ""),
            ),
        ],
        content={
            "type": DEATH_EXTRACT,
            "deceased": deceased.personal_id,
            "died_on": died_on.isoformat(),
            "ward": step.ward_code,
            "registered_on": registration.registered_on.isoformat(),
            "late": registration.late,
        },
        validity=DOCUMENT_VALIDITY,
        source_ref=application.public_id,
        now=clock.now(),
    )
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[deceased.id],
        action="update",
        record_type="death-registration",
        record_ref=application.public_id,
        purpose="đăng ký khai tử / death registration",
    )
    return str(registration.id), document.id


@chain.handles(RESIDENCE_DEREGISTRATION)
def deregister(
    *, session: Session, principal: Principal, step: LifeEventStep, application: LifeEventApplication
) -> tuple[str, None]:
    deceased = session.get(Citizen, application.subject_citizen_id)
    registration = registration_of(session, application)
    effects = json.loads(registration.effects_json)
    effects["deregistered"] = {"household": deceased.household_id, "relation": deceased.relation_to_head}
    registration.effects_json = json.dumps(effects)
    deceased.household_id, deceased.relation_to_head = None, None
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[deceased.id],
        action="update",
        record_type="permanent-residence",
        record_ref=application.public_id,
        purpose="xóa đăng ký thường trú (đã chết) / permanent residence deregistered (deceased)",
    )
    return "deregistered", None
