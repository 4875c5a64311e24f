"""Recovery of a citizen's identity account by someone who lost their phone: a chip read the backend verifies
itself (passive + active authentication on its own challenge, and the DG2 photo's hash in the signed EF.SOD),
then either the backend's own face match and liveness check on the kiosk's camera frames, a member of the
hospital's staff confirming the face, or an officer at their desk. What it ends with is a one-time code
(binding.py). The photo and the frames live only in this request's memory."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth.models import Account
from backend.core import clock
from backend.core.access import HOSPITAL_STAFF, KIOSK, OFFICER, Principal
from backend.core.unit_of_work import hand_off, keep_when_refused
from backend.errors import Forbidden, NotFound
from backend.identification import service as identification
from backend.notifications.service import notify
from backend.recovery import binding, face, liveness
from backend.recovery.messages import refusal
from backend.recovery.models import RecoveryAttempt
from backend.registry.service import citizen_by_personal_id, officer_covers_citizen
from hardware.smartcard import crypto
from hardware.smartcard.lds import dg2, sod
from shared_schemas.identification import CHIP_VERIFIED

PURPOSE = "account-recovery"
ATTEMPT_LIFETIME = timedelta(minutes=10)
STAFF_WINDOW = timedelta(minutes=15)
CARD_WINDOW, CARD_LIMIT = timedelta(hours=24), 3  # failed attempts per card
KIOSK_WINDOW, KIOSK_LIMIT = timedelta(hours=1), 12  # attempts started per kiosk


def card_key(personal_id: str) -> str:
    """The card's ID number under the app's secret: the table counts attempts without holding the number."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"recovery-card:" + personal_id.encode(), hashlib.sha256).hexdigest()


def start_at_kiosk(*, session: Session, principal: Principal, now: datetime | None = None) -> tuple:
    """A new attempt with the chip challenge and the liveness prompt the kiosk must show."""
    now = now or clock.now()
    recent = session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryAttempt)
        .where(
            RecoveryAttempt.operator_account_id == principal.account_id, RecoveryAttempt.created_at > now - KIOSK_WINDOW
        )
    )
    if recent >= KIOSK_LIMIT:
        raise refusal("kiosk-busy", limited=True)
    return _start(session, principal, "kiosk", secrets.choice(liveness.PROMPTS), now)


def start_at_desk(*, session: Session, principal: Principal, now: datetime | None = None) -> tuple:
    return _start(session, principal, "desk", "blink", now or clock.now())


