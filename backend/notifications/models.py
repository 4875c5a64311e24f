"""Inbox notifications and the push outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core import clock
from backend.database import Base


class Notification(Base):
    """A message in a citizen's inbox (thông báo)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # What it is about, e.g. "residence-application:12".
    ref: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A push to deliver for a notification. Written in the same transaction as the notification, so a
    push is sent if and only if the change it announces was committed."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    sent_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),)
