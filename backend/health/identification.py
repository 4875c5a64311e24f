"""Who is at the kiosk, and how sure the server is: every identification method is verified here with what
the server itself can check, and the check-in records that trust level. The kiosk's own verdict is kept as
its claim, never as proof (README "Trust levels of identification")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.core.keys import keyring
from backend.documents import service as documents
from backend.errors import Conflict, Deceased, Forbidden, ValidationFailed
from backend.health.models import Checkin
from backend.identification import service as identification
from backend.registry.models import Citizen, HealthInsuranceCard
from backend.registry.service import citizen_with_insurance_cards
from shared_schemas import signed as jws
from shared_schemas.identification import (
    APP_QR_OFFLINE,
    APP_QR_VERIFIED,
    CARD_DATA_PRESENTED,
    CHIP_DATA_AUTHENTIC,
    CHIP_VERIFIED,
    DETAILS_TYPED,
)
from shared_schemas.text import fold

CHILD_AGE_LIMIT = 14  # from 14 the chip card is compulsory (Law on Identification 2023, art. 19)
NO_MATCH = "These identity details do not match the population registry. Please go to the reception counter."
#: Levels at which the server verified that the citizen themself was there: only these record consent.
CONSENTING_LEVELS = frozenset({CHIP_VERIFIED, CHIP_DATA_AUTHENTIC, APP_QR_VERIFIED, APP_QR_OFFLINE})
DECEASED_STAFF_MESSAGE = (
    "Người này đã được đăng ký khai tử; mời đến quầy tiếp đón. / This person is registered "
    "as deceased; please go to the reception counter."
)
IDENTITY_QR_MAX_LIFETIME_S = 600  # the app mints 120 s tokens; a longer one was not minted by us


@dataclass(frozen=True)
class Identified:
    citizen: Citizen
    trust_level: str
    proof_ref: str | None  # the identity QR's jti (single use)
    kiosk_claim: str | None
    insurance_cards: tuple[HealthInsuranceCard, ...]  # read with the citizen, latest end of validity first

    @property
    def consented(self) -> bool:
        return self.trust_level in CONSENTING_LEVELS


def _refuse(field: str, message: str, detail: str | None = None) -> ValidationFailed:
    return ValidationFailed(detail or message, errors={"json": {"identification": {field: [message]}}})


def identify_patient(
    *, session: Session, principal: Principal, proof: dict, identified_at: datetime, on: date, now: datetime
) -> Identified:
    """`on`: the local service date of the identification (a child's age is counted on it)."""
    method = proof["method"]
    if method == "chip":
        return _by_chip(session, principal, proof, identified_at, now)
    if method == "signed_qr":
        return _by_identity_qr(session, proof, identified_at, now)
    for name in ("personal_id", "date_of_birth") + (("full_name",) if method == "cccd_qr" else ()):
        if not proof.get(name):
            raise _refuse(name, f"Required for {method}.")
    citizen, cards = _matching_citizen(session, proof["personal_id"], proof["date_of_birth"], proof.get("full_name"))
    if method == "id_and_dob":
        if citizen.age_on(on) >= CHILD_AGE_LIMIT:
            raise Forbidden("From 14 years of age, patients identify with their chip ID card or its QR code.")
        return Identified(citizen, DETAILS_TYPED, None, None, cards)
    return Identified(citizen, CARD_DATA_PRESENTED, None, None, cards)


def _matching_citizen(
    session: Session, pid: str, born: date, full_name: str | None
) -> tuple[Citizen, tuple[HealthInsuranceCard, ...]]:
    citizen, cards = citizen_with_insurance_cards(session, pid)
    if citizen is None or citizen.date_of_birth != born:
        raise ValidationFailed(NO_MATCH)
    if full_name and fold(full_name) != citizen.name_folded:
        raise ValidationFailed(NO_MATCH)
    if citizen.deceased_on is not None:
        # Only after the details matched: the kiosk shows staff why, instead of a generic mismatch.
        raise Deceased(DECEASED_STAFF_MESSAGE)
    return citizen, tuple(cards)


def _same_as_stated(proof: dict, personal_id: str, born: date) -> None:
    """What the kiosk typed into the request must not contradict the verified evidence."""
    if proof.get("personal_id") not in (None, personal_id) or proof.get("date_of_birth") not in (None, born):
        raise _refuse("personal_id", "Does not match the verified evidence.", NO_MATCH)


def _by_chip(session: Session, principal: Principal, proof: dict, identified_at: datetime, now: datetime) -> Identified:
    evidence = proof.get("chip")
    if not evidence:
        raise _refuse(
            "chip",
            "A chip identification carries what was read (EF.SOD and the data groups).",
            "The chip read was not sent, only a claim about it: the server verifies chip reads itself.",
        )
    chip = identification.verify_chip(
        session=session,
        evidence=evidence,
        purpose="hospital-checkin",
        account_id=principal.account_id,
        now=now,
        answered_at=identified_at,
    )
    _same_as_stated(proof, chip.personal_id, chip.date_of_birth)
    citizen, cards = _matching_citizen(session, chip.personal_id, chip.date_of_birth, chip.full_name)
    return Identified(citizen, chip.trust_level, None, evidence.get("kiosk_verdict"), cards)


def _by_identity_qr(session: Session, proof: dict, identified_at: datetime, now: datetime) -> Identified:
    token = proof.get("identity_token")
    if not token:
        raise _refuse("identity_token", "Required for signed_qr: the whole token from the app's QR.")
    try:
        verified = jws.verify_signature(token, keyring().jwks(), typ=jws.IDENTITY_TOKEN_TYPE)
        claims = verified.claims
        # Structure only (iss, iat < exp, a short life); the clock is judged below, with the offline case.
        jws.check_lifetime(
            claims,
            jws.claim_int(claims, "iat"),
            leeway_s=0,
            max_lifetime_s=IDENTITY_QR_MAX_LIFETIME_S,
            expected_issuer=documents.issuer(),
        )
        personal_id, jti = claims.get("sub"), claims.get("jti")
        born = date.fromisoformat(str(claims.get("dob")))
        if not isinstance(personal_id, str) or not isinstance(jti, str) or not 8 <= len(jti) <= 64:
            raise jws.InvalidClaims("claims 'sub' and 'jti' are required")
    except (jws.JwsError, ValueError) as exc:
        raise _refuse(
            "identity_token",
            "Not a valid identity QR.",
            f"The identity QR was refused: {exc}. Please show the QR code in the app again.",
        ) from None
    level = _freshness(claims, identified_at, now)
    if session.scalar(sa.select(Checkin.id).where(Checkin.proof_ref == jti)):
        raise Conflict("This identity QR was already used. Please refresh the QR code in the app.")
    _same_as_stated(proof, personal_id, born)
    citizen, cards = _matching_citizen(session, personal_id, born, None)
    return Identified(citizen, level, jti, None, cards)


def _freshness(claims: dict, identified_at: datetime, now: datetime) -> str:
    """Fresh now: verified. Presented while the kiosk was offline (the sync comes after the token's short
    life): accepted only if the kiosk says it was shown within that life, and recorded as that claim."""
    leeway = timedelta(seconds=jws.DEFAULT_LEEWAY_S)
    issued = datetime.fromtimestamp(claims["iat"], now.tzinfo)
    expires = datetime.fromtimestamp(claims["exp"], now.tzinfo)
    if issued - leeway <= now <= expires + leeway:
        return APP_QR_VERIFIED
    if now > expires and issued - leeway <= identified_at <= expires + leeway:
        return APP_QR_OFFLINE
    raise _refuse(
        "identity_token",
        "Expired.",
        "The identity QR has expired. Please refresh the QR code in the app and show it again.",
    )
