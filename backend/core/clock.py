"""The service clock. Fines accrue surcharge and suspensions end on calendar days, so every date-dependent
rule reads the time from here; tests and demos set `CLOCK` (a callable returning an aware datetime)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_app_context

from backend.database import utcnow
from shared_schemas.clock import VIETNAM_TZ


def now() -> datetime:
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else utcnow()


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam: deadlines are counted in local days."""
    return moment.astimezone(VIETNAM_TZ).date()


def today() -> date:
    return local_date(now())


def end_of_local_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), VIETNAM_TZ).astimezone(UTC)
