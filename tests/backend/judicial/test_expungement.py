"""Expungement (Penal Code 2015, amended 2017, Arts. 69-71 and 107) at its boundaries: each waiting period, a
later or unfinished additional penalty, a new crime within the period, chapters a court must decide on,
negligence, offenders under 18, probation of a suspended sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from backend.judicial import expungement

BORN = date(1980, 5, 20)
NOW = date(2026, 12, 1)  # the day the record is evaluated


@dataclass
class Conviction:
    offence_date: date
    principal_penalty: str
    principal_completed_on: date | None
    imprisonment_months: int | None = None
    additional_completed_on: date | None = None
    exempted: bool = False
    crime_category: str | None = "very-serious"
    through_negligence: bool = False
    penal_code_article: str = "Điều 173"
    judgment_date: date = date(2016, 1, 1)
    probation_months: int | None = None
    additional_penalties: str | None = None
    ban: str | None = None
    court_expunged_on: date | None = None


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
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) == expunged
    assert not expungement.is_expunged(conviction, [conviction], BORN, date.fromordinal(expunged.toordinal() - 1))
    assert expungement.is_expunged(conviction, [conviction], BORN, expunged)


def test_not_expunged_while_the_sentence_is_not_completed():
    conviction = Conviction(date(2015, 1, 1), "imprisonment", None, 24)
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) is None
    assert not expungement.is_expunged(conviction, [conviction], BORN, date(2099, 1, 1))


def test_a_later_additional_penalty_postpones_expungement():
    conviction = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10), additional_completed_on=date(2022, 6, 30))
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) == date(2022, 6, 30)
    shorter = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10), additional_completed_on=date(2020, 12, 1))
    assert expungement.expunged_on(shorter, [shorter], BORN, NOW) == date(2021, 1, 10)


def test_a_new_crime_within_the_period_restarts_the_count():
    first = Conviction(date(2015, 1, 1), "imprisonment", date(2020, 1, 10), 24)  # would be 2022-01-10
    second = Conviction(date(2022, 1, 9), "fine", date(2022, 8, 1))  # one day inside the period
    record = [first, second]
    assert expungement.expunged_on(first, record, BORN, NOW) == date(2024, 8, 1)  # 2 years from the new completion
    assert expungement.expunged_on(second, record, BORN, NOW) == date(2023, 8, 1)
    on_the_day = Conviction(date(2022, 1, 10), "fine", date(2022, 8, 1))  # the day it was already expunged
    assert expungement.expunged_on(first, [first, on_the_day], BORN, NOW) == date(2022, 1, 10)


def test_the_restart_waits_for_the_new_sentence():
    first = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10))
    second = Conviction(date(2020, 6, 1), "imprisonment", None, 36)
    assert expungement.expunged_on(first, [first, second], BORN, NOW) is None


def test_exempted_and_under_16_are_treated_as_no_record():
    assert expungement.treated_as_no_record(Conviction(date(2010, 1, 1), "fine", None, exempted=True), BORN)
    assert expungement.treated_as_no_record(Conviction(date(1996, 5, 19), "fine", None), BORN)  # day before 16
    assert not expungement.treated_as_no_record(Conviction(date(1996, 5, 20), "fine", None), BORN)  # 16th birthday
    # ... and do not restart anyone's count
    first = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10))
    exempt = Conviction(date(2020, 6, 1), "fine", date(2022, 1, 1), exempted=True)
    assert expungement.expunged_on(first, [first, exempt], BORN, NOW) == date(2021, 1, 10)


def test_leap_day_anniversary():
    conviction = Conviction(date(2015, 1, 1), "fine", date(2024, 2, 29))
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) == date(2025, 2, 28)


# --- issue 14: the rules that were missing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "court"),
    [
        ("Điều 107", None),
        ("Điều 108", "XIII"),
        ("Điều 122 khoản 1", "XIII"),
        ("Điều 123", None),
        ("Điều 420", None),
        ("Điều 421", "XXVI"),
        ("Điều 425", "XXVI"),
        ("Điều 426", None),
    ],
)
def test_chapters_xiii_and_xxvi_are_never_expunged_automatically(article, court):
    """Art. 70(1): crimes against national security (Chapter XIII, Arts. 108-122) and war crimes (Chapter XXVI,
    Arts. 421-425) are expunged only by a court (Art. 71)."""
    conviction = Conviction(date(2015, 1, 1), "imprisonment", date(2018, 3, 15), 24, penal_code_article=article)
    assert expungement.court_must_decide(conviction, NOW) == court
    expected = None if court else date(2020, 3, 15)
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) == expected
    decided = Conviction(
        date(2015, 1, 1),
        "imprisonment",
        date(2018, 3, 15),
        24,
        penal_code_article=article,
        court_expunged_on=date(2023, 6, 1),
    )
    assert expungement.expunged_on(decided, [decided], BORN, NOW) == date(2023, 6, 1)


def test_additional_penalties_must_be_completed():
    """Art. 70(2): the additional penalty too: a ban still running (no completion date) blocks expungement."""
    pending = Conviction(date(2015, 1, 1), "fine", date(2020, 1, 10), ban="Cấm hành nghề 3 năm")
    assert expungement.expunged_on(pending, [pending], BORN, NOW) is None
    served = Conviction(
        date(2015, 1, 1), "fine", date(2020, 1, 10), ban="Cấm hành nghề 3 năm", additional_completed_on=date(2020, 6, 1)
    )
    assert expungement.expunged_on(served, [served], BORN, NOW) == date(2021, 1, 10)


@pytest.mark.parametrize(
    ("category", "negligence", "no_record"),
    [
        ("less-serious", True, True),
        ("serious", True, True),
        ("very-serious", True, False),
        ("less-serious", False, False),
        ("serious", False, False),
    ],
)
def test_negligent_less_serious_or_serious_crimes_leave_no_record(category, negligence, no_record):
    """Art. 69(2): convicted of a less serious or serious crime through negligence -> no criminal record."""
    adult = Conviction(
        date(2015, 1, 1), "fine", date(2016, 1, 1), crime_category=category, through_negligence=negligence
    )
    assert expungement.treated_as_no_record(adult, BORN) is no_record


BORN_2000 = date(2000, 6, 10)


@pytest.mark.parametrize(
    ("offence_date", "category", "negligence", "no_record"),
    [
        (date(2014, 6, 10), "especially-serious", False, True),  # 14th birthday: 14-16, no record
        (date(2016, 6, 9), "especially-serious", False, True),  # the day before 16
        (date(2016, 6, 10), "especially-serious", False, False),  # 16th birthday
        (date(2016, 6, 10), "serious", False, True),  # 16-18: serious -> none
        (date(2016, 6, 10), "less-serious", False, True),
        (date(2016, 6, 10), "very-serious", True, True),  # very serious through negligence -> none
        (date(2016, 6, 10), "very-serious", False, False),  # very serious with intent -> a record
        (date(2018, 6, 9), "serious", False, True),  # the day before 18
        (date(2018, 6, 10), "serious", False, False),  # 18th birthday: adult rules
    ],
)
def test_offenders_under_18_art_107_1(offence_date, category, negligence, no_record):
    conviction = Conviction(
        offence_date, "imprisonment", date(2020, 1, 1), 36, crime_category=category, through_negligence=negligence
    )
    assert expungement.treated_as_no_record(conviction, BORN_2000) is no_record


@pytest.mark.parametrize(
    ("penalty", "months", "expunged"),
    [
        ("suspended-sentence", None, date(2020, 9, 15)),  # 6 months
        ("non-custodial-reform", None, date(2020, 9, 15)),
        ("imprisonment", 60, date(2021, 3, 15)),  # up to 5 years: 1 year
        ("imprisonment", 61, date(2021, 9, 15)),  # over 5 up to 15: 1 year 6 months
        ("imprisonment", 180, date(2021, 9, 15)),
        ("imprisonment", 181, date(2023, 3, 15)),  # over 15 years: 3 years
    ],
)
def test_offenders_aged_16_to_18_wait_shorter_art_107_2(penalty, months, expunged):
    conviction = Conviction(date(2017, 1, 1), penalty, date(2020, 3, 15), months, crime_category="very-serious")
    assert expungement.expunged_on(conviction, [conviction], BORN_2000, NOW) == expunged
    adult = Conviction(date(2018, 6, 10), penalty, date(2020, 3, 15), months, crime_category="very-serious")
    assert expungement.expunged_on(adult, [adult], BORN_2000, NOW) > expunged  # the adult periods are longer


def test_a_suspended_sentence_counts_from_the_end_of_its_probation():
    """Art. 70(2)(a) with Art. 65: the year runs from the end of the probation term the court set."""
    conviction = Conviction(
        date(2015, 1, 1), "suspended-sentence", None, judgment_date=date(2019, 4, 30), probation_months=30
    )
    assert expungement.principal_end(conviction) == date(2021, 10, 30)
    assert expungement.expunged_on(conviction, [conviction], BORN, NOW) == date(2022, 10, 30)
