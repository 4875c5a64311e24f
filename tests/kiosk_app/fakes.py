"""Test doubles for the kiosk: an API that can be switched off, and synchronous background work."""

from __future__ import annotations

import itertools

from kiosk_app.services.api import ApiRefused, ApiUnavailable

DEPARTMENTS = [
    {
        "code": "NOI",
        "name": "Phòng khám Nội tổng hợp",
        "name_en": "General internal medicine",
        "location": "Tầng 2, nhà A",
        "open_now": True,
    },
    {"code": "NHI", "name": "Phòng khám Nhi", "name_en": "Paediatrics", "location": "Tầng 1, nhà B", "open_now": True},
    {
        "code": "TMH",
        "name": "Phòng khám Tai Mũi Họng",
        "name_en": "Ear, nose and throat",
        "location": "Tầng 3, nhà A",
        "open_now": False,
    },
]
PROFILE = {
    "username": "kiosk.1",
    "display_name": "Ki-ốt 1",
    "provisional_range_start": 10_000,
    "provisional_range_end": 10_099,
    "hospital": {
        "code": "BV-BACHMAI",
        "name": "Bệnh viện Bạch Mai",
        "name_en": "Bach Mai Hospital",
        "level": "central",
        "province_code": "01",
    },
}


class FakeApi:
    """Answers like the backend; `online = False` makes every call fail as a dropped network would."""

    def __init__(self) -> None:
        self.online = True
        self.refuse: int | None = None
        self.checkins: dict[str, dict] = {}  # idempotency key -> response
        self.tickets: dict[str, dict] = {}
        self.numbers = itertools.count(1)
        self.help_calls: list[dict] = []

    def _gate(self):
        if not self.online:
            raise ApiUnavailable("network down")
        if self.refuse:
            raise ApiRefused(self.refuse, {"detail": "refused"})

    def kiosk_profile(self):
        self._gate()
        return PROFILE

    def departments(self, hospital_code):
        self._gate()
        return DEPARTMENTS

    def jwks(self):
        self._gate()
        return {"keys": []}

    def check_in(self, payload, *, idempotency_key):
        self._gate()
        if idempotency_key not in self.checkins:
            self.checkins[idempotency_key] = {
                "id": f"c{len(self.checkins) + 1}",
                "payload": payload,
                "patient": {"full_name": "Nguyễn Văn An", "personal_id_masked": "0010******45"},
                "insurance": {
                    "message_vi": "Thẻ BHYT còn hạn đến 31/12/2026 — đúng tuyến — được hưởng 80%",
                    "message_en": "Health insurance valid until 31/12/2026 — in-route — covers 80%",
                    "coverage_percent": 80,
                },
            }
        return self.checkins[idempotency_key]

    def issue_ticket(
        self, checkin_id, department_code, *, idempotency_key, provisional_number=None, payment="insurance"
    ):
        self._gate()
        if idempotency_key not in self.tickets:
            number = provisional_number or next(self.numbers)
            self.tickets[idempotency_key] = {
                "id": f"t{len(self.tickets) + 1}",
                "number": number,
                "patient_name_masked": "N. V. An",
                "insurance_message_vi": "Thẻ BHYT còn hạn — đúng tuyến — 80%",
                "insurance_message_en": "Insured — in-route — 80%",
                "existing": False,
                "waiting_ahead": 3,
                "checkin_id": checkin_id,
                "department_code": department_code,
                "payment": payment,
            }
        return self.tickets[idempotency_key]

    def request_help(self, body):
        self._gate()
        self.help_calls.append(body)
        return {"id": f"h{len(self.help_calls)}", "state": "open", **body}


def run_now(work, on_done, on_error, **_):
    """Background work, run synchronously (tests of the controller need no threads)."""
    try:
        result = work()
    except Exception as exc:
        on_error(exc)
        return
    on_done(result)
