"""Committing a route's one service call when concurrent twins race for the same unique key."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from backend.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 8


def committed(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run one service call and commit. A lost race is retried from the start, where the winner's result is
    then found: a concurrent twin can take a unique key first (an Idempotency-Key, a nonce), and SQLite
    refuses a write whose read snapshot went stale ("database is locked"). A refused request (any other
    error) leaves nothing of its own behind, not even a nonce."""
    for attempt in range(attempts):
        try:
            with db.session.begin_nested():  # a refusal rolls back to here
                result = work()
            db.session.commit()
            return result
        except (sa.exc.OperationalError, sa.exc.IntegrityError) as exc:
            db.session.rollback()  # the whole transaction: the retry must read afresh
            if attempt == attempts - 1:
                raise
            log.info("write lost a race (%s); retrying", type(exc.orig).__name__)
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")
