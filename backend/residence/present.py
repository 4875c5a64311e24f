"""Shaping residence records for the API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import Principal
from backend.documents.models import SignedDocument
from backend.registry.models import Citizen
from backend.registry.service import resolve_address
from backend.residence.models import ResidenceApplication, TemporaryResidence
from backend.residence.registration import APPROVAL_NOTICE
from backend.residence.working_days import working_days_between


def person(citizen: Citizen | None) -> dict | None:
    return None if citizen is None else {"personal_id": citizen.personal_id, "full_name": citizen.full_name}


def _owner_as_seen_by(session: Session, item: ResidenceApplication, viewer: Principal | None) -> dict | None:
    """The applicant sees the owner ID they typed, never a name from the registry (nor whether it exists)."""
    if viewer is not None and viewer.is_citizen(item.applicant_citizen_id):
        return {"personal_id": item.owner_personal_id, "full_name": None} if item.owner_personal_id else None
    return person(session.get(Citizen, item.owner_citizen_id)) if item.owner_citizen_id else None


def application(session: Session, item: ResidenceApplication, *, now, viewer: Principal | None = None) -> dict:
    approval = session.scalar(
        sa.select(SignedDocument.id).where(
            SignedDocument.doc_type == APPROVAL_NOTICE, SignedDocument.source_ref == f"residence-application:{item.id}"
        )
    )
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "status_reason": item.status_reason,
        "applicant": person(session.get(Citizen, item.applicant_citizen_id)),
        "owner": _owner_as_seen_by(session, item, viewer),
        "address": resolve_address(session, item.ward_code, item.street, on=clock.local_date(now)),
        "legal_basis": item.legal_basis,
        "reason": item.reason,
        "start_date": item.start_date,
        "end_date": item.end_date,
        "submitted_at": item.submitted_at,
        "owner_consent_at": item.owner_consent_at,
        "received_at": item.received_at,
        "due_on": item.due_on,
        "overdue": bool(item.due_on and item.status == "under_review" and clock.local_date(now) > item.due_on),
        "decided_at": item.decided_at,
        "members": [person(session.get(Citizen, m.citizen_id)) for m in item.members],
        "events": item.events,
        "attachments": item.attachments,
        "approval_document_id": approval,
    }


def queue_item(session: Session, item: ResidenceApplication, applicant: Citizen, *, now) -> dict:
    today = clock.local_date(now)
    return {
        "id": item.id,
        "kind": item.kind,
        "applicant": person(applicant),
        "address": resolve_address(session, item.ward_code, item.street, on=today).full_text,
        "received_at": item.received_at,
        "due_on": item.due_on,
        "working_days_left": working_days_between(today, item.due_on)
        if item.due_on >= today
        else -working_days_between(item.due_on, today),
        "overdue": today > item.due_on,
    }


def applicant_residence(session: Session, citizen: Citizen, history: list[TemporaryResidence], *, on) -> dict:
    temporary = None
    if citizen.temporary_ward_code:
        temporary = resolve_address(session, citizen.temporary_ward_code, citizen.temporary_street or "", on=on)
    return {
        "personal_id": citizen.personal_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth,
        "permanent_address": resolve_address(session, citizen.permanent_ward_code, citizen.permanent_street, on=on),
        "temporary_address": temporary,
        "temporary_until": citizen.temporary_until,
        "temporary_residences": [
            {
                "address": resolve_address(session, r.ward_code, r.street, on=on),
                "start_date": r.start_date,
                "end_date": r.end_date,
                "status": r.status,
                "ended_on": r.ended_on,
                "ended_reason": r.ended_reason,
            }
            for r in history
        ],
    }
