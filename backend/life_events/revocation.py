"""Revoking a wrong death registration (hủy đăng ký khai tử sai): puts back everything the registration and the
steps after it changed, in one transaction, audited and shown to the person."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth import sessions as auth_sessions
from backend.auth.models import Account
from backend.consent.models import ConsentReceipt
from backend.core import clock
from backend.core.access import Principal
from backend.documents import service as documents
from backend.errors import Conflict, NotFound
from backend.life_events import chain, offices
from backend.life_events.documents import DEATH_EXTRACT
from backend.life_events.models import (
    CANCELLED,
    CIVIL_STATUS,
    READY,
    WAITING,
    DeathRegistration,
    LifeEventApplication,
)
from backend.payments.disbursements import PaymentDisbursement
from backend.registry.models import Citizen, HealthInsuranceCard, Household
from backend.residence.models import TemporaryResidence
from shared_schemas.text import nfc


def _restore(session: Session, principal: Principal, person: Citizen, effects: dict) -> None:
    person.deceased_on = None
    if "account" in effects:
        account = session.get(Account, effects["account"]["id"])
        auth_sessions.change_status_for_event(
            session=session,
            principal=principal,
            account=account,
            status="active",
            reason="Hủy khai tử sai / wrong death registration revoked",
        )
    if "temporary" in effects:
        saved = effects["temporary"]
        for row in session.scalars(sa.select(TemporaryResidence).where(TemporaryResidence.id.in_(saved["ids"]))):
            row.status, row.ended_on, row.ended_reason = "active", None, None
        person.temporary_ward_code, person.temporary_street = saved["ward"], saved["street"]
        person.temporary_until = date.fromisoformat(saved["until"]) if saved["until"] else None
    for card_id, valid_to in effects.get("cards", {}).items():
        session.get(HealthInsuranceCard, int(card_id)).valid_to = date.fromisoformat(valid_to)
    if "deregistered" in effects:
        person.household_id = effects["deregistered"]["household"]
        person.relation_to_head = effects["deregistered"]["relation"]
    if "head" in effects:
        household = session.get(Household, effects["head"]["household"])
        if effects["head"]["new"]:
            session.get(Citizen, effects["head"]["new"]).relation_to_head = effects["head"]["new_relation"]
        household.head_citizen_id = person.id
    for consent in session.scalars(sa.select(ConsentReceipt).where(ConsentReceipt.id.in_(effects.get("consents", [])))):
        consent.revoked_at = None


def revoke(*, session: Session, principal: Principal, registration_id: int, reason: str) -> DeathRegistration:
    registration = session.get(DeathRegistration, registration_id)
    if registration is None:
        raise NotFound("No such death registration.")
    offices.require(
        session,
        principal,
        CIVIL_STATUS,
        (registration.ward_code, session.get(Citizen, registration.citizen_id).permanent_province_code),
        clock.today(),
    )
    if registration.status != "active":
        raise Conflict("This death registration was already revoked.")
    now = clock.now()
    person = session.get(Citizen, registration.citizen_id)
    _restore(session, principal, person, json.loads(registration.effects_json))
    registration.status, registration.revoked_at = "revoked", now
    registration.revoked_by_account_id, registration.revoked_reason = principal.account_id, nfc(reason)[:300]
    application = session.scalar(
        sa.select(LifeEventApplication).where(LifeEventApplication.notification_id == registration.notification_id)
    )
    for step in application.steps:
        if step.status in (WAITING, READY):
            step.status = CANCELLED
    payment = session.scalar(
        sa.select(PaymentDisbursement).where(
            PaymentDisbursement.purpose_kind == "burial-allowance",
            PaymentDisbursement.purpose_ref == application.public_id,
        )
    )
    if payment is not None and payment.status == "ordered":
        payment.status = "cancelled"
    application.status = "revoked"
    chain.log(session, application, "revoked", actor=principal.account_id, note=nfc(reason))
    documents.revoke_for_holder(
        session=session,
        citizen_id=application.applicant_citizen_id,
        doc_type=DEATH_EXTRACT,
        reason="death-registration-revoked",
        now=now,
    )
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[person.id],
        action="update",
        record_type="death-registration",
        record_ref=str(registration.id),
        purpose=f"hủy đăng ký khai tử sai / wrong death registration revoked: {nfc(reason)}"[:200],
    )
    session.flush()
    return registration
