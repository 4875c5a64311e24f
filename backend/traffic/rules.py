"""The traffic rules as pure functions: plates, the fine's range, late-payment surcharge, licence points and
suspension periods. Money is integer đồng; dates are Vietnamese calendar days."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared_schemas.traffic import AGGRAVATING, MITIGATING, PlateError, normalise_plate  # noqa: F401

PAYMENT_DAYS = 10
SURCHARGE_PER_DAY = (5, 10_000)  # 0.05% of the unpaid fine per day late, as an exact fraction
FULL_POINTS = 12
POINTS_RESTORED_AFTER_MONTHS = 12
RETEST_AFTER_MONTHS = 6


def vehicle_class(kind: str) -> str:
    """The catalogue's vehicle class for a registered vehicle kind (Decree 168 art. 6 covers all ô tô)."""
    return "motorbike" if kind == "motorbike" else "car"


@dataclass(frozen=True)
class FineRange:
    minimum: int
    maximum: int

    @property
    def middle(self) -> int:
        return (self.minimum + self.maximum) // 2

    def allowed(self, mitigating: int, aggravating: int) -> tuple[int, int]:
        """The bounds a fine must respect: the middle with no circumstances (or when they balance), at most
        the middle when mitigating ones prevail, at least the middle when aggravating ones prevail."""
        balance = aggravating - mitigating
        if balance == 0:
            return self.middle, self.middle
        if balance < 0:
            return self.minimum, self.middle
        return self.middle, self.maximum


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def days_late(deadline: date, on: date) -> int:
    """Days after the last day to pay (the deadline itself is on time)."""
    return max(0, (on - deadline).days)


def surcharge(fine: int, days: int) -> int:
    """Late-payment surcharge: 0.05% of the fine per day late, rounded half up to the đồng."""
    rate_num, rate_den = SURCHARGE_PER_DAY
    return round_half_up_div(fine * days * rate_num, rate_den)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def points_on(deductions: Iterable[tuple[date, int]], on: date) -> tuple[int, date | None]:
    """(points left on `on`, day of the last deduction counted). A licence not deducted for 12 months
    since its last deduction is back to 12; a licence at 0 stays there until its holder passes the re-test."""
    points, last = FULL_POINTS, None
    for when, deducted in sorted(d for d in deductions if d[0] <= on):
        if last is not None and points > 0 and add_months(last, POINTS_RESTORED_AFTER_MONTHS) <= when:
            points = FULL_POINTS
        points, last = max(0, points - deducted), when
    if last is not None and points > 0 and add_months(last, POINTS_RESTORED_AFTER_MONTHS) <= on:
        points = FULL_POINTS
    return points, last


def suspended_on(periods: Iterable[tuple[date, date]], on: date) -> date | None:
    """The end (the day it is valid again) of the suspension in force on `on`, if any."""
    ends = [end for start, end in periods if start <= on < end]
    return max(ends) if ends else None
