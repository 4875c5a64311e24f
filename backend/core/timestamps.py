"""Row timestamps: `created_at` / `updated_at` read the service clock (backend/core/clock.py), so a row made
while tests or demos move the clock carries the moved time like every other date in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from backend.core import clock


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
