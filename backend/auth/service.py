"""Account rules: self-registration (level 1), login, refresh, logout, raising to level 2."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.service import record_access
from backend.auth import passwords, tokens
from backend.auth.models import Account
from backend.auth.policy import CITIZEN, OFFICER, Principal
from backend.database import utcnow
from backend.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from backend.registry.models import Citizen
from backend.registry.service import officer_covers_citizen
from shared_schemas.clock import vietnam_date
from shared_schemas.text import fold

LOGIN_FAILED = "The ID number (or username) or the password is not correct."


def register_citizen_account(*, session: Session, pid: str, full_name: str, date_of_birth: date, phone: str,
                             password: str) -> Account:
    """Level-1 self-registration: the details must match the registry entry for that number."""
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == pid))
    if (citizen is None or fold(citizen.full_name) != fold(full_name)
            or citizen.date_of_birth != date_of_birth or citizen.deceased_on is not None):
        raise ValidationFailed(
            "These details do not match the population registry. Check the ID number, the full name "
            "and the date of birth as printed on your ID card."
        )
    if session.scalar(sa.select(Account.id).where(Account.citizen_id == citizen.id)):
        raise Conflict("An account already exists for this ID number. Log in, or recover it at a kiosk "
                       "with your chip ID card.")
    account = Account(username=pid, password_hash=passwords.hash_password(password), role=CITIZEN, level=1,
                      citizen_id=citizen.id, phone=phone, display_name=citizen.full_name)
    session.add(account)
    session.flush()
    return account


def authenticate(*, session: Session, username: str, password: str) -> Account:
    account = session.scalar(sa.select(Account).where(Account.username == username))
    if account is None:
        passwords.burn_time(password)
        raise Unauthenticated(LOGIN_FAILED)
    if not passwords.verify_password(account.password_hash, password) or account.status != "active":
        raise Unauthenticated(LOGIN_FAILED)
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    return account


def login(*, session: Session, username: str, password: str, client: str | None) -> tokens.TokenPair:
    account = authenticate(session=session, username=username, password=password)
    return tokens.start_session(session, account, client=client)


def refresh(*, session: Session, claims: dict) -> tokens.TokenPair:
    if claims.get("type") != "refresh":
        raise Unauthenticated("A refresh token is required here.")
    return tokens.rotate(session=session, jti=claims["jti"], family_id=claims["fam"], account_id=int(claims["sub"]))


def logout(*, session: Session, principal: Principal) -> None:
    tokens.revoke_family(session, principal.family_id, "logout")


def get_account(*, session: Session, principal: Principal) -> Account:
    account = session.get(Account, principal.account_id)
    if account is None:
        raise NotFound("Account not found.")
    return account


def raise_to_level_2(*, session: Session, principal: Principal, pid: str, evidence: str) -> Account:
    """An officer raises a citizen's account after checking the card and face in person."""
    if principal.role != OFFICER:
        raise Forbidden("Only officers verify identities in person.")
    citizen = session.scalar(sa.select(Citizen).where(Citizen.personal_id == pid))
    if citizen is None or not officer_covers_citizen(principal, citizen, on=vietnam_date(utcnow())):
        raise Forbidden("This citizen is outside your jurisdiction.")
    account = session.scalar(sa.select(Account).where(Account.citizen_id == citizen.id))
    if account is None:
        raise NotFound("This citizen has no identity account yet.")
    if account.level < 2:
        account.level = 2
        account.level_raised_at = utcnow()
        account.level_raised_by = principal.account_id
    record_access(session=session, principal=principal, subject_citizen_ids=[citizen.id], action="update",
                  record_type="identity-account", record_ref=str(account.id),
                  purpose=f"identity verification in person ({evidence})")
    return account


def create_staff_account(*, session: Session, username: str, password: str, role: str, scope_code: str | None,
                         display_name: str) -> Account:
    if session.scalar(sa.select(Account.id).where(Account.username == username)):
        raise Conflict(f"Username {username!r} is taken.")
    account = Account(username=username, password_hash=passwords.hash_password(password), role=role, level=2,
                      scope_code=scope_code, display_name=display_name)
    session.add(account)
    session.flush()
    return account
