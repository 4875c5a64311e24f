"""BHYT coverage rules from the domain notes (pure functions)."""

from datetime import date

import pytest

from backend.health import coverage

TODAY = date(2026, 3, 2)


def card(code="GD401", level=4, facility="01088", valid_to=date(2026, 12, 31)):
    return coverage.CardFacts(code + "0123456789", date(2026, 1, 1), valid_to, level, facility, "Trạm Y tế")


@pytest.mark.parametrize(("level", "share"), [(1, 100), (2, 100), (3, 95), (4, 80), (5, 100)])
def test_benefit_level_shares_in_route(level, share):
    result = coverage.compute(card(level=level), on=TODAY, hospital_level="central", hospital_facility_code="01088")
    assert (result.in_route, result.route_reason, result.coverage_percent) == (True, "primary_care", share)


def test_children_under_six_are_covered_in_full():
    result = coverage.compute(
        card(code="TE101", level=4), on=TODAY, hospital_level="district", hospital_facility_code="01088"
    )
    assert result.coverage_percent == 100


@pytest.mark.parametrize(
    ("level", "visit", "share"),
    [
        ("district", "outpatient", 80),
        ("district", "inpatient", 80),
        ("provincial", "outpatient", 0),
        ("provincial", "inpatient", 80),
        ("central", "outpatient", 0),
        ("central", "inpatient", 32),
    ],
)
def test_out_of_route_table(level, visit, share):
    result = coverage.compute(card(), on=TODAY, hospital_level=level, hospital_facility_code="01929", visit_type=visit)
    assert not result.in_route and result.coverage_percent == share


@pytest.mark.parametrize("flag", ["referral", "emergency"])
def test_referral_and_emergency_are_in_route(flag):
    result = coverage.compute(
        card(), on=TODAY, hospital_level="central", hospital_facility_code="01929", **{flag: True}
    )
    assert result.in_route and result.route_reason == flag and result.coverage_percent == 80


def test_plain_message_as_the_kiosk_states_it():
    result = coverage.compute(card(), on=TODAY, hospital_level="district", hospital_facility_code="01088")
    assert result.message_vi == "Thẻ BHYT còn hạn đến 31/12/2026 — đúng tuyến — được hưởng 80%"


def test_expired_and_missing_cards_are_not_covered():
    expired = coverage.compute(
        card(valid_to=date(2026, 2, 1)), on=TODAY, hospital_level="district", hospital_facility_code="01088"
    )
    assert (expired.status, expired.coverage_percent) == ("expired", 0)
    assert "hết hạn ngày 01/02/2026" in expired.message_vi
    none = coverage.compute(None, on=TODAY, hospital_level="district", hospital_facility_code="01088")
    assert (none.status, none.coverage_percent) == ("none", 0)


def test_low_cost_threshold_follows_the_base_salary_in_force():
    assert coverage.low_cost_threshold(date(2024, 7, 1)) == 351_000
    assert coverage.low_cost_threshold(date(2024, 6, 30)) == 270_000


@pytest.mark.parametrize(
    ("on", "share"),
    [
        (date(2026, 6, 30), 0),  # Law 51/2024 + Decree 188/2025 first period: not covered
        (date(2026, 7, 1), 40),  # from 1/7/2026: 50 % of the benefit level (80 % -> 40 %)
    ],
)
def test_self_referred_outpatient_at_a_formerly_provincial_hospital_steps_up_on_1_7_2026(on, share):
    result = coverage.compute(
        card(valid_to=date(2027, 12, 31)),
        on=on,
        hospital_level="provincial",
        hospital_facility_code="01929",
        visit_type="outpatient",
    )
    assert (result.in_route, result.coverage_percent) == (False, share)


def test_the_1_7_2026_step_is_half_of_each_benefit_level_rounded_half_up():
    on = date(2026, 7, 1)
    assert coverage.self_referred_share(95, on=on, hospital_level="provincial", visit_type="outpatient") == 48
    assert coverage.self_referred_share(100, on=on, hospital_level="provincial", visit_type="outpatient") == 50
    # the other rows stay as they were
    assert coverage.self_referred_share(80, on=on, hospital_level="central", visit_type="outpatient") == 0
    assert coverage.self_referred_share(80, on=on, hospital_level="central", visit_type="inpatient") == 32


@pytest.mark.parametrize(
    ("on", "route_vi"),
    [
        (date(2025, 6, 30), "trái tuyến"),  # the route system
        (date(2025, 7, 1), "tự đi khám, trái tuyến"),  # Law 51/2024/QH15: technical levels, self-referral
    ],
)
def test_wording_follows_the_1_7_2025_reform(on, route_vi):
    facts = coverage.CardFacts("GD4010123456789", date(2025, 1, 1), date(2025, 12, 31), 4, "01088", "Trạm Y tế")
    result = coverage.compute(facts, on=on, hospital_level="district", hospital_facility_code="01929")
    assert f"— {route_vi} —" in result.message_vi and result.coverage_percent == 80


def test_base_salary_before_and_after_each_decree():
    """Decree 24/2023/NĐ-CP: 1,800,000 from 1/7/2023; Decree 73/2024/NĐ-CP: 2,340,000 from 1/7/2024."""
    assert coverage.base_salary(date(2023, 7, 1)) == 1_800_000
    assert coverage.base_salary(date(2024, 6, 30)) == 1_800_000
    assert coverage.base_salary(date(2024, 7, 1)) == 2_340_000
    assert coverage.base_salary(date(2026, 12, 1)) == 2_340_000  # no later decree shipped (README)
