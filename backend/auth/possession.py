"""Accounts bound to the person who holds the card or the registry's phone: level-1 self-registration with a
verified chip read or an SMS code to the phone number the population registry holds, and the in-person
raise to level 2, which resets the credentials and binds them anew in front of the officer.

A registration attempt never says whether its details matched: every start answers alike (a code was sent
if they match), every failed confirmation alike."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth import codes, passwords
from backend.auth.models import Account, TokenFamily
from backend.core import clock
from backend.core.access import CITIZEN, OFFICER, Principal
from backend.errors import Forbidden, ValidationFailed
from backend.identification import service as identification
from backend.notifications.sms import SmsMessage
from backend.registry.models import Citizen
from backend.registry.service import citizen_by_personal_id, officer_covers_citizen
from shared_schemas.identification import CHIP_VERIFIED
from shared_schemas.text import fold

REGISTRATION_CODE_LIFETIME = timedelta(minutes=10)
ACTIVATION_CODE_LIFETIME = timedelta(hours=1)
CODE_REFUSED = (
    "Mã không đúng, đã hết hạn hoặc đã dùng hết số lần thử. / The code is not correct, has expired or "
    "has no attempts left. Start the registration again."
)
CHIP_REFUSED = (
    "Không thể đăng ký bằng thẻ này. / An account cannot be registered with this card. If you "
    "already have one, log in or recover it at a police office."
)


@dataclass(frozen=True)
class PendingRegistration:
    registration_id: str
    expires_at: datetime
    sms: SmsMessage | None  # delivered after the response, whatever it is


@dataclass(frozen=True)
class Activation:
    account: Account
    code: str
    expires_at: datetime


def _registry_match(session: Session, pid: str, full_name: str, born: date) -> Citizen | None:
    citizen = citizen_by_personal_id(session, pid)
    # Fold both names every time: no shortcut for an ID nobody has.
    names_match = fold(citizen.full_name if citizen is not None else "") == fold(full_name)
    if citizen is None or not names_match or citizen.date_of_birth != born or citizen.deceased_on is not None:
        return None
    return citizen


def _has_account(session: Session, citizen: Citizen) -> bool:
    return session.scalar(sa.select(Account.id).where(Account.citizen_id == citizen.id)) is not None


def start_registration(
    *, session: Session, pid: str, full_name: str, date_of_birth: date, now: datetime | None = None
) -> PendingRegistration:
    """Always the same work and the same answer; only the registry's phone learns whether it matched."""
    now = now or clock.now()
    citizen = _registry_match(session, pid, full_name, date_of_birth)
    # The same queries whatever matched (an account look-up with an id nobody has), so time tells nothing.
    existing = (
        session.scalar(sa.select(Account.id).where(Account.citizen_id == (citizen.id if citizen is not None else -1)))
        is not None
    )
    code, public_id = codes.new_sms_code(), uuid.uuid4().hex
    session.execute(sa.delete(codes.OneTimeCode).where(codes.OneTimeCode.expires_at < now - timedelta(days=1)))
    bound = citizen if citizen is not None and citizen.phone and not existing else None
    row = codes.OneTimeCode(
        public_id=public_id,
        purpose=codes.REGISTRATION,
        citizen_id=bound.id if bound else None,
        code_hash=codes.code_hash(public_id, code),
        created_at=now,
        expires_at=now + REGISTRATION_CODE_LIFETIME,
    )
    session.add(row)
    session.flush()
    sms = None
    if bound is not None:
        sms = SmsMessage(
            bound.phone,
            f"congdan: mã đăng ký tài khoản định danh của bạn là {code} (hiệu lực 10 "
            f"phút). Không đưa mã cho ai. / Your registration code is {code}.",
        )
    elif existing and citizen.phone:
        # The real owner hears of it; the requester learns nothing.
        sms = SmsMessage(
            citizen.phone,
            "congdan: có người vừa đăng ký tài khoản bằng số định danh của bạn. Bạn "
            "đã có tài khoản; nếu không phải bạn, hãy bỏ qua tin này. / Someone tried "
            "to register with your ID number; you already have an account.",
        )
    return PendingRegistration(public_id, row.expires_at, sms)


def _spend_attempt(session: Session, purpose: str, now: datetime, **where) -> codes.OneTimeCode | None:
    """Count one attempt atomically (concurrent guesses cannot share one); None when none is left."""
    conditions = [
        codes.OneTimeCode.purpose == purpose,
        codes.OneTimeCode.used_at.is_(None),
        codes.OneTimeCode.expires_at >= now,
        codes.OneTimeCode.attempts < codes.MAX_ATTEMPTS,
    ]
    conditions += [getattr(codes.OneTimeCode, name) == value for name, value in where.items()]
    row = session.scalar(
        sa.select(codes.OneTimeCode).where(*conditions).order_by(codes.OneTimeCode.created_at.desc()).limit(1)
    )
    if row is None:
        return None
    counted = session.execute(
        sa.update(codes.OneTimeCode)
        .where(codes.OneTimeCode.id == row.id, *conditions)
        .values(attempts=codes.OneTimeCode.attempts + 1)
    )
    session.refresh(row)
    return row if counted.rowcount == 1 else None


