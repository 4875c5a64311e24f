"""Account rules: login, refresh, logout, staff accounts (registration and level 2: possession.py)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import passwords, tokens
from backend.auth.models import Account
from backend.core.access import KIOSK, Principal
from backend.errors import (
    Conflict,
    NotFound,
    Unauthenticated,
)

LOGIN_FAILED = "The ID number (or username) or the password is not correct."


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


def create_staff_account(
    *, session: Session, username: str, password: str, role: str, scope_code: str | None, display_name: str
) -> Account:
    if session.scalar(sa.select(Account.id).where(Account.username == username)):
        raise Conflict(f"Username {username!r} is taken.")
    account = Account(
        username=username,
        password_hash=passwords.hash_password(password),
        role=role,
        level=2,
        scope_code=scope_code,
        display_name=display_name,
    )
    session.add(account)
    session.flush()
    return account


def create_kiosk_account(
    *, session: Session, username: str, hospital_code: str, display_name: str, password: str | None = None
) -> Account:
    """A kiosk's account, scoped to its hospital. A kiosk enrolled by its key never logs in with a password
    (it signs challenges): then the hash is of a secret nobody keeps."""
    if session.scalar(sa.select(Account.id).where(Account.username == username)):
        raise Conflict(f"Username {username!r} is taken.")
    account = Account(
        username=username,
        role=KIOSK,
        level=1,
        scope_code=hospital_code,
        password_hash=passwords.hash_password(password or secrets.token_urlsafe(32)),
        display_name=display_name[:100],
    )
    session.add(account)
    session.flush()
    return account
