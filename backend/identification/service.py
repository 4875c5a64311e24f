"""Issuing and redeeming Active Authentication challenges, and verifying a submitted chip read against them."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.errors import ValidationFailed
from backend.identification import trust
from backend.identification.chip_evidence import ChipEvidenceRefused, ChipIdentity, verify_chip_evidence
from backend.identification.models import IdentificationChallenge
from shared_schemas.identification import CHIP_DATA_AUTHENTIC, CHIP_VERIFIED

CHALLENGE_LIFETIME = timedelta(minutes=3)
NONCE_BYTES = 8  # ICAO 9303-11 6.1: INTERNAL AUTHENTICATE takes an 8-byte challenge


class EvidenceRefused(ValidationFailed):
    code, title = "identification-evidence-refused", "The identification evidence was refused"


def issue_challenge(
    *, session: Session, purpose: str, account_id: int | None, now: datetime | None = None
) -> IdentificationChallenge:
    now = now or clock.now()
    # Spent and expired challenges are worthless; clearing them here keeps the table small without a job.
    session.execute(
        sa.delete(IdentificationChallenge).where(IdentificationChallenge.expires_at < now - timedelta(hours=1))
    )
    challenge = IdentificationChallenge(
        public_id=uuid.uuid4().hex,
        nonce=os.urandom(NONCE_BYTES),
        purpose=purpose,
        account_id=account_id,
        created_at=now,
        expires_at=now + CHALLENGE_LIFETIME,
    )
    session.add(challenge)
    session.flush()
    return challenge


def redeem_challenge(
    *,
    session: Session,
    challenge_id: str,
    purpose: str,
    account_id: int | None,
    now: datetime | None = None,
    answered_at: datetime | None = None,
) -> tuple[bytes, bool]:
    """The nonce of an unused challenge issued for this purpose to this caller, spent at once, and whether
    it came late. Late: expired now, but the caller says the chip answered while it was valid - a kiosk that
    lost its connection after the read replays the check-in from its outbox. Only a caller-stated time
    backs that, so a late answer never counts as a chip proven genuine."""
    now = now or clock.now()
    conditions = [
        IdentificationChallenge.public_id == challenge_id,
        IdentificationChallenge.purpose == purpose,
        IdentificationChallenge.used_at.is_(None),
    ]
    conditions.append(
        IdentificationChallenge.account_id.is_(None)
        if account_id is None
        else IdentificationChallenge.account_id == account_id
    )
    challenge = session.scalar(sa.select(IdentificationChallenge).where(*conditions))
    late = challenge is not None and challenge.expires_at < now
    usable = challenge is not None and (
        not late or (answered_at is not None and challenge.created_at <= answered_at <= challenge.expires_at)
    )
    spent = session.execute(sa.update(IdentificationChallenge).where(*conditions).values(used_at=now))
    if not usable or spent.rowcount != 1:
        raise EvidenceRefused(
            "The chip challenge is unknown, expired, already used or was issued to someone else. Read the card again.",
            reason="challenge-invalid",
        )
    return challenge.nonce, late


def verify_chip(
    *,
    session: Session,
    evidence: dict,
    purpose: str,
    account_id: int | None,
    now: datetime | None = None,
    answered_at: datetime | None = None,
) -> ChipIdentity:
    """Verify a chip read sent as ChipEvidenceSchema; raise EvidenceRefused with the reason. `answered_at`:
    when the caller says the card was read (offline replays), or None when it must be now."""
    challenge, late = None, False
    if evidence.get("challenge_id"):
        challenge, late = redeem_challenge(
            session=session,
            challenge_id=evidence["challenge_id"],
            purpose=purpose,
            account_id=account_id,
            now=now,
            answered_at=answered_at,
        )
    files = {name: evidence.get(name) for name in ("sod", "dg1", "dg13", "dg14", "dg15")}
    try:
        identity = verify_chip_evidence(
            files, trust.trust_store(), challenge=challenge, aa_signature=evidence.get("aa_signature"), now=now
        )
    except ChipEvidenceRefused as exc:
        raise EvidenceRefused(f"The chip ID card could not be verified: {exc.detail}", reason=exc.reason) from None
    if late and identity.trust_level == CHIP_VERIFIED:
        return replace(
            identity,
            trust_level=CHIP_DATA_AUTHENTIC,
            detail="the chip answered the server's challenge, but the answer arrived after the "
            "challenge expired (an offline replay): not counted as proven",
        )
    return identity
