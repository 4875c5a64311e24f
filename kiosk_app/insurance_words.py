"""Insurance in plain words for the kiosk's insurance screen: who pays what ("BHYT chi trả 80 % — bạn đồng
chi trả 20 %"), why a card does not pay, and what happens next after "Khám BHYT" or "Khám dịch vụ (tự chi
trả)". Never a bare percentage: a lone "0%" reads as "you pay nothing". Plain Python, no Kivy."""

from __future__ import annotations

from datetime import date

from kiosk_app.flow import CheckinView
from kiosk_app.records import Message


def _day(iso: str | None) -> str:
    try:
        return f"{date.fromisoformat(iso):%d/%m/%Y}" if iso else "…"
    except ValueError:
        return iso or "…"


def headline(view: CheckinView | None) -> Message:
    """One sentence, large: what the card pays here today and what the patient pays."""
    if view is None:
        return Message("", "")
    facts = view.coverage
    if facts is None:
        if view.offline or view.coverage_percent is None:
            return Message(
                "Chưa kiểm tra được thẻ BHYT (mất kết nối) — nhân viên sẽ kiểm tra khi gọi số",
                "Insurance not checked yet (no connection) — staff will check it when they call you",
            )
        return _shares(view.coverage_percent, in_route=True)
    if facts.status == "none":
        return Message(
            "Không tìm thấy thẻ BHYT — khám dịch vụ (tự chi trả)", "No health-insurance card found — self-paid visit"
        )
    if facts.status == "expired":
        return Message(
            f"Thẻ BHYT hết hạn ngày {_day(facts.valid_to)} — khám dịch vụ (tự chi trả)",
            f"Your insurance card expired on {_day(facts.valid_to)} — self-paid visit",
        )
    if facts.status == "not_yet_valid":
        return Message(
            "Thẻ BHYT chưa đến ngày có hiệu lực — khám dịch vụ (tự chi trả)",
            "Your insurance card is not valid yet — self-paid visit",
        )
    return _shares(facts.coverage_percent, in_route=facts.in_route)


def _shares(percent: int, *, in_route: bool) -> Message:
    you = 100 - percent
    if not in_route:
        if percent == 0:
            return Message(
                "Không đúng cơ sở đăng ký khám chữa bệnh ban đầu — BHYT không chi trả lần khám này",
                "Not your registered clinic — insurance does not pay for this visit",
            )
        return Message(
            f"Không đúng cơ sở đăng ký — BHYT chi trả {percent} %, bạn đồng chi trả {you} %",
            f"Not your registered clinic — insurance pays {percent} %, you pay {you} %",
        )
    if you == 0:
        return Message(
            "BHYT chi trả 100 % — bạn không phải đồng chi trả",
            "Insurance pays 100 % — you pay nothing towards the covered costs",
        )
    return Message(
        f"BHYT chi trả {percent} % — bạn đồng chi trả {you} %", f"Insurance pays {percent} % — you pay {you} %"
    )


def detail(view: CheckinView | None) -> Message:
    """The smaller line under the headline: the card's validity and registered clinic, when known."""
    facts = view.coverage if view else None
    if facts is None or facts.status != "valid":
        return Message("", "")
    parts_vi, parts_en = [f"Thẻ còn hạn đến {_day(facts.valid_to)}"], [f"Card valid until {_day(facts.valid_to)}"]
    if facts.primary_care_facility_name:
        parts_vi.append(f"nơi đăng ký ban đầu: {facts.primary_care_facility_name}")
        parts_en.append(f"registered clinic: {facts.primary_care_facility_name}")
    return Message(" · ".join(parts_vi), " · ".join(parts_en))


NEXT_INSURED = Message(
    "Khám BHYT: chọn phòng khám, nhận số. Khi được gọi, đưa thẻ căn cước cho nhân viên. "
    "Sau khám, trả phần đồng chi trả tại quầy thu ngân.",
    "Insured visit: choose a clinic and take your number. When called, show your ID card. "
    "After the visit, pay your share at the cashier.",
)
NEXT_SELF_PAID = Message(
    "Khám dịch vụ: chọn phòng khám, nhận số. Bạn tự trả toàn bộ chi phí tại quầy thu ngân sau khám.",
    "Self-paid visit: choose a clinic and take your number. You pay the full cost at the cashier after the visit.",
)
NO_INSURED_VISIT = Message("Lần khám này không dùng được BHYT.", "Insurance cannot be used for this visit.")
PAYMENT_ON_TICKET = {
    "insurance": Message("Khám BHYT", "Insured visit"),
    "self_pay": Message("Khám dịch vụ (tự chi trả)", "Self-paid visit"),
}
