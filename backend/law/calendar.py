"""Which days are working days, from the dated calendars in the store (calendar.YYYY): public holidays and
days off moved by the government, and the Saturdays worked in lieu.

How a worked Saturday counts is a decision per kind of deadline (README "Legal parameters"):
- a deadline that binds an authority (processing in working days) counts it: the office is open that day, and
  counting it can only shorten the wait the citizen is owed;
- a deadline that binds the citizen (paying a fine, Civil Code 2015 Art. 148(5)) never ends on a Saturday:
  the Civil Code moves a last day that falls on a weekly rest day, and a citizen is not expected to know swaps.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from backend.law import store


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb): how
    periods in months end for suspensions, points restored, retests and expungement waiting periods."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class CalendarNotCovered(LookupError):
    """No calendar is loaded for that year, so a deadline would silently be wrong."""


# Parsed calendars by version identity: deadline loops ask about every day, the store answers a Version.
_PARSED: dict[int, tuple[store.Version, dict[date, str], dict[date, str]]] = {}


def _parsed(year: int) -> tuple[dict[date, str], dict[date, str]]:
    try:
        version = store.version(f"calendar.{year}", date(year, 12, 31))
    except store.NotInForce:
        version = None
    if version is None or version.effective_from.year != year:
        raise CalendarNotCovered(f"no public-holiday calendar for {year}; load one with `flask --app backend law load`")
    cached = _PARSED.get(id(version))
    if cached is None or cached[0] is not version:
        cached = (
            version,
            {date.fromisoformat(e["date"]): e["name"] for e in version.value["days_off"]},
            {date.fromisoformat(e["date"]): e["name"] for e in version.value["working_days"]},
        )
        _PARSED[id(version)] = cached
    return cached[1], cached[2]


def days_off(year: int) -> dict[date, str]:
    """Public holidays and moved days off of `year` -> their names."""
    return _parsed(year)[0]


def worked_saturdays(year: int) -> dict[date, str]:
    """Saturdays the government made working days in lieu of a day off -> why."""
    return _parsed(year)[1]


def is_working_day(day: date, *, worked_saturdays_count: bool) -> bool:
    if day in days_off(day.year):
        return False
    if day.weekday() < 5:
        return True
    return worked_saturdays_count and day in worked_saturdays(day.year)


def end_of_period(last_day: date) -> date:
    """Civil Code 2015 Art. 148(5): a period whose last day is a weekly rest day or a holiday ends at the end
    of the next working day."""
    while not is_working_day(last_day, worked_saturdays_count=False):
        last_day += timedelta(days=1)
    return last_day
