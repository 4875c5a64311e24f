"""Notifying citizens (inbox + outbox), reading the inbox, and draining the outbox with retry/backoff."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core import clock
from backend.core.access import CITIZEN, Principal
from backend.errors import Forbidden, NotFound
from backend.notifications.models import Notification, OutboxMessage
from backend.notifications.push import PushAdapter, PushDeliveryError, PushMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


def notify(
    *, session: Session, citizen_id: int, kind: str, title: str, body: str, ref: str | None = None
) -> Notification:
    """Put a message in the citizen's inbox and queue its push. The caller's transaction commits both."""
    notification = Notification(
        citizen_id=citizen_id, kind=kind, title=title[:200], body=body, ref=ref, created_at=clock.now()
    )
    session.add(notification)
    session.flush()
    session.add(OutboxMessage(notification_id=notification.id, next_attempt_at=notification.created_at))
    return notification


def _own_citizen(principal: Principal) -> int:
    if principal.role != CITIZEN or principal.citizen_id is None:
        raise Forbidden("Only a citizen account has a notification inbox.")
    return principal.citizen_id


def list_inbox(
    *, session: Session, principal: Principal, unread_only: bool, page: int, per_page: int
) -> tuple[list[Notification], int, int]:
    """(page of notifications newest first, total, unread count)."""
    citizen_id = _own_citizen(principal)
    base = sa.select(Notification).where(Notification.citizen_id == citizen_id)
    if unread_only:
        base = base.where(Notification.read_at.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    unread = session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.citizen_id == citizen_id, Notification.read_at.is_(None))
    )
    items = session.scalars(
        base.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(items), total or 0, unread or 0


def mark_read(*, session: Session, principal: Principal, notification_id: int) -> Notification:
    citizen_id = _own_citizen(principal)
    notification = session.get(Notification, notification_id)
    if notification is None or notification.citizen_id != citizen_id:
        raise NotFound("No such notification in your inbox.")
    if notification.read_at is None:
        notification.read_at = clock.now()
    return notification


def backoff(attempts: int) -> timedelta:
    """Exponential: 30 s, 1 min, 2 min, ... capped at an hour."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_pending(
    *, session: Session, adapter: PushAdapter, now: datetime | None = None, limit: int = 100
) -> dict[str, int]:
    """Send due outbox messages; a failure is retried later, and given up after MAX_ATTEMPTS.

    Rows are locked (FOR UPDATE SKIP LOCKED on PostgreSQL) so concurrent drainers never send twice.
    """
    now = now or clock.now()
    due = session.execute(
        sa.select(OutboxMessage, Notification)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    ).all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message, notification in due:
        message.attempts += 1
        try:
            adapter.send(
                PushMessage(
                    message.id,
                    notification.citizen_id,
                    notification.kind,
                    notification.title,
                    notification.body,
                    notification.ref,
                )
            )
        except PushDeliveryError as exc:
            message.last_error = str(exc)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                counts["failed"] += 1
                log.warning("push %s given up after %s attempts: %s", message.id, message.attempts, exc)
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                counts["retry"] += 1
            continue
        message.status, message.sent_at, message.last_error = "sent", now, None
        counts["sent"] += 1
    return counts
