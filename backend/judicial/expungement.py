"""Automatic expungement (xóa án tích, Penal Code 2015 arts. 69-71 and 107) as pure functions of the
conviction records. Periods run in calendar years from the day the principal penalty was completed."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from typing import Protocol

NON_CUSTODIAL = ("warning", "fine", "non-custodial-reform", "suspended-sentence")
PRINCIPAL_PENALTIES = NON_CUSTODIAL + ("imprisonment", "life-imprisonment", "death-commuted")


class Conviction(Protocol):
    offence_date: date
    principal_penalty: str
    imprisonment_months: int | None
    principal_completed_on: date | None  # for a suspended sentence: the end of probation
    additional_completed_on: date | None  # the last additional penalty (ban, probation, ...)
    exempted: bool  # exempted from criminal liability or from the penalty


def add_years(day: date, years: int) -> date:
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def waiting_years(conviction: Conviction) -> int:
    penalty = conviction.principal_penalty
    if penalty in NON_CUSTODIAL:
        return 1
    if penalty == "imprisonment":
        months = conviction.imprisonment_months or 0
        if months <= 60:
            return 2
        if months <= 180:
            return 3
    return 5  # over 15 years, life, or a commuted death sentence


def treated_as_no_record(conviction: Conviction, date_of_birth: date) -> bool:
    """Art. 69: exempted from liability or penalty; art. 107: offended before turning 16."""
    return conviction.exempted or conviction.offence_date < add_years(date_of_birth, 16)


def expunged_on(conviction: Conviction, record: Sequence[Conviction], date_of_birth: date) -> date | None:
    """The day the conviction is expunged, or None while that cannot be known (a sentence not completed).

    A new crime committed within the waiting period restarts the count from the day the new sentence is
    completed; an additional penalty that ends later postpones expungement to its end.
    """
    if conviction.principal_completed_on is None:
        return None
    others = [c for c in record if c is not conviction and not treated_as_no_record(c, date_of_birth)]
    start, wait = conviction.principal_completed_on, waiting_years(conviction)
    while True:
        end = add_years(start, wait)
        new_crimes = [c for c in others if start <= c.offence_date < end]
        if not new_crimes:
            break
        completions = [c.principal_completed_on for c in new_crimes]
        if None in completions:
            return None
        restart = max(completions)
        if restart <= start:
            break
        start = restart
    if conviction.additional_completed_on and conviction.additional_completed_on > end:
        return conviction.additional_completed_on
    return end


def is_expunged(conviction: Conviction, record: Sequence[Conviction], date_of_birth: date, on: date) -> bool:
    day = expunged_on(conviction, record, date_of_birth)
    return day is not None and on >= day
