"""The queue ticket (phiếu số thứ tự) and its layout as a pure model: a list of elements a renderer turns
into pixels or ESC/POS bytes, so tests check content without parsing either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from shared_schemas.text import mask_name, mask_personal_id, queue_number_text


class Align(str, Enum):
    LEFT = "left"
    CENTER = "center"


class TextSize(Enum):
    """Font sizes in pixels at 203 dpi (8 dots/mm)."""

    SMALL = 20
    NORMAL = 24
    LARGE = 34
    HUGE = 120


@dataclass(frozen=True)
class TextLine:
    text: str
    size: TextSize = TextSize.NORMAL
    bold: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Rule:
    """A horizontal separator line."""


@dataclass(frozen=True)
class QrCode:
    data: str
    module_px: int = 6


@dataclass(frozen=True)
class Feed:
    lines: int = 1


LayoutElement = TextLine | Rule | QrCode | Feed


@dataclass(frozen=True)
class QueueTicket:
    """One queue ticket for a hospital department."""

    facility_name: str  # e.g. "Bệnh viện Đa khoa tỉnh Bắc Ninh"
    department: str  # khoa / phòng khám
    queue_number: int
    patient_name: str
    patient_id: str  # 12-digit personal ID; printed masked
    issued_at: datetime
    insurance_status: str  # e.g. "BHYT còn hạn đến 31/12/2026 — đúng tuyến — 80%"
    ticket_id: str
    provisional: bool = False  # issued offline from the kiosk's reserved range
    location: str = ""  # room and floor, as the kiosk screen shows them (e.g. "Phòng 203, tầng 2, nhà A")


def layout_ticket(ticket: QueueTicket) -> list[LayoutElement]:
    number = queue_number_text(ticket.queue_number, provisional=ticket.provisional)
    elements: list[LayoutElement] = [
        TextLine(ticket.facility_name.upper(), TextSize.NORMAL, bold=True, align=Align.CENTER),
        TextLine("PHIẾU SỐ THỨ TỰ", TextSize.LARGE, bold=True, align=Align.CENTER),
        TextLine(ticket.department, TextSize.NORMAL, align=Align.CENTER),
    ]
    if ticket.location:
        # Where to go, as on the screen: the patient walks there with the paper, not the screen.
        elements.append(TextLine(ticket.location, TextSize.NORMAL, bold=True, align=Align.CENTER))
    elements += [
        Rule(),
        TextLine(number, TextSize.HUGE, bold=True, align=Align.CENTER),
    ]
    if ticket.provisional:
        elements.append(TextLine("(Số tạm — kiosk ngoại tuyến)", TextSize.SMALL, align=Align.CENTER))
    elements += [
        Rule(),
        TextLine(f"Họ tên: {mask_name(ticket.patient_name)}"),
        TextLine(f"Số định danh: {mask_personal_id(ticket.patient_id)}"),
        TextLine(ticket.insurance_status),
        TextLine(f"Thời gian: {ticket.issued_at:%H:%M  %d/%m/%Y}"),
        QrCode(ticket.ticket_id),
        TextLine(f"Mã phiếu: {ticket.ticket_id}", TextSize.SMALL, align=Align.CENTER),
        TextLine("Vui lòng chờ gọi số. Xin cảm ơn!", TextSize.SMALL, align=Align.CENTER),
        Feed(2),
    ]
    return elements


def demo_ticket(now: datetime) -> QueueTicket:
    """A ticket for a fictional patient, for `python -m hardware print-ticket --demo` and tests."""
    return QueueTicket(
        facility_name="Bệnh viện Đa khoa tỉnh Bắc Ninh",
        department="Phòng khám Nội tổng hợp",
        location="Phòng 203, tầng 2, nhà A",
        queue_number=42,
        patient_name="Nguyễn Thị Ánh Tuyết",
        patient_id="001190012345",
        issued_at=now,
        insurance_status="BHYT còn hạn đến 31/12/2026 — đúng tuyến — 80%",
        ticket_id="QT-20240715-NOI-0042",
    )
