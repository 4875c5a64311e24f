"""Idempotency keys for every write that creates money, tickets or applications: a retried request with the
same `Idempotency-Key` replays the first result; the same key with a different request is a conflict.

Keys are per account, across all operations. The unique (account, key) constraint is the arbiter between
concurrent twins: the loser's flush or commit fails, and its route retries the whole request
(backend/core/unit_of_work.py), which then finds the winner's key here and replays it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core import clock
from backend.core.access import Principal
from backend.database import Base
from backend.errors import Conflict

T = TypeVar("T")


class IdempotencyKey(Base):
    """The first result of a request sent with an Idempotency-Key: what it did and what it made."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(sa.String(100))
    operation: Mapped[str] = mapped_column(sa.String(40))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    # What the first request created, as its domain names it (a public id, a number or a row id).
    resource_ref: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("account_id", "key", name="uq_idempotency_keys_account_key"),)


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"


def fingerprint(operation: str, payload: dict) -> str:
    """The SHA-256 of a canonical JSON of the operation and the request body (dates as ISO text)."""
    text = json.dumps(
        {"op": operation, "body": payload}, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Built once, with bind parameters: SQLAlchemy computes a statement's cache key once per statement object, which
# for a statement built anew on every request is about a third of a short query's CPU. Core, not ORM entities:
# these run on every idempotent write and need no ORM object (`amend` still loads one).
_FIRST_RESULT = sa.select(IdempotencyKey.operation, IdempotencyKey.fingerprint, IdempotencyKey.resource_ref).where(
    IdempotencyKey.account_id == sa.bindparam("account_id"), IdempotencyKey.key == sa.bindparam("key")
)
_REMEMBER = sa.insert(IdempotencyKey.__table__)


def _record(session: Session, principal: Principal, key: str) -> IdempotencyKey | None:
    return session.scalar(
        sa.select(IdempotencyKey).where(IdempotencyKey.account_id == principal.account_id, IdempotencyKey.key == key)
    )


def replayed(
    *, session: Session, principal: Principal, key: str | None, operation: str, fingerprint: str
) -> str | None:
    """The resource the first request with this key made, or None when the key is new (or not sent)."""
    if key is None:
        return None
    record = session.execute(_FIRST_RESULT, {"account_id": principal.account_id, "key": key}).first()
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request. Use a new key for a new request."
        )
    return record.resource_ref


def remember(
    *,
    session: Session,
    principal: Principal,
    key: str | None,
    operation: str,
    fingerprint: str,
    resource_ref: str,
    now: datetime | None = None,
) -> None:
    """Keep the result of a request sent with a key. Flushed at once, so a concurrent twin fails here,
    before anything else it would do."""
    if key is None:
        return
    session.flush()  # what the request made goes first, as before (a Core insert does not autoflush)
    session.execute(
        _REMEMBER,
        {
            "account_id": principal.account_id,
            "key": key,
            "operation": operation,
            "fingerprint": fingerprint,
            "resource_ref": resource_ref,
            "created_at": now or clock.now(),
        },
    )


def amend(*, session: Session, principal: Principal, key: str, fingerprint: str) -> None:
    """A later request legitimately took over this key's result (it changed the resource): further retries
    of that later request replay the same resource."""
    _record(session, principal, key).fingerprint = fingerprint
    session.flush()


def once(
    *,
    session: Session,
    principal: Principal,
    key: str | None,
    operation: str,
    request: dict,
    replay: Callable[[str], T],
    make: Callable[[], tuple[T, str]],
    now: datetime | None = None,
) -> T:
    """Make an operation happen once per key: a retry with the same key and request replays the first result
    (`replay(resource_ref)`); the same key with another request is a conflict; a new key runs `make()`, which
    returns the result and the reference to remember for it."""
    print_ = fingerprint(operation, request)
    previous = replayed(session=session, principal=principal, key=key, operation=operation, fingerprint=print_)
    if previous is not None:
        return replay(previous)
    result, resource_ref = make()
    remember(
        session=session,
        principal=principal,
        key=key,
        operation=operation,
        fingerprint=print_,
        resource_ref=resource_ref,
        now=now,
    )
    return result
