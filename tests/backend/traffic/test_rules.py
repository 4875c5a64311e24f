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


ON = date(2026, 3, 1)


def test_surcharge_is_exact_integer_dong_rounded_half_up():
    assert rules.surcharge(19_000_000, 0, ON) == 0
    assert rules.surcharge(19_000_000, 1, ON) == 9_500
    assert rules.surcharge(19_000_000, 30, ON) == 285_000
    assert rules.surcharge(1_000, 1, ON) == 1  # 0.5 rounds up
    assert rules.surcharge(999, 1, ON) == 0  # 0.4995 rounds down
    assert rules.surcharge(450_001, 7, ON) == 1_575  # 1575.0035
    assert rules.surcharge(450_000, 3, ON) == 675
    # a large case where a float would already lose the exact half
    assert rules.surcharge(40_000_000_001, 1, ON) == 20_000_000  # 20000000.0005 -> down


def test_late_days_run_from_the_day_after_the_deadline_to_the_day_before_payment():
    """Ministry of Finance counting (issue 14): paid on day 11 of a 10-day period -> 0 late days, day 12 -> 1."""
    deadline = date(2025, 3, 11)
    assert rules.days_late(deadline, date(2025, 3, 1)) == 0
    assert rules.days_late(deadline, deadline) == 0
    assert rules.days_late(deadline, date(2025, 3, 12)) == 0  # day 11: nothing owed
    assert rules.days_late(deadline, date(2025, 3, 13)) == 1  # day 12: one day
    assert rules.days_late(deadline, date(2025, 4, 10)) == 29


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        # Civil Code 2015 Art. 148(5): a last day on a weekend or holiday moves to the next working day.
        (date(2026, 2, 4), date(2026, 2, 23)),  # day 10 = Sat 14/2; Tết 16-20/2; weekend 21-22/2 -> Mon 23/2
        (date(2026, 2, 3), date(2026, 2, 13)),  # day 10 = Fri 13/2, a working day: stays
        (date(2026, 11, 2), date(2026, 11, 12)),  # Thursday: stays
        (date(2026, 11, 4), date(2026, 11, 16)),  # day 10 = Sat 14/11 -> Mon 16/11
        (date(2026, 11, 14), date(2026, 11, 25)),  # day 10 = Tue 24/11, Vietnam Culture Day -> Wed 25/11
        (date(2025, 12, 23), date(2026, 1, 5)),  # day 10 = Fri 2/1/2026, day off moved (12729/VPCP-KGVX) -> Mon 5/1
        (date(2025, 12, 31), date(2026, 1, 12)),  # day 10 = Sat 10/1/2026, a worked Saturday: still moves, Mon 12/1
        (date(2025, 12, 22), date(2026, 1, 5)),  # day 10 = Thu 1/1 (New Year), Fri 2/1 off, weekend -> Mon 5/1
        (date(2025, 12, 21), date(2025, 12, 31)),  # day 10 = Wed 31/12, a working day
    ],
)
def test_the_payment_deadline_moves_off_weekends_and_holidays(received, last_day):
    assert rules.payment_deadline(received) == last_day


def test_a_fine_received_before_tet_2026_owes_no_surcharge_through_tet():
    deadline = rules.payment_deadline(date(2026, 2, 4))
    assert rules.days_late(deadline, date(2026, 2, 24)) == 0  # paid the day after the moved deadline
    assert rules.days_late(deadline, date(2026, 2, 25)) == 1


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
    assert rules.points_on(deductions, date(2025, 1, 9)).points == 12
    assert rules.points_on(deductions, date(2025, 1, 10)).points == 8
    assert rules.points_on(deductions, date(2025, 6, 1)).points == 2
    assert rules.points_on(deductions, date(2026, 5, 31)).points == 2
    assert rules.points_on(deductions, date(2026, 6, 1)).points == 12
    # restored before a later deduction
    assert rules.points_on(deductions + [(date(2026, 7, 1), 2)], date(2026, 7, 1)).points == 10
    assert rules.points_on(deductions, date(2024, 12, 31)).points == 12  # before the points system


def test_a_licence_at_zero_points_shows_the_earliest_retest_six_months_later():
    """Road Traffic Order and Safety Law 2024 Art. 58(3): re-test no earlier than 6 months after reaching 0."""
    deductions = [(date(2025, 1, 10), 6), (date(2025, 2, 10), 6), (date(2025, 3, 1), 4)]
    standing = rules.points_on(deductions, date(2027, 1, 1))
    assert standing.points == 0 and standing.reached_zero_on == date(2025, 2, 10)
    assert standing.retest_from == date(2025, 8, 10)
    assert rules.points_on(deductions, date(2025, 2, 9)).retest_from is None
    # passing the re-test restores full points; later deductions count from there
    assert rules.points_on(deductions, date(2025, 9, 1), retests=[date(2025, 8, 10)]).points == 12
    again = rules.points_on(deductions + [(date(2025, 9, 2), 4)], date(2025, 9, 2), retests=[date(2025, 8, 10)])
    assert again.points == 8 and again.retest_from is None


def test_the_catalogue_is_consistent_and_bilingual():
    entries = catalogue.catalogue()
    assert len(entries) >= 20
    for entry in entries.values():
        assert entry.description_vi and entry.description_en and "168/2024/NĐ-CP" in entry.legal_basis
        assert entry.fine.minimum <= entry.fine.middle <= entry.fine.maximum
    assert catalogue.find("XM-DEN-DO").fine.minimum == 4_000_000 and catalogue.find("XM-DEN-DO").points == 4
    assert catalogue.find("OTO-CON-MUC-3").suspension_months_max == 24