def _start(session: Session, principal: Principal, channel: str, prompt: str, now: datetime) -> tuple:
    challenge = identification.issue_challenge(
        session=session, purpose=PURPOSE, account_id=principal.account_id, now=now
    )
    attempt = RecoveryAttempt(
        public_id=uuid.uuid4().hex,
        channel=channel,
        operator_account_id=principal.account_id,
        operator_label=principal.label[:120],
        hospital_code=principal.scope_code if principal.role == KIOSK else None,
        prompt=prompt,
        challenge_id=challenge.public_id,
        status="started",
        created_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt, challenge


def _own_attempt(session: Session, principal: Principal, attempt_id: str, now: datetime) -> RecoveryAttempt:
    attempt = session.scalar(sa.select(RecoveryAttempt).where(RecoveryAttempt.public_id == attempt_id))
    if attempt is None or attempt.operator_account_id != principal.account_id:
        raise NotFound("No such recovery attempt.")
    return attempt


def _refuse(session, attempt, reason: str, now: datetime, *, limited: bool = False):
    attempt.status, attempt.reason, attempt.decided_at = "refused", reason, now
    session.flush()
    return refusal(reason, limited=limited)


def _verified_card(session: Session, principal: Principal, attempt: RecoveryAttempt, chip: dict, now: datetime):
    """The chip identity (chip_verified only) and its DG2 photo, checked against the signed EF.SOD."""
    if attempt.challenge_id != chip.get("challenge_id"):
        raise _refuse(session, attempt, "chip-not-verified", now)
    try:
        identity = identification.verify_chip(
            session=session, evidence=chip, purpose=PURPOSE, account_id=principal.account_id, now=now
        )
    except identification.EvidenceRefused:
        raise _refuse(session, attempt, "chip-not-verified", now) from None
    attempt.trust_level = identity.trust_level
    if identity.trust_level != CHIP_VERIFIED:  # a clone copies the files but cannot answer the challenge
        raise _refuse(session, attempt, "chip-not-verified", now)
    signed = sod.parse(chip["sod"])  # its signature was verified just above
    listed = signed.data_group_hashes.get(2)
    if listed is None or not crypto.constant_time_equal(signed.digest(chip["dg2"]), listed):
        raise _refuse(session, attempt, "chip-photo-unsigned", now)
    return identity


def _account_for(session: Session, attempt: RecoveryAttempt, personal_id: str, now: datetime, principal: Principal):
    attempt.card_key = card_key(personal_id)
    failures = session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryAttempt)
        .where(
            RecoveryAttempt.card_key == attempt.card_key,
            RecoveryAttempt.status.in_(("refused", "needs_staff")),
            RecoveryAttempt.created_at > now - CARD_WINDOW,
        )
    )
    if failures >= CARD_LIMIT:
        raise _refuse(session, attempt, "too-many-attempts", now, limited=True)
    citizen = citizen_by_personal_id(session, personal_id)
    account = (
        session.scalar(sa.select(Account).where(Account.citizen_id == citizen.id, Account.role == "citizen"))
        if citizen is not None
        else None
    )
    if citizen is None or account is None:
        raise _refuse(session, attempt, "no-account", now)
    attempt.citizen_id, attempt.account_id = citizen.id, account.id
    if citizen.deceased_on is not None:
        _audit(session, principal, attempt, "refused: the holder is recorded as deceased")
        raise _refuse(session, attempt, "deceased", now)
    if account.status == "disabled":  # an officer's or administrator's lock: only they lift it
        _audit(session, principal, attempt, "refused: the account is locked by an officer")
        raise _refuse(session, attempt, "officer-locked", now)
    return citizen, account


def _audit(session: Session, principal: Principal, attempt: RecoveryAttempt, what: str) -> None:
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[attempt.citizen_id],
        action="update",
        record_type="account-recovery",
        record_ref=attempt.public_id,
        purpose=f"account recovery ({attempt.channel} {attempt.operator_label}): {what}"[:200],
    )


def submit_at_kiosk(
    *, session: Session, principal: Principal, attempt_id: str, chip: dict, frames: list[bytes], now=None
) -> tuple[RecoveryAttempt, str | None]:
    """Verify the card, match the face; returns the attempt and the one-time code when it was approved."""
    now = now or clock.now()
    keep_when_refused(session)
    attempt = _own_attempt(session, principal, attempt_id, now)
    if attempt.status != "started" or attempt.channel != "kiosk":
        raise NotFound("No such recovery attempt.")
    if attempt.created_at < now - ATTEMPT_LIFETIME:
        raise _refuse(session, attempt, "expired", now)
    identity = _verified_card(session, principal, attempt, chip, now)
    citizen, _account = _account_for(session, attempt, identity.personal_id, now, principal)
    # The face work takes about a second of CPU: no transaction (on SQLite, the write lock) stays open over it.
    # The challenge is spent and the attempt holds the card from here on, whatever the match says.
    hand_off(session)
    try:
        reference = face.decode_image(dg2.parse(chip["dg2"])[0].image_bytes, max_side=2000)
        live = [face.decode_image(frame) for frame in frames]
    except Exception as exc:  # a hostile DG2 or frame (any decoder layer) is a staff call, never a 500
        attempt.status, attempt.reason, attempt.decided_at = "needs_staff", "no-face", now
        _audit(session, principal, attempt, f"face not checked: {type(exc).__name__}")
        return attempt, None
    try:
        result = face.check(reference, live, attempt.prompt)
    except face.FaceModelsMissing:
        attempt.status, attempt.reason, attempt.decided_at = "needs_staff", "face-check-unavailable", now
        _audit(session, principal, attempt, "face matching unavailable on the server: staff called")
        return attempt, None
    finally:
        del reference, live  # the photo and the frames go with this request
    attempt.match_distance = result.distance
    attempt.liveness = result.live.summary()[:60]
    attempt.decided_at = now
    score = f"face distance {result.distance:.2f} (threshold {face.MATCH_THRESHOLD})" if result.distance else "no face"
    if not result.passed:
        attempt.status, attempt.reason = "needs_staff", result.reason
        _audit(session, principal, attempt, f"not matched, staff called: {score}, liveness {attempt.liveness}")
        notify(
            session=session,
            citizen_id=citizen.id,
            kind="account-recovery",
            title="Có người vừa thử khôi phục tài khoản của bạn / Someone tried to recover your account",
            body=f"Tại / At: {attempt.operator_label}. Nếu không phải bạn, hãy khóa tài khoản / "
            "If this was not you, lock your account.",
            ref=attempt.public_id,
        )
        return attempt, None
    attempt.status = "approved"
    _audit(session, principal, attempt, f"approved: {score}, liveness {attempt.liveness}, {identity.trust_level}")
    return attempt, binding.issue_code(session=session, attempt=attempt, now=now)


