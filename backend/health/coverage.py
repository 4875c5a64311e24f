"""BHYT rules (pure): card validity, in-route / out-of-route, and the share the insurance covers.

Mức hưởng (benefit level) is the digit after the two-letter group code of the 15-character card code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Benefit-level digit -> share of covered costs, in percent.
BENEFIT_SHARE = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}
CHILD_GROUP = "TE"  # children under 6: always 100 %

# Statutory base salary (lương cơ sở) with the date it took effect; newest last.
BASE_SALARY_HISTORY = ((date(2023, 7, 1), 1_800_000), (date(2024, 7, 1), 2_340_000))
LOW_COST_SHARE_PERCENT = 15  # a visit below 15 % of the base salary is covered in full

# Out-of-route share as a fraction of the in-route share, by hospital level and visit type.
OUT_OF_ROUTE = {
    ("district", "outpatient"): 1.0, ("district", "inpatient"): 1.0,
    ("provincial", "outpatient"): 0.0, ("provincial", "inpatient"): 1.0,
    ("central", "outpatient"): 0.0, ("central", "inpatient"): 0.4,
}


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
    current = BASE_SALARY_HISTORY[0][1]
    for since, amount in BASE_SALARY_HISTORY:
        if on >= since:
            current = amount
    return current


def low_cost_threshold(on: date) -> int:
    return base_salary(on) * LOW_COST_SHARE_PERCENT // 100


def in_route_share(card: CardFacts) -> int:
    if card.card_number[:2].upper() == CHILD_GROUP:
        return 100
    return BENEFIT_SHARE.get(card.benefit_level, 0)


def compute(card: CardFacts | None, *, on: date, hospital_level: str, hospital_facility_code: str,
            visit_type: str = "outpatient", referral: bool = False, emergency: bool = False) -> Coverage:
    threshold = low_cost_threshold(on)
    if card is None:
        return Coverage("none", False, "no_card", 0, threshold, None,
                        "Không tìm thấy thẻ BHYT — khám dịch vụ (tự chi trả)",
                        "No health-insurance card found — self-paying visit")
    if on > card.valid_to or on < card.valid_from:
        status = "expired" if on > card.valid_to else "not_yet_valid"
        until = f"{card.valid_to:%d/%m/%Y}"
        vi = f"Thẻ BHYT hết hạn ngày {until} — khám dịch vụ" if status == "expired" else \
            f"Thẻ BHYT có hiệu lực từ {card.valid_from:%d/%m/%Y} — khám dịch vụ"
        en = f"Health-insurance card expired on {until} — self-paying visit" if status == "expired" else \
            f"Health-insurance card valid from {card.valid_from:%d/%m/%Y} — self-paying visit"
        return Coverage(status, False, "no_card", 0, threshold, card.valid_to, vi, en)
    share = in_route_share(card)
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
        share = int(round(share * OUT_OF_ROUTE[(hospital_level, visit_type)]))
    until = f"{card.valid_to:%d/%m/%Y}"
    route_vi, route_en = ("đúng tuyến", "in-route") if in_route else ("trái tuyến", "out-of-route")
    if share:
        vi = f"Thẻ BHYT còn hạn đến {until} — {route_vi} — được hưởng {share}%"
        en = f"Health insurance valid until {until} — {route_en} — covers {share}%"
    else:
        vi = f"Thẻ BHYT còn hạn đến {until} — {route_vi} — BHYT không chi trả lần khám này"
        en = f"Health insurance valid until {until} — {route_en} — this visit is not covered"
    return Coverage("valid", in_route, reason, share, threshold, card.valid_to, vi, en)
