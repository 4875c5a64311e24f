"""Working-day arithmetic for the processing deadlines authorities owe (residence, certificates): Saturdays,
Sundays, public holidays and moved days off are not working days; a Saturday the government made a working
day in lieu of a day off is one (backend/law/calendar.py says why)."""

from __future__ import annotations

from datetime import date, timedelta

from backend.law import calendar
from backend.law.calendar import CalendarNotCovered

__all__ = ["CalendarNotCovered", "add_working_days", "holidays", "is_working_day", "working_days_between"]


def holidays(year: int) -> dict[date, str]:
    """The days off of `year` (holidays and moved days off) with their names."""
    return calendar.days_off(year)


def is_working_day(day: date) -> bool:
    return calendar.is_working_day(day, worked_saturdays_count=True)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the day of receipt does not count).

    An application received on Friday with 3 working days is due on Wednesday; one received during Tết
    is due 3 working days after the holiday ends.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count
