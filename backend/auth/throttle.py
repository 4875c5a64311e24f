"""Back-off for guessable attempts (logins, registration, one-time codes): after a few free failures each key
waits exponentially longer, answered 429 + Retry-After before any password is checked.

Three keys per attempt. Per address and per account+address, the wait grows to minutes: only the guesser's own
address pays. Per account alone (guesses spread over many addresses), the wait is capped at seconds: it is the
one an attacker elsewhere can impose on the owner, so it never becomes a lock-out. State lives in the database,
so every worker sees it; failures are forgotten after LOGIN_BACKOFF_FORGET_S.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.auth.models import LoginThrottle
from backend.core import clock
from backend.core.unit_of_work import keep_when_refused
from backend.errors import DomainError
from shared_schemas.text import fold

T = TypeVar("T")


class TooManyAttempts(DomainError):
    status, code, title = 429, "too-many-attempts", "Too many attempts"

    def __init__(self, retry_after: int):
        super().__init__(
            f"Quá nhiều lần thử không thành công; vui lòng thử lại sau {retry_after} giây. / Too many failed "
            f"attempts: try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def keys(scope: str, account: str | None, address: str | None) -> dict[str, str]:
    """The throttle keys of one attempt: kind -> hashed key. `scope` separates counters ("login" is shared by
    the API and the fleet dashboard so that two doors give no extra guesses)."""
    name = fold(str(account or ""))[:64]
    where = address or "unknown"
    raw = {
        "address": f"{scope}|a|{where}",
        "account": f"{scope}|n|{name}",
        "account_address": f"{scope}|na|{name}|{where}",
    }
    return {kind: hashlib.sha256(value.encode("utf-8")).hexdigest() for kind, value in raw.items()}


def retry_after(session: Session, attempt_keys: dict[str, str], now: datetime) -> int:
    """Seconds the caller must still wait (0: go ahead)."""
    blocked = session.scalars(
        sa.select(LoginThrottle.blocked_until).where(
            LoginThrottle.key_hash.in_(attempt_keys.values()), LoginThrottle.blocked_until > now
        )
    ).all()
    return max((math.ceil((until - now).total_seconds()) for until in blocked), default=0)


def check(session: Session, attempt_keys: dict[str, str], now: datetime) -> None:
    wait = retry_after(session, attempt_keys, now)
    if wait:
        raise TooManyAttempts(wait)


def _upsert_missing(session: Session, key_hash: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(LoginThrottle)
        .values(key_hash=key_hash, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )


def record_failure(session: Session, attempt_keys: dict[str, str], now: datetime) -> None:
    config = current_app.config
    forget = timedelta(seconds=config["LOGIN_BACKOFF_FORGET_S"])
    for kind, key_hash in sorted(attempt_keys.items(), key=lambda item: item[1]):  # one lock order: no deadlock
        _upsert_missing(session, key_hash, now)
        row = session.scalars(
            sa.select(LoginThrottle).where(LoginThrottle.key_hash == key_hash).with_for_update()
        ).one()
        failures = 1 if now - row.last_failure_at > forget else row.failures + 1
        row.failures, row.last_failure_at = failures, now
        over = failures - config["LOGIN_BACKOFF_FREE"][kind]
        if over >= 0:
            wait = min(config["LOGIN_BACKOFF_BASE_S"] * 2 ** min(over, 20), config["LOGIN_BACKOFF_CAP_S"][kind])
            row.blocked_until = now + timedelta(seconds=wait)
    session.flush()


def record_success(session: Session, attempt_keys: dict[str, str]) -> None:
    """Only the account+address key is cleared: clearing the address or account key on success would let a
    guesser reset his counters by logging into an account of his own between guesses."""
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key_hash == attempt_keys["account_address"]))


def attempt(
    session: Session,
    *,
    scope: str,
    account: str | None,
    address: str | None,
    action: Callable[[], T],
    failures: tuple[type[Exception], ...],
    ahead: Callable[[dict[str, str], datetime], None] | None = None,
) -> T:
    """Run a guessable action under the back-off. The action's own writes are undone when it fails, and the
    failure is recorded and kept although the request is refused; the unit of work commits either. `ahead`, given
    the attempt's keys, runs first, before the request's transaction: the slow, read-only part of the action
    (a password hash, `backend/auth/service.py: check_password_ahead`), which must itself skip what a key under
    back-off may not have."""
    now = clock.now()
    attempt_keys = keys(scope, account, address)
    if ahead is not None:
        ahead(attempt_keys, now)
    check(session, attempt_keys, now)
    try:
        with session.begin_nested():
            result = action()
    except failures:
        record_failure(session, attempt_keys, now)
        keep_when_refused(session)
        raise
    record_success(session, attempt_keys)
    return result


def forget_old(session: Session, now: datetime) -> int:
    """Drop entries whose failures are forgotten and whose wait is over (fleet-maintain calls this)."""
    horizon = now - timedelta(seconds=current_app.config["LOGIN_BACKOFF_FORGET_S"])
    return session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < horizon,
            sa.or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
    ).rowcount
