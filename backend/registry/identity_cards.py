"""The register of issued chip ID cards (thẻ căn cước gắn chip): which card a citizen holds, which were replaced,
reported lost or revoked, so an eKYC check can say whether the card a bank read is still good."""

from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.core.clock import local_date
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.registry.models import Citizen, IdentityCard
from backend.registry.service import officer_covers_citizen
from hardware.smartcard.mrz import card_expiry

log = logging.getLogger(__name__)

VALID, REPLACED, REPORTED_LOST, REVOKED = "valid", "replaced", "reported_lost", "revoked"
#: What an eKYC check can answer: the register's status, "expired" for a valid card past its date,
#: "unknown" for a card the register does not hold.
EXPIRED, UNKNOWN = "expired", "unknown"


def document_number(personal_id: str) -> str:
    """The number in the chip's DG1 (MRZ line 1): the last nine digits of the personal ID (card.md)."""
    return personal_id[3:12]


def _covered_citizen(session: Session, principal: Principal, personal_id: str, on: date) -> Citizen:
    if principal.role != OFFICER:
        raise Forbidden("Only an officer changes the register of ID cards.")
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == personal_id))
    if citizen is None or not officer_covers_citizen(principal, citizen, on=on):
        raise Forbidden("This citizen is not in your jurisdiction.")
    return citizen


def _set_status(card: IdentityCard, status: str, *, by: int | None, reason: str, now: datetime) -> None:
    card.status, card.status_changed_at, card.status_changed_by = status, now, by
    card.status_reason = reason[:200]


def issue(
    *, session: Session, principal: Principal, personal_id: str, issued_on: date, reason: str, now: datetime
) -> IdentityCard:
    """An officer covering the citizen records a newly issued card; the citizen's valid cards become replaced
    (a card already reported lost or revoked keeps that status: a bank must still hear it was lost)."""
    citizen = _covered_citizen(session, principal, personal_id, local_date(now))
    if citizen.deceased_on is not None:
        raise Conflict("No card is issued to a deceased person.")
    if issued_on > local_date(now) or issued_on < citizen.date_of_birth:
        raise ValidationFailed(
            "The issue date is not possible.",
            errors={"json": {"issued_on": ["Not after today, not before the birth date."]}},
        )
    number = document_number(citizen.personal_id)
    if session.scalar(
        sa.select(IdentityCard.id).where(IdentityCard.citizen_id == citizen.id, IdentityCard.issued_on == issued_on)
    ):
        raise Conflict("A card of this citizen issued on that day is already registered.")
    for older in session.scalars(
        sa.select(IdentityCard).where(IdentityCard.citizen_id == citizen.id, IdentityCard.status == VALID)
    ):
        _set_status(older, REPLACED, by=principal.account_id, reason=f"replaced by the card of {issued_on}", now=now)
    card = IdentityCard(
        document_number=number,
        citizen_id=citizen.id,
        issued_on=issued_on,
        expires_on=card_expiry(citizen.date_of_birth, issued_on),
        status=VALID,
        status_changed_at=now,
        status_changed_by=principal.account_id,
        status_reason=reason[:200],
    )
    session.add(card)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="update",
        record_type="identity-card",
        record_ref=issued_on.isoformat(),
        purpose=f"issue ID card: {reason}"[:200],
    )
    session.flush()
    return card


def revoke(
    *, session: Session, principal: Principal, personal_id: str, card_id: int, reason: str, now: datetime
) -> IdentityCard:
    """An officer covering the citizen revokes a card (withdrawn, seized, issued in error): final."""
    citizen = _covered_citizen(session, principal, personal_id, local_date(now))
    card = session.get(IdentityCard, card_id)
    if card is None or card.citizen_id != citizen.id:
        raise NotFound("This citizen has no such card in the register.")
    if card.status != REVOKED:
        _set_status(card, REVOKED, by=principal.account_id, reason=reason, now=now)
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="update",
        record_type="identity-card",
        record_ref=card.issued_on.isoformat(),
        purpose=f"revoke ID card: {reason}"[:200],
    )
    session.flush()
    return card


def report_lost(*, session: Session, principal: Principal, reason: str, now: datetime) -> list[IdentityCard]:
    """The citizen reports their own card lost (level 2). Irreversible here: a found card stays reported lost
    until an officer issues a new one. The card row keeps who and when; the access log lists only what
    others do, so the citizen's own report is recorded on the card itself."""
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only the card holder reports their own card lost here.")
    cards = list(
        session.scalars(
            sa.select(IdentityCard).where(IdentityCard.citizen_id == principal.citizen_id, IdentityCard.status == VALID)
        )
    )
    if not cards:
        raise NotFound("You hold no valid card in the register.")
    for card in cards:
        _set_status(card, REPORTED_LOST, by=principal.account_id, reason=reason, now=now)
    log.info("identity card reported lost by its holder (account %s)", principal.account_id)
    session.flush()
    return cards


def list_cards(*, session: Session, principal: Principal, personal_id: str, now: datetime) -> list[IdentityCard]:
    """The citizen's cards, newest first: the citizen themself, or an officer covering them (audited)."""
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == personal_id))
    own = citizen is not None and principal.is_citizen(citizen.id)
    if not own and (
        principal.role != OFFICER
        or citizen is None
        or not officer_covers_citizen(principal, citizen, on=local_date(now))
    ):
        raise Forbidden("You may not see this citizen's cards.")
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="read",
        record_type="identity-card",
        purpose="ID card register",
    )
    return list(
        session.scalars(
            sa.select(IdentityCard).where(IdentityCard.citizen_id == citizen.id).order_by(IdentityCard.issued_on.desc())
        )
    )


def status_of(*, session: Session, personal_id: str, mrz_document_number: str, issued_on: date | None, on: date) -> str:
    """The status of the card with this holder, DG1 document number and issue date, evaluated for `on`. Without
    an issue date (a chip whose DG13 lacks it) the card is known only when the register holds a single card."""
    query = (
        sa.select(IdentityCard)
        .join(Citizen, Citizen.id == IdentityCard.citizen_id)
        .where(Citizen.personal_id == personal_id, IdentityCard.document_number == mrz_document_number)
    )
    if issued_on is not None:
        query = query.where(IdentityCard.issued_on == issued_on)
    cards = list(session.scalars(query.limit(2)))
    if len(cards) != 1 or cards[0].issued_on > on:
        return UNKNOWN
    card = cards[0]
    if card.status == VALID and card.expires_on is not None and card.expires_on < on:
        return EXPIRED
    return card.status
