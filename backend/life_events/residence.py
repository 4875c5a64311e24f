"""Permanent residence as a service of its own (đăng ký thường trú, Luật Cư trú Art. 20-22): a citizen asks to
join a household at its lawful place of residence; the head of household consents (Art. 20(2)); the commune police
decide within 7 working days. It runs as a one-step linked application, the step a newborn's chain also uses."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.errors import Conflict, Forbidden, NotFound
from backend.life_events import chain, retries
from backend.life_events.birth import consent_needed
from backend.life_events.models import PERMANENT_RESIDENCE, POLICE, LifeEventApplication
from backend.registry.models import Citizen, Household
from shared_schemas.text import nfc


def apply(
    *, session: Session, principal: Principal, data: dict, idempotency_key: str | None = None
) -> LifeEventApplication:
    return retries.once(
        session=session,
        principal=principal,
        key=idempotency_key,
        operation="permanent_residence",
        data=data,
        model=LifeEventApplication,
        make=lambda: _apply(session, principal, data),
    )


def _apply(session: Session, principal: Principal, data: dict) -> LifeEventApplication:
    if principal.role != CITIZEN:
        raise Forbidden("Only citizens apply for permanent residence.")
    applicant = session.get(Citizen, principal.citizen_id)
    household = session.scalar(sa.select(Household).where(Household.household_number == data["household_number"]))
    if household is None or household.head_citizen_id is None:
        raise NotFound(
            "No household with this number has a head of household to consent; check the number on "
            "the residence confirmation."
        )
    if applicant.household_id == household.id:
        raise Conflict("You are already registered in this household.")
    open_one = session.scalar(
        sa.select(LifeEventApplication.id).where(
            LifeEventApplication.kind == "residence",
            LifeEventApplication.applicant_citizen_id == applicant.id,
            LifeEventApplication.status == "in_progress",
        )
    )
    if open_one:
        raise Conflict("You already have a permanent-residence application in progress.")
    consent = "given" if household.head_citizen_id == applicant.id else "pending"
    application = LifeEventApplication(
        public_id=secrets.token_hex(8),
        kind="residence",
        applicant_citizen_id=applicant.id,
        subject_citizen_id=applicant.id,
        submitted_at=clock.now(),
        declaration_json="{}",
    )
    chain.set_declaration(
        application,
        {
            "household_id": household.id,
            "relation": nfc(data["relation"].strip()),
            "reason": nfc(data["reason"].strip()),
            "head_consent": consent,
        },
    )
    session.add(application)
    session.flush()
    province = session.get(Citizen, household.head_citizen_id).permanent_province_code
    chain.new_step(application, 1, PERMANENT_RESIDENCE, POLICE, household.ward_code, province)
    session.flush()
    chain.log(session, application, "submitted")
    chain.advance(session, application, actor=None, consent_needed=consent_needed)
    session.flush()
    return application