def poll_at_kiosk(*, session: Session, principal: Principal, attempt_id: str, now=None):
    """The kiosk waiting for staff: once staff approved, the code is issued here (and shown once)."""
    now = now or clock.now()
    attempt = _own_attempt(session, principal, attempt_id, now)
    if attempt.status == "approved" and attempt.code_hash is None:
        return attempt, binding.issue_code(session=session, attempt=attempt, now=now)
    return attempt, None


def waiting_for_staff(*, session: Session, principal: Principal, now=None) -> list[RecoveryAttempt]:
    now = now or clock.now()
    if principal.role != HOSPITAL_STAFF or not principal.scope_code:
        raise Forbidden("Only the hospital's staff confirm a recovery at its kiosks.")
    return list(
        session.scalars(
            sa.select(RecoveryAttempt)
            .where(
                RecoveryAttempt.hospital_code == principal.scope_code,
                RecoveryAttempt.status == "needs_staff",
                RecoveryAttempt.decided_at > now - STAFF_WINDOW,
            )
            .order_by(RecoveryAttempt.created_at)
        )
    )


def confirm_by_staff(
    *, session: Session, principal: Principal, attempt_id: str, confirmed: bool, note: str, now=None
) -> RecoveryAttempt:
    """A member of the kiosk's hospital staff compared the face with the chip photo on the assisted screen."""
    now = now or clock.now()
    attempt = next(
        (a for a in waiting_for_staff(session=session, principal=principal, now=now) if a.public_id == attempt_id), None
    )
    if attempt is None:
        raise NotFound("No recovery at your hospital's kiosks is waiting for you.")
    attempt.confirmed_by, attempt.decided_at = principal.account_id, now
    if confirmed:
        attempt.status = "approved"
        _audit(session, principal, attempt, f"staff confirmed the face against the chip photo: {note}")
    else:
        attempt.status, attempt.reason = "refused", "staff-declined"
        _audit(session, principal, attempt, f"staff did not confirm the face: {note}")
    session.flush()
    return attempt


def recover_at_desk(
    *, session: Session, principal: Principal, attempt_id: str, chip: dict, note: str, now=None
) -> tuple[RecoveryAttempt, str]:
    """An officer covering the citizen compared face and card in person and confirms; audited."""
    now = now or clock.now()
    if principal.role != OFFICER:
        raise Forbidden("Only an officer recovers an account at a desk.")
    keep_when_refused(session)
    attempt = _own_attempt(session, principal, attempt_id, now)
    if attempt.status != "started" or attempt.channel != "desk" or attempt.created_at < now - ATTEMPT_LIFETIME:
        raise NotFound("No such recovery attempt.")
    identity = _verified_card(session, principal, attempt, chip, now)
    citizen, _account = _account_for(session, attempt, identity.personal_id, now, principal)
    if not officer_covers_citizen(principal, citizen, on=clock.local_date(now)):
        attempt.status, attempt.reason = "refused", "not-in-jurisdiction"
        raise Forbidden("This citizen is not in your jurisdiction.")
    attempt.status, attempt.confirmed_by, attempt.decided_at = "approved", principal.account_id, now
    attempt.liveness = "officer in person"
    _audit(session, principal, attempt, f"officer confirmed identity in person: {note}")
    return attempt, binding.issue_code(session=session, attempt=attempt, now=now)
