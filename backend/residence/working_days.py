"""Working-day arithmetic for legal processing deadlines: Saturdays, Sundays and Vietnamese public holidays
(shipped as data in data/vn_public_holidays.csv) are not working days."""

from __future__ import annotations

import csv
import functools
from datetime import date, datetime, timedelta
from pathlib import Path

from shared_schemas.clock import VIETNAM_TZ

HOLIDAY_FILE = Path(__file__).parent / "data" / "vn_public_holidays.csv"
#: Vietnam has one time zone and no daylight saving time.


class CalendarNotCovered(LookupError):
    """The holiday data does not cover this year, so a deadline would silently be wrong."""


@functools.cache
def holidays() -> dict[date, str]:
    with HOLIDAY_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {date.fromisoformat(row["date"]): row["name"] for row in rows}


@functools.cache
def covered_years() -> range:
    years = sorted({day.year for day in holidays()})
    return range(years[0], years[-1] + 1)


def is_working_day(day: date) -> bool:
    if day.year not in covered_years():
        raise CalendarNotCovered(f"no public-holiday data for {day.year}; extend {HOLIDAY_FILE.name}")
    return day.weekday() < 5 and day not in holidays()


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


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam of an aware datetime."""
    return moment.astimezone(VIETNAM_TZ).date()
