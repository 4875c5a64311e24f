"""Expungement (Penal Code art. 70) at its boundaries: each waiting period, a later additional penalty, a new
crime within the period, and people the law treats as having no record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from backend.judicial import expungement

BORN = date(1980, 5, 20)


@dataclass
class Conviction:
    offence_date: date
    principal_penalty: str
    principal_completed_on: date | None
    imprisonment_months: int | None = None
    additional_completed_on: date | None = None
    exempted: bool = False


@pytest.mark.parametrize(
    ("penalty", "months", "years"),
    [
        ("warning", None, 1),
        ("fine", None, 1),
        ("non-custodial-reform", None, 1),
        ("suspended-sentence", None, 1),
        ("imprisonment", 1, 2),
        ("imprisonment", 60, 2),
        ("imprisonment", 61, 3),
        ("imprisonment", 180, 3),
        ("imprisonment", 181, 5),
        ("life-imprisonment", None, 5),
        ("death-commuted", None, 5),
    ],
)
def test_waiting_period_and_its_boundary(penalty, months, years):
    done = date(2020, 3, 15)
    conviction = Conviction(date(2015, 1, 1), penalty, done, months)
    expunged = date(2020 + years, 3, 15)
    assert expungement.expunged_on(conviction, [conviction], BORN) == expunged
    assert not expungement.is_expunged(
        conviction, [conviction], BORN, date.fromordinal(expunged.toordinal() - 1)
    )
    assert expungement.is_expunged(conviction, [conviction], BORN, expunged)


def test_not_expunged_while_the_sentence_is_not_completed():
    conviction = Conviction(date(2015, 1, 1), "imprisonment", None, 24)
    assert expungement.expunged_on(conviction, [conviction], BORN) is None
    assert not expungement.is_expunged(conviction, [conviction], BORN, date(2099, 1, 1))


def test_a_later_additional_penalty_postpones_expungement():
    conviction = Conviction(
        date(2015, 1, 1), "fine", date(2020, 1, 10), additional_completed_on=date(2022, 6, 30)
    )
    assert expungement.expunged_on(conviction, [conviction], BORN) == date(2022, 6, 30)
    shorter = Conviction(
        date(2015, 1, 1), "fine", date(2020, 1, 10), additional_completed_on=date(2020, 12, 1)
    )
    assert expungement.expunged_on(shorter, [shorter], BORN) == date(2021, 1, 10)


def test_a_new_crime_within_the_period_restarts_the_count():
    first = Conviction(date(2015, 1, 1), "imprisonment", date(2020, 1, 10), 24)  # would be 2022-01-10
    second = Conviction(date(2022, 1, 9), "fine", date(2022, 8, 1))  # one day inside the period
    record = [first, second]
    assert expungement.expunged_on(first, record, BORN) == date(2024, 8, 1)  # 2 years from the new completion
    assert expungement.expunged_on(second, record, BORN) == date(2023, 8, 1)
    on_the_day = Conviction(date(2022, 1, 10), "fine", date(2022, 8, 1))  # the day it was already expunged
    assert expungement.expunged_on(first, [first, on_the_day], BORN) == date(2022, 1, 10)


def test_the_restart_waits_for_the_new_sentence():
    first = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10))
    second = Conviction(date(2020, 6, 1), "imprisonment", None, 36)
    assert expungement.expunged_on(first, [first, second], BORN) is None


def test_exempted_and_under_16_are_treated_as_no_record():
    assert expungement.treated_as_no_record(Conviction(date(2010, 1, 1), "fine", None, exempted=True), BORN)
    assert expungement.treated_as_no_record(
        Conviction(date(1996, 5, 19), "fine", None), BORN
    )  # day before 16
    assert not expungement.treated_as_no_record(
        Conviction(date(1996, 5, 20), "fine", None), BORN
    )  # 16th birthday
    # ... and do not restart anyone's count
    first = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10))
    exempt = Conviction(date(2020, 6, 1), "fine", date(2022, 1, 1), exempted=True)
    assert expungement.expunged_on(first, [first, exempt], BORN) == date(2021, 1, 10)


def test_leap_day_anniversary():
    conviction = Conviction(date(2015, 1, 1), "fine", date(2024, 2, 29))
    assert expungement.expunged_on(conviction, [conviction], BORN) == date(2025, 2, 28)
