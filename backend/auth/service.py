"""Account rules: login, refresh, logout, staff accounts (registration and level 2: possession.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import Session

from backend.auth import passwords, throttle, tokens
from backend.auth.models import Account
from backend.core.access import KIOSK, Principal
from backend.errors import (
    Conflict,
    NotFound,
    Unauthenticated,
)
from backend.extensions import db

LOGIN_FAILED = "The ID number (or username) or the password is not correct."


_AHEAD = "congdan_password_checked_ahead"
_NOT_CHECKED = object()


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()


def check_password_ahead(username: str, password: str) -> Callable[[dict[str, str], datetime], None]:
    """For `throttle.attempt(ahead=...)`: on SQLite, hash the password before the request's transaction begins.

    SQLite has one write lock for the whole database, and a login's transaction took it at its first statement
    (a POST begins IMMEDIATE): every other writer - check-ins, tickets, other logins - waited out the hash (~25 ms
    of Argon2id at OWASP's minimum; 4 clients logging in at once saw p99 1.0-1.3 s). Here the back-off state and the
    stored hash are read on a reader session of their own (no transaction, no lock), the hash runs with nothing
    held, and the verdict is kept for this request only, tied to the username, the stored hash it was checked
    against and the password's digest. `authenticate` then uses it inside the transaction when the stored hash is
    still the one checked (a password changed in between is hashed again, there). A key under back-off is not
    hashed here: the transaction's own check answers 429 first, as before. PostgreSQL locks rows, not the
    database: nothing to do there."""

    def run(attempt_keys: dict[str, str], now: datetime) -> None:
        if not has_request_context() or db.engine.dialect.name != "sqlite":
            return
        reader = db.reader_session()
        if reader is None:
            return
        try:
            if throttle.retry_after(reader, attempt_keys, now):
                return
            stored = reader.scalar(sa.select(Account.password_hash).where(Account.username == username))
        finally:
            reader.close()
        if stored is None:
            passwords.burn_time(password)
            verdict = False
        else:
            verdict = passwords.verify_password(stored, password)
        setattr(g, _AHEAD, (username, stored, _digest(password), verdict))

    return run


def _verdict_ahead(username: str, stored: str | None, password: str):
    """The verdict `check_password_ahead` reached for exactly this username, stored hash and password (once)."""
    kept = g.pop(_AHEAD, None) if has_request_context() else None
    if kept is None:
        return _NOT_CHECKED
    name, checked, digest, verdict = kept
    if name != username or checked != stored or not hmac.compare_digest(digest, _digest(password)):
        return _NOT_CHECKED
    return verdict


def authenticate(*, session: Session, username: str, password: str) -> Account:
    account = session.scalar(sa.select(Account).where(Account.username == username))
    verdict = _verdict_ahead(username, None if account is None else account.password_hash, password)
    if account is None:
        if verdict is _NOT_CHECKED:
            passwords.burn_time(password)
        raise Unauthenticated(LOGIN_FAILED)
    if verdict is _NOT_CHECKED:
        verdict = passwords.verify_password(account.password_hash, password)
    if not verdict or account.status != "active":
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