def confirm_registration(
    *, session: Session, registration_id: str, code: str, password: str, now: datetime | None = None
) -> Account:
    """The SMS code proves the phone the registry holds. The caller commits even on refusal (the attempt
    counts)."""
    now = now or clock.now()
    row = _spend_attempt(session, codes.REGISTRATION, now, public_id=registration_id)
    if row is None or row.citizen_id is None or not codes.matches(row, code):
        raise ValidationFailed(CODE_REFUSED)
    citizen = session.get(Citizen, row.citizen_id)
    if citizen.deceased_on is not None or _has_account(session, citizen):
        raise ValidationFailed(CODE_REFUSED)
    row.used_at = now
    return _new_account(session, citizen, password, level=1, phone=citizen.phone)


def register_with_chip(
    *, session: Session, evidence: dict, password: str, phone: str | None, now: datetime | None = None
) -> Account:
    """The phone read the chip; name, ID and date of birth come from the verified DG13, not from the client."""
    chip = identification.verify_chip(
        session=session, evidence=evidence, purpose="registration", account_id=None, now=now
    )
    if chip.trust_level != CHIP_VERIFIED:
        raise identification.EvidenceRefused(
            "The card's data is authentic but the chip could not be proven genuine to the server "
            f"({chip.detail}). Register with the SMS code instead, or at a police office.",
            reason="chip-not-proven",
        )
    citizen = _registry_match(session, chip.personal_id, chip.full_name, chip.date_of_birth)
    if citizen is None or _has_account(session, citizen):
        raise ValidationFailed(CHIP_REFUSED)
    return _new_account(session, citizen, password, level=1, phone=phone or citizen.phone)


def _new_account(session: Session, citizen: Citizen, password: str | None, *, level: int, phone: str | None) -> Account:
    account = Account(
        username=citizen.personal_id,
        password_hash=_password_hash(password),
        role=CITIZEN,
        level=level,
        citizen_id=citizen.id,
        phone=phone,
        display_name=citizen.full_name,
    )
    session.add(account)
    session.flush()
    return account


def _password_hash(password: str | None) -> str:
    """A hash of `password`, or of a random secret nobody knows (the account then waits for activation)."""
    return passwords.hash_password(password if password is not None else secrets.token_urlsafe(32))


def raise_to_level_2(
    *, session: Session, principal: Principal, pid: str, evidence: str, now: datetime | None = None
) -> Activation:
    """An officer checked the card and face in person: the account (made now if there is none) is raised,
    its password and every session end, and the officer hands the citizen a one-time activation code to
    set a new password with, there and then. Whoever registered before has nothing left."""
    if principal.role != OFFICER:
        raise Forbidden("Only officers verify identities in person.")
    now = now or clock.now()
    citizen = citizen_by_personal_id(session, pid)
    if citizen is None or not officer_covers_citizen(principal, citizen, on=clock.local_date(now)):
        raise Forbidden("This citizen is outside your jurisdiction.")
    if citizen.deceased_on is not None:
        raise ValidationFailed("This person is recorded as deceased.")
    account = session.scalar(sa.select(Account).where(Account.citizen_id == citizen.id))
    if account is None:
        account = _new_account(session, citizen, None, level=2, phone=citizen.phone)
    account.level, account.level_raised_at, account.level_raised_by = 2, now, principal.account_id
    account.password_hash = _password_hash(None)
    session.execute(
        sa.update(TokenFamily)
        .where(TokenFamily.account_id == account.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="credentials-reset")
    )
    session.execute(
        sa.update(codes.OneTimeCode)
        .where(codes.OneTimeCode.account_id == account.id, codes.OneTimeCode.used_at.is_(None))
        .values(used_at=now)
    )
    code, public_id = codes.new_activation_code(), uuid.uuid4().hex
    row = codes.OneTimeCode(
        public_id=public_id,
        purpose=codes.ACTIVATION,
        citizen_id=citizen.id,
        account_id=account.id,
        code_hash=codes.code_hash(public_id, code),
        created_at=now,
        expires_at=now + ACTIVATION_CODE_LIFETIME,
    )
    session.add(row)
    session.flush()
    record_access(
        session=session,
        principal=principal,
        subject_citizen_ids=[citizen.id],
        action="update",
        record_type="identity-account",
        record_ref=str(account.id),
        purpose=f"identity verification in person ({evidence}); credentials reset",
    )
    return Activation(account, code, row.expires_at)


def activate(*, session: Session, username: str, code: str, password: str, now: datetime | None = None) -> Account:
    """Set the password with the officer's activation code. The caller commits even on refusal."""
    now = now or clock.now()
    account = session.scalar(sa.select(Account).where(Account.username == username))
    row = _spend_attempt(session, codes.ACTIVATION, now, account_id=account.id) if account else None
    if row is None or not codes.matches(row, code) or account.status != "active":
        raise ValidationFailed(CODE_REFUSED)
    row.used_at = now
    account.password_hash = passwords.hash_password(password)
    return account
