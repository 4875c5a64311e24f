from datetime import date

import pytest

from backend.residence.working_days import (
    CalendarNotCovered,
    add_working_days,
    holidays,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 11, 16), date(2026, 11, 19)),  # Monday -> Thursday
        (date(2026, 11, 19), date(2026, 11, 25)),  # Thursday -> Wednesday: weekend + Culture Day (Tue 24 Nov)
        (date(2026, 11, 20), date(2026, 11, 26)),  # Friday -> Thursday
        (date(2026, 11, 21), date(2026, 11, 26)),  # received on a Saturday: counting starts Monday
        (date(2026, 2, 12), date(2026, 2, 24)),  # Thursday before Tết 2026 (16-20 Feb): Fri 13, Mon 23, Tue 24
        (date(2026, 4, 24), date(2026, 5, 4)),  # Hùng Kings observed Mon 27 Apr; 30 Apr and 1 May
        (date(2025, 8, 29), date(2025, 9, 5)),  # National Day 1-2 Sep 2025
        (date(2026, 12, 30), date(2027, 1, 5)),  # New Year's Day 2027 on a Friday
        (date(2027, 2, 3), date(2027, 2, 15)),  # Tết 2027: 4-10 Feb (Thu-Wed)
    ],
)
def test_three_working_days(received, expected):
    assert add_working_days(received, 3) == expected


def test_tet_2026_days_are_not_working_days():
    assert not any(is_working_day(date(2026, 2, day)) for day in range(16, 21))
    assert is_working_day(date(2026, 2, 23))
    assert is_working_day(date(2026, 2, 13))


def test_holiday_data_lists_lunar_dates_per_year():
    assert "Hung Kings" in holidays(2024)[date(2024, 4, 18)] and "Hung Kings" in holidays(2025)[date(2025, 4, 7)]
    assert holidays(2025)[date(2025, 1, 29)] == "Lunar New Year"
    assert holidays(2027)[date(2027, 2, 6)] == "Lunar New Year"


def test_the_2026_new_year_swap_counts_for_processing_deadlines():
    """Official Letter 12729/VPCP-KGVX: Fri 2/1/2026 off, Sat 10/1/2026 worked. An authority's working-day
    deadline skips the Friday and counts the worked Saturday (backend/law/calendar.py)."""
    assert not is_working_day(date(2026, 1, 2))
    assert is_working_day(date(2026, 1, 10))
    assert not is_working_day(date(2026, 1, 17))  # an ordinary Saturday
    assert add_working_days(date(2025, 12, 31), 3) == date(2026, 1, 7)  # skips 1/1 and 2/1
    assert add_working_days(date(2026, 1, 8), 3) == date(2026, 1, 12)  # Fri 9, Sat 10 (worked), Mon 12
    assert add_working_days(date(2026, 1, 15), 3) == date(2026, 1, 20)  # Fri 16, Mon 19, Tue 20


def test_zero_days_and_between():
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 26)) == 3
    assert working_days_between(date(2026, 11, 26), date(2026, 11, 20)) == 0
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 20), -1)


def test_years_without_data_are_refused():
    with pytest.raises(CalendarNotCovered):
        add_working_days(date(2030, 1, 2), 3)
