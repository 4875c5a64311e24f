"""The traffic rules as pure functions: plates, fine bounds, surcharge rounding, points, suspension dates."""

from __future__ import annotations

from datetime import date

import pytest

from backend.traffic import catalogue, rules


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("30A-123.45", "30A12345"),
        ("29-B1 123.45", "29B112345"),
        ("51g 1234", "51G1234"),
        ("30LD-123.45", "30LD12345"),
        (" 29 b1 12345 ", "29B112345"),
    ],
)
def test_plates_are_normalised(text, plate):
    assert rules.normalise_plate(text) == plate


@pytest.mark.parametrize(
    "text",
    ["3A-12345", "30-12345", "30ABC12345", "30A-123", "30A-1234567", "ABC", "", "30A_123.45", "３0A12345"],
)
def test_malformed_plates_are_refused(text):
    with pytest.raises(rules.PlateError):
        rules.normalise_plate(text)


def test_fine_bounds_follow_the_circumstances():
    red_light = catalogue.find("OTO-DEN-DO").fine
    assert (red_light.minimum, red_light.middle, red_light.maximum) == (18_000_000, 19_000_000, 20_000_000)
    assert red_light.allowed(0, 0) == (19_000_000, 19_000_000)
    assert red_light.allowed(1, 1) == (19_000_000, 19_000_000)
    assert red_light.allowed(2, 1) == (18_000_000, 19_000_000)
    assert red_light.allowed(0, 1) == (19_000_000, 20_000_000)


def test_surcharge_is_exact_integer_dong_rounded_half_up():
    assert rules.surcharge(19_000_000, 0) == 0
    assert rules.surcharge(19_000_000, 1) == 9_500
    assert rules.surcharge(19_000_000, 30) == 285_000
    assert rules.surcharge(1_000, 1) == 1  # 0.5 rounds up
    assert rules.surcharge(999, 1) == 0  # 0.4995 rounds down
    assert rules.surcharge(450_001, 7) == 1_575  # 1575.0035
    assert rules.surcharge(450_000, 3) == 675
    # a large case where a float would already lose the exact half
    assert rules.surcharge(40_000_000_001, 1) == 20_000_000  # 20000000.0005 -> down


def test_days_late_start_the_day_after_the_deadline():
    deadline = date(2025, 3, 11)
    assert rules.days_late(deadline, date(2025, 3, 1)) == 0
    assert rules.days_late(deadline, deadline) == 0
    assert rules.days_late(deadline, date(2025, 3, 12)) == 1
    assert rules.days_late(deadline, date(2025, 4, 10)) == 30


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 22, date(2027, 1, 15)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, end):
    assert rules.add_months(start, months) == end


def test_suspension_covers_exactly_its_period():
    periods = [(date(2025, 3, 1), date(2026, 1, 1))]
    assert rules.suspended_on(periods, date(2025, 2, 28)) is None
    assert rules.suspended_on(periods, date(2025, 3, 1)) == date(2026, 1, 1)
    assert rules.suspended_on(periods, date(2025, 12, 31)) == date(2026, 1, 1)
    assert rules.suspended_on(periods, date(2026, 1, 1)) is None


def test_points_are_deducted_and_restored_after_twelve_clean_months():
    deductions = [(date(2025, 1, 10), 4), (date(2025, 6, 1), 6)]
    assert rules.points_on(deductions, date(2025, 1, 9)) == (12, None)
    assert rules.points_on(deductions, date(2025, 1, 10)) == (8, date(2025, 1, 10))
    assert rules.points_on(deductions, date(2025, 6, 1)) == (2, date(2025, 6, 1))
    assert rules.points_on(deductions, date(2026, 5, 31))[0] == 2
    assert rules.points_on(deductions, date(2026, 6, 1))[0] == 12
    # restored before a later deduction
    assert rules.points_on(deductions + [(date(2026, 7, 1), 2)], date(2026, 7, 1))[0] == 10


def test_a_licence_at_zero_points_stays_there_until_retested():
    deductions = [(date(2025, 1, 10), 6), (date(2025, 2, 10), 6)]
    assert rules.points_on(deductions, date(2027, 1, 1))[0] == 0


def test_the_catalogue_is_consistent_and_bilingual():
    entries = catalogue.catalogue()
    assert len(entries) >= 20
    for entry in entries.values():
        assert entry.description_vi and entry.description_en and "168/2024/NĐ-CP" in entry.legal_basis
        assert entry.fine.minimum <= entry.fine.middle <= entry.fine.maximum
    assert catalogue.find("XM-DEN-DO").fine.minimum == 4_000_000 and catalogue.find("XM-DEN-DO").points == 4
    assert catalogue.find("OTO-CON-MUC-3").suspension_months_max == 24
