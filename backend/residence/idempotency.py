"""Idempotency-Key handling for creates: a retry with the same key and body replays the first result; the
same key with another body is a conflict."""

from __future__ import annotations

import hashlib
import json
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.policy import Principal
from backend.database import utcnow
from backend.errors import Conflict, ValidationFailed
from backend.residence.models import ResidenceIdempotencyKey

_KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,100}$")


def fingerprint(operation: str, body: dict) -> str:
    text = json.dumps({"op": operation, "body": body}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed("The Idempotency-Key header must be 8-100 letters, digits or ._:- characters.",
                               errors={"headers": {"Idempotency-Key": ["Not a valid key."]}})
    return key


def replayed(*, session: Session, principal: Principal, key: str | None, operation: str,
             body: dict) -> str | None:
    """The resource created by the first request with this key, or None when the key is new."""
    if key is None:
        return None
    record = session.scalar(sa.select(ResidenceIdempotencyKey).where(
        ResidenceIdempotencyKey.account_id == principal.account_id, ResidenceIdempotencyKey.key == key))
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != fingerprint(operation, body):
        raise Conflict("This Idempotency-Key was already used for a different request.")
    return record.resource_ref


def remember(*, session: Session, principal: Principal, key: str | None, operation: str, body: dict,
             resource_ref: str) -> None:
    if key is not None:
        session.add(ResidenceIdempotencyKey(account_id=principal.account_id, key=key, operation=operation,
                                            fingerprint=fingerprint(operation, body),
                                            resource_ref=resource_ref,
                                            created_at=utcnow()))
