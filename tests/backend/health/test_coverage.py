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
    result = coverage.compute(card(code="TE101", level=4), on=TODAY, hospital_level="district",
                              hospital_facility_code="01088")
    assert result.coverage_percent == 100


@pytest.mark.parametrize(("level", "visit", "share"), [
    ("district", "outpatient", 80), ("district", "inpatient", 80),
    ("provincial", "outpatient", 0), ("provincial", "inpatient", 80),
    ("central", "outpatient", 0), ("central", "inpatient", 32),
])
def test_out_of_route_table(level, visit, share):
    result = coverage.compute(card(), on=TODAY, hospital_level=level, hospital_facility_code="01929",
                              visit_type=visit)
    assert not result.in_route and result.coverage_percent == share


@pytest.mark.parametrize("flag", ["referral", "emergency"])
def test_referral_and_emergency_are_in_route(flag):
    result = coverage.compute(card(), on=TODAY, hospital_level="central", hospital_facility_code="01929",
                              **{flag: True})
    assert result.in_route and result.route_reason == flag and result.coverage_percent == 80


def test_plain_message_as_the_kiosk_states_it():
    result = coverage.compute(card(), on=TODAY, hospital_level="district", hospital_facility_code="01088")
    assert result.message_vi == "Thẻ BHYT còn hạn đến 31/12/2026 — đúng tuyến — được hưởng 80%"


def test_expired_and_missing_cards_are_not_covered():
    expired = coverage.compute(card(valid_to=date(2026, 2, 1)), on=TODAY, hospital_level="district",
                               hospital_facility_code="01088")
    assert (expired.status, expired.coverage_percent) == ("expired", 0)
    assert "hết hạn ngày 01/02/2026" in expired.message_vi
    none = coverage.compute(None, on=TODAY, hospital_level="district", hospital_facility_code="01088")
    assert (none.status, none.coverage_percent) == ("none", 0)


def test_low_cost_threshold_follows_the_base_salary_in_force():
    assert coverage.low_cost_threshold(date(2024, 7, 1)) == 351_000
    assert coverage.low_cost_threshold(date(2024, 6, 30)) == 270_000
