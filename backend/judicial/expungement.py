"""Automatic expungement (xóa án tích) and "treated as having no criminal record", Penal Code 2015 (amended
2017) Arts. 69-71 and 107, as pure functions of the conviction records. Waiting periods and the chapters a court
must decide on are dated legal parameters (backend/law/data/judicial.json), read for the day the count starts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from backend.law import store
from backend.law.calendar import add_months

NON_CUSTODIAL = ("warning", "fine", "non-custodial-reform", "suspended-sentence")
PRINCIPAL_PENALTIES = NON_CUSTODIAL + ("imprisonment", "life-imprisonment", "death-commuted")
CRIME_CATEGORIES = ("less-serious", "serious", "very-serious", "especially-serious")  # Art. 9


class Conviction(Protocol):
    judgment_date: date
    offence_date: date
    penal_code_article: str
    crime_category: str | None
    through_negligence: bool
    principal_penalty: str
    imprisonment_months: int | None
    probation_months: int | None  # a suspended sentence's probation term
    principal_completed_on: date | None  # for a suspended sentence: the end of probation, when recorded
    additional_penalties: str | None
    ban: str | None
    additional_completed_on: date | None  # the last additional penalty (ban, probation, ...)
    exempted: bool  # exempted from criminal liability or from the penalty
    court_expunged_on: date | None  # a court's expungement decision (Art. 71)


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def age_on(date_of_birth: date, on: date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def penalty_band(conviction: Conviction) -> str:
    if conviction.principal_penalty in NON_CUSTODIAL:
        return "non-custodial"
    if conviction.principal_penalty == "imprisonment":
        months = conviction.imprisonment_months or 0
        if months <= 60:
            return "prison-up-to-5y"
        if months <= 180:
            return "prison-5y-15y"
    return "prison-over-15y"  # over 15 years, life, or a commuted death sentence


def article_number(conviction: Conviction) -> int | None:
    found = re.search(r"\d+", conviction.penal_code_article)
    return int(found.group()) if found else None


def court_must_decide(conviction: Conviction, on: date) -> str | None:
    """Art. 70(1): the chapter (XIII national security, XXVI war crimes) whose convictions a court must expunge
    (Art. 71), or None when expungement is automatic."""
    article = article_number(conviction)
    chapters = store.value("judicial.never_automatic_chapters", on)
    return next((ch for ch, (first, last) in chapters.items() if article and first <= article <= last), None)


def treated_as_no_record(conviction: Conviction, date_of_birth: date) -> bool:
    """Art. 69(2): exempted from the penalty, or a less serious or serious crime through negligence;
    Art. 107(1): aged 14 to under 16 at the offence; aged 16 to under 18 for a less serious or serious crime,
    or a very serious crime through negligence."""
    category = conviction.crime_category
    if conviction.exempted:
        return True
    if conviction.through_negligence and category in ("less-serious", "serious"):
        return True
    age = age_on(date_of_birth, conviction.offence_date)
    if age < 16:
        return True
    if age < 18:
        return category in ("less-serious", "serious") or (category == "very-serious" and conviction.through_negligence)
    return False


def waiting_months(conviction: Conviction, date_of_birth: date, on: date) -> int:
    """Art. 70(2) for adults, Art. 107(2) for offenders aged 16 to under 18, as in force on `on`."""
    table = store.value("judicial.expungement_waiting", on)
    juvenile = age_on(date_of_birth, conviction.offence_date) < 18
    return table["juvenile" if juvenile else "adult"][penalty_band(conviction)]


def principal_end(conviction: Conviction) -> date | None:
    """When the count starts: the principal penalty completed, or for a suspended sentence the end of its
    probation (counted from the judgment, Art. 65) unless the officer recorded the actual end."""
    if conviction.principal_completed_on is not None:
        return conviction.principal_completed_on
    if conviction.principal_penalty == "suspended-sentence" and conviction.probation_months:
        return add_months(conviction.judgment_date, conviction.probation_months)
    return None


def _additional_pending(conviction: Conviction) -> bool:
    return bool(conviction.additional_penalties or conviction.ban) and conviction.additional_completed_on is None


def expunged_on(conviction: Conviction, record: Sequence[Conviction], date_of_birth: date, on: date) -> date | None:
    """The day the conviction is (or will be) expunged under the law in force on `on`, or None while that cannot
    be known (a sentence or an additional penalty not completed, or a court must decide).

    A new crime committed within the waiting period restarts the count from the day the new sentence is
    completed; an additional penalty that ends later postpones expungement to its end (Art. 70(2)).
    """
    if conviction.court_expunged_on is not None:
        return conviction.court_expunged_on
    if court_must_decide(conviction, on) or _additional_pending(conviction):
        return None
    start = principal_end(conviction)
    if start is None:
        return None
    others = [c for c in record if c is not conviction and not treated_as_no_record(c, date_of_birth)]
    while True:
        end = add_months(start, waiting_months(conviction, date_of_birth, on))
        new_crimes = [c for c in others if start <= c.offence_date < end]
        if not new_crimes:
            break
        completions = [principal_end(c) for c in new_crimes]
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
    day = expunged_on(conviction, record, date_of_birth, on)
    return day is not None and on >= day
