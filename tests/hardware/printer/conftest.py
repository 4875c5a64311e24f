"""Fixtures for the printer tests: a ticket, and an ESC/POS device that answers status queries."""

from __future__ import annotations

from datetime import datetime

import pytest
from escpos.printer import Dummy

from hardware.printer import QueueTicket


class StatusDummy(Dummy):
    """A Dummy that answers DLE EOT n with canned status bytes (n=1 printer, n=4 paper sensor)."""

    def __init__(self, online: bytes = b"\x12", paper: bytes = b"\x12") -> None:
        super().__init__()
        self.replies = {1: online, 4: paper}
        self._last_request = 0

    def _raw(self, msg: bytes) -> None:
        if msg[:2] == b"\x10\x04":
            self._last_request = msg[2]
            return
        super()._raw(msg)

    def _read(self) -> bytes:
        return self.replies[self._last_request]


@pytest.fixture
def status_dummy():
    return StatusDummy


@pytest.fixture
def ticket() -> QueueTicket:
    return QueueTicket(
        facility_name="Bệnh viện Đa khoa tỉnh Bắc Ninh",
        department="Khoa Nhi",
        queue_number=7,
        patient_name="Nguyễn Thị Ánh Tuyết",
        patient_id="001190012345",
        issued_at=datetime(2024, 7, 15, 8, 5),
        insurance_status="BHYT còn hạn đến 31/12/2026 — đúng tuyến — 80%",
        ticket_id="QT-20240715-NHI-0007",
    )
