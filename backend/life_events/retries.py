"""A retried creation (same Idempotency-Key, same body) answers with what the first one made: a hospital that
lost the answer to a certificate does not issue a second one, a family does not file twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import idempotency
from backend.core.access import Principal

T = TypeVar("T")


def once(
    *,
    session: Session,
    principal: Principal,
    key: str | None,
    operation: str,
    data: dict,
    model: type[T],
    make: Callable[[], T],
) -> T:
    """The kernel's once-per-key helper, for life-event records found again by their public id."""
    return idempotency.once(
        session=session,
        principal=principal,
        key=key,
        operation=operation,
        request=data,
        replay=lambda ref: session.scalar(sa.select(model).where(model.public_id == ref)),
        make=lambda: _with_ref(make()),
    )


def _with_ref(made: T) -> tuple[T, str]:
    return made, made.public_id
