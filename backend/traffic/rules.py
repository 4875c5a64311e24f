"""The traffic rules as pure functions: plates, the fine's range, payment deadline, late-payment surcharge,
licence points and suspension periods. Money is integer đồng; dates are Vietnamese calendar days. The figures
(days to pay, surcharge rate, points) are dated legal parameters read from backend/law for the day evaluated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from backend.law import calendar as law_calendar
from backend.law import store
from backend.law.calendar import add_months
from shared_schemas.traffic import AGGRAVATING, MITIGATING, PlateError, normalise_plate  # noqa: F401


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


def payment_deadline(received_on: date) -> date:
    """The last day to pay: `traffic.payment_days` days counted from the day after receipt (Civil Code 2015
    Art. 147(1)); a last day on a weekend, a holiday or a moved day off ends at the end of the next working day
    (Civil Code Art. 148(5), applied by the Law on Handling Administrative Violations). A decision received on
    4/2/2026 is due on Monday 23/2/2026, not Saturday 14/2 before Tết."""
    days = store.value("traffic.payment_days", received_on)
    return law_calendar.end_of_period(received_on + timedelta(days=days))


def days_late(deadline: date, paid_on: date) -> int:
    """Late days run from the day after the last day to pay up to the day *before* payment (the Ministry of
    Finance's counting): paid the day after the deadline -> 0 days; two days after -> 1 day."""
    return max(0, (paid_on - deadline).days - 1)


def surcharge(fine: int, days: int, on: date) -> int:
    """Late-payment surcharge (`traffic.late_surcharge_per_day`, 0.05 % since 2013) of the fine per day late,
    rounded half up to the đồng; the rate is the one in force on `on`, the day of payment."""
    rate_num, rate_den = store.value("traffic.late_surcharge_per_day", on)
    return round_half_up_div(fine * days * rate_num, rate_den)


@dataclass(frozen=True)
class Points:
    points: int
    last_deduction: date | None
    reached_zero_on: date | None  # while at 0: the day it got there
    retest_from: date | None  # while at 0: the earliest day of the theory re-test (6 months later)


def points_on(deductions: Iterable[tuple[date, int]], on: date, retests: Iterable[date] = ()) -> Points:
    """The licence's points on `on` (Road Traffic Order and Safety Law 2024 Art. 58). A licence not deducted
    for 12 months since its last deduction is back to full points; one at 0 stays there until its holder passes
    the theory re-test, no earlier than 6 months after reaching 0; passing it restores full points."""
    try:
        rule = store.value("traffic.licence_points", on)
    except store.NotInForce:  # before the points system (1/1/2025) a licence had nothing to deduct from
        rule = store.book().history("traffic.licence_points")[0].value
    full, restore = rule["full"], rule["restore_after_months"]
    events = sorted([(d, 1, n) for d, n in deductions if d <= on] + [(d, 0, 0) for d in retests if d <= on])
    points, last, zero_on = full, None, None
    for when, is_deduction, deducted in events:
        if not is_deduction:
            if zero_on is not None:
                points, last, zero_on = full, None, None
            continue
        if zero_on is not None:
            continue  # at 0 points nothing changes until the re-test
        if last is not None and add_months(last, restore) <= when:
            points = full
        points, last = max(0, points - deducted), when
        if points == 0:
            zero_on = when
    if zero_on is None and last is not None and add_months(last, restore) <= on:
        points = full
    retest_from = add_months(zero_on, rule["retest_after_months"]) if zero_on else None
    return Points(points, last, zero_on, retest_from)


def suspended_on(periods: Iterable[tuple[date, date]], on: date) -> date | None:
    """The end (the day it is valid again) of the suspension in force on `on`, if any."""
    ends = [end for start, end in periods if start <= on < end]
    return max(ends) if ends else None
