"""The update audit trail: one row per step (upload, root signature, rollout start/stop/advance/halt, kiosk
reports). Kept apart from the citizen access log: these events concern software, not a person's data."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.updates.models import UpdateEvent


def actor_of(principal: Principal | None) -> str:
    return "system" if principal is None else f"account:{principal.account_id}"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    detail: str = "",
    release_id: int | None = None,
    rollout_id: int | None = None,
    kiosk_id: str | None = None,
) -> None:
    session.add(
        UpdateEvent(
            occurred_at=now,
            actor=actor[:64],
            action=action,
            detail=detail[:300],
            release_id=release_id,
            rollout_id=rollout_id,
            kiosk_id=kiosk_id,
        )
    )


def recent(session: Session, *, rollout_id: int | None = None, limit: int = 100) -> list[UpdateEvent]:
    query = sa.select(UpdateEvent).order_by(UpdateEvent.id.desc()).limit(limit)
    if rollout_id is not None:
        query = query.where(UpdateEvent.rollout_id == rollout_id)
    return list(session.scalars(query))
