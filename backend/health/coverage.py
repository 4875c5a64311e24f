"""BHYT rules (pure): card validity, in-route / self-referred, and the share the insurance covers.

Mức hưởng (benefit level) is the digit after the two-letter group code of the 15-character card code. The
tables are dated legal parameters (backend/law/data/health.json): the route system until 30/6/2025, technical
levels from 1/7/2025 (Law 51/2024/QH15, Decree 188/2025/NĐ-CP) and the 1/7/2026 step. The transitional rules name
a facility by the level it had before 1/1/2025 (district / provincial / central), which is what we record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.law import store

CHILD_GROUP = "TE"  # children under 6: always 100 %
LEVELS_FROM = date(2025, 7, 1)  # Law 51/2024/QH15: technical levels replace routes


@dataclass(frozen=True)
class CardFacts:
    card_number: str
    valid_from: date
    valid_to: date
    benefit_level: int
    primary_care_facility_code: str
    primary_care_facility_name: str


@dataclass(frozen=True)
class Coverage:
    status: str  # valid | expired | not_yet_valid | none
    in_route: bool
    route_reason: str  # primary_care | referral | emergency | out_of_route | no_card
    coverage_percent: int
    low_cost_threshold_dong: int
    valid_to: date | None
    message_vi: str
    message_en: str


def base_salary(on: date) -> int:
    """Statutory base salary in force on `on` (Decree 24/2023, 73/2024, ... as loaded)."""
    return store.value("health.base_salary", on)


def low_cost_threshold(on: date) -> int:
    return base_salary(on) * store.value("health.low_cost_share_percent", on) // 100


def in_route_share(card: CardFacts, on: date) -> int:
    if card.card_number[:2].upper() == CHILD_GROUP:
        return 100
    return store.value("health.benefit_levels", on).get(str(card.benefit_level), 0)


def self_referred_share(share: int, *, on: date, hospital_level: str, visit_type: str) -> int:
    """The benefit paid for self-referred care (no referral, not the registered facility, not an emergency) on
    `on`, rounded half up to a whole percent: e.g. a code-4 card (80 %) outpatient at a formerly provincial
    hospital: 0 % until 30/6/2026, 40 % from 1/7/2026."""
    numerator, denominator = store.value("health.self_referred_share", on)[hospital_level][visit_type]
    return (2 * share * numerator + denominator) // (2 * denominator)


def compute(
    card: CardFacts | None,
    *,
    on: date,
    hospital_level: str,
    hospital_facility_code: str,
    visit_type: str = "outpatient",
    referral: bool = False,
    emergency: bool = False,
) -> Coverage:
    threshold = low_cost_threshold(on)
    if card is None:
        return Coverage(
            "none",
            False,
            "no_card",
            0,
            threshold,
            None,
            "Không tìm thấy thẻ BHYT — khám dịch vụ (tự chi trả)",
            "No health-insurance card found — self-paying visit",
        )
    if on > card.valid_to or on < card.valid_from:
        status = "expired" if on > card.valid_to else "not_yet_valid"
        until = f"{card.valid_to:%d/%m/%Y}"
        vi = (
            f"Thẻ BHYT hết hạn ngày {until} — khám dịch vụ"
            if status == "expired"
            else f"Thẻ BHYT có hiệu lực từ {card.valid_from:%d/%m/%Y} — khám dịch vụ"
        )
        en = (
            f"Health-insurance card expired on {until} — self-paying visit"
            if status == "expired"
            else f"Health-insurance card valid from {card.valid_from:%d/%m/%Y} — self-paying visit"
        )
        return Coverage(status, False, "no_card", 0, threshold, card.valid_to, vi, en)
    share = in_route_share(card, on)
    if emergency:
        reason = "emergency"
    elif referral:
        reason = "referral"
    elif card.primary_care_facility_code == hospital_facility_code:
        reason = "primary_care"
    else:
        reason = "out_of_route"
    in_route = reason != "out_of_route"
    if not in_route:
        share = self_referred_share(share, on=on, hospital_level=hospital_level, visit_type=visit_type)
    until = f"{card.valid_to:%d/%m/%Y}"
    route_vi, route_en = ("đúng tuyến", "in-route") if in_route else ("trái tuyến", "out-of-route")
    if not in_route and on >= LEVELS_FROM:
        route_vi, route_en = "tự đi khám, trái tuyến", "self-referred, out-of-route"
    if share:
        vi = f"Thẻ BHYT còn hạn đến {until} — {route_vi} — được hưởng {share}%"
        en = f"Health insurance valid until {until} — {route_en} — covers {share}%"
    else:
        vi = f"Thẻ BHYT còn hạn đến {until} — {route_vi} — BHYT không chi trả lần khám này"
        en = f"Health insurance valid until {until} — {route_en} — this visit is not covered"
    return Coverage("valid", in_route, reason, share, threshold, card.valid_to, vi, en)
