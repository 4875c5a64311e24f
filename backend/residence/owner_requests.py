"""Naming an owner in a temporary-residence application: the owner ID as typed and whom it names, told to the
applicant in no way (no name, the same answer for an ID nobody holds), limited per applicant, and recorded in the
owner's access log."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.throttle import TooManyAttempts
from backend.core.access import Principal
from backend.errors import ValidationFailed
from backend.registry.models import Citizen
from backend.registry.service import citizen_by_personal_id
from backend.residence.models import ResidenceApplication

# Naming someone as owner sends them a request: a few a day is what a person moving house needs.
OWNER_REQUESTS_PER_WINDOW = 5
OWNER_REQUEST_WINDOW = timedelta(days=1)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"json": {field: [message]}})


def named_owner(session: Session, applicant: Citizen, data: dict, now: datetime) -> tuple[str | None, Citizen | None]:
    """The owner ID as typed and the registry entry it names, if any. The applicant is told nothing about the
    owner either way (an unknown or deceased owner gets the same answer: the consent request is sent), naming
    owners is rate limited per applicant, and the owner's access log records each request."""
    owner_pid = data.get("owner_personal_id")
    if data["legal_basis"] == "owner":
        if owner_pid and owner_pid != applicant.personal_id:
            raise _invalid("owner_personal_id", "With legal basis 'owner' you are the owner: leave this out.")
        return None, None
    if not owner_pid:
        raise _invalid("owner_personal_id", "Name the owner (or head of household) who consents to your stay.")
    if owner_pid == applicant.personal_id:
        raise _invalid("owner_personal_id", "You cannot be the owner with this legal basis; choose 'owner'.")
    _limit_owner_requests(session, applicant, now)
    owner = citizen_by_personal_id(session, owner_pid)
    if owner is None or owner.deceased_on is not None:
        return owner_pid, None
    return owner_pid, owner


def _limit_owner_requests(session: Session, applicant: Citizen, now: datetime) -> None:
    window_start = now - OWNER_REQUEST_WINDOW
    recent = session.scalars(
        sa.select(ResidenceApplication.submitted_at)
        .where(
            ResidenceApplication.applicant_citizen_id == applicant.id,
            ResidenceApplication.owner_personal_id.is_not(None),
            ResidenceApplication.submitted_at > window_start,
        )
        .order_by(ResidenceApplication.submitted_at)
    ).all()
    if len(recent) >= OWNER_REQUESTS_PER_WINDOW:
        wait = recent[len(recent) - OWNER_REQUESTS_PER_WINDOW] + OWNER_REQUEST_WINDOW - now
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))


def audit(session: Session, principal: Principal, owner: Citizen, application: ResidenceApplication) -> None:
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[owner.id],
        action="read",
        record_type="citizen",
        record_ref=f"residence-application:{application.id}",
        purpose=f"named as owner in temporary-residence application #{application.id} (consent requested)",
    )
