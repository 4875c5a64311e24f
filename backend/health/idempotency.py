"""Idempotency keys for writes that create tickets and check-ins: a retried request with the same key
replays the first result; the same key with a different body is a conflict."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.policy import Principal
from backend.database import utcnow
from backend.errors import Conflict
from backend.health.models import IdempotencyRecord


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"


def fingerprint(operation: str, payload: dict) -> str:
    text = json.dumps({"op": operation, "body": payload}, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def replayed(session: Session, principal: Principal, key: str | None, operation: str, print_: str) -> str | None:
    """The resource the first request with this key produced, or None if the key is new."""
    if not key:
        return None
    record = session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.account_id == principal.account_id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != print_:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for a different request. Use a new "
                                   "key for a new request.")
    return record.resource_ref


def remember(session: Session, principal: Principal, key: str | None, operation: str, print_: str,
             resource_ref: str) -> None:
    if key:
        session.add(IdempotencyRecord(account_id=principal.account_id, key=key, operation=operation,
                                      fingerprint=print_, resource_ref=resource_ref, created_at=utcnow()))
        session.flush()
