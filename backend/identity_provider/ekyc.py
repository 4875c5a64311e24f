"""eKYC for relying parties (banks, agencies): the party read the citizen's chip ID card itself and submits the
evidence (SOD, DG1/DG13 and the Active Authentication answer to our challenge); with the citizen's consent
(a token with the `ekyc` scope) it learns whether the card is genuine, matches the registry, the holder is alive
and the card is still valid in the card register (not expired, replaced, reported lost or revoked).
It learns nothing about anyone else: a card of another person is just "no match"."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account
from backend.core.clock import local_date
from backend.identification import service as identification
from backend.identification.models import IdentificationChallenge
from backend.identity_provider.models import IssuedToken, RelyingParty
from backend.identity_provider.service import pairwise_subject
from backend.identity_provider.tokens import relying_party_principal
from backend.registry import identity_cards
from backend.registry.models import Citizen
from shared_schemas.identification import CHIP_VERIFIED
from shared_schemas.text import fold

PURPOSE = "ekyc"


def challenge(*, session: Session, token: IssuedToken, now: datetime) -> IdentificationChallenge:
    """A nonce for the chip's INTERNAL AUTHENTICATE, bound to this citizen's eKYC."""
    return identification.issue_challenge(session=session, purpose=PURPOSE, account_id=token.account_id, now=now)


def check(*, session: Session, token: IssuedToken, evidence: dict, now: datetime) -> dict:
    party = session.scalar(sa.select(RelyingParty).where(RelyingParty.client_id == token.client_id))
    account = session.get(Account, token.account_id)
    citizen = session.get(Citizen, account.citizen_id)
    identity = identification.verify_chip(
        session=session, evidence=evidence, purpose=PURPOSE, account_id=token.account_id, now=now
    )
    matches = (
        identity.personal_id == citizen.personal_id
        and identity.date_of_birth == citizen.date_of_birth
        and fold(identity.full_name) == fold(citizen.full_name)
    )
    result = {
        "sub": pairwise_subject(party, account.id),
        "matches_registry": matches,
        "trust_level": identity.trust_level,
        "chip_genuine": identity.trust_level == CHIP_VERIFIED,
        "detail": identity.detail,
        "holder_alive": citizen.deceased_on is None if matches else None,
        # Only the consenting citizen's own card is looked up: a stranger's card reveals nothing.
        "card_status": identity_cards.status_of(
            session=session,
            personal_id=citizen.personal_id,
            mrz_document_number=identity.document_number,
            issued_on=identity.issue_date,
            on=local_date(now),
        )
        if matches
        else None,
        "checked_at": now.isoformat(),
    }
    record_access(
        session=session,
        principal=relying_party_principal(party),
        subject_citizen_ids=[citizen.id],
        action="read",
        record_type="oidc-ekyc",
        record_ref=identity.trust_level,
        purpose=f"ekyc_result: {party.purpose}"[:200],
    )
    return result
