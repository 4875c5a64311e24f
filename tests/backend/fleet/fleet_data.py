"""Fleet test data: a hospital, a test-client transport for the kiosk agent, an enrolled simulated kiosk."""

from __future__ import annotations

import itertools
from datetime import time

from backend.health.models import Department, Hospital
from kiosk_app.services.fleet_agent import AgentHooks, FleetAgent

_serial = itertools.count(1)


def add_hospital(session, *, code: str | None = None, name="Bệnh viện Bạch Mai") -> Hospital:
    n = next(_serial)
    hospital = Hospital(
        code=code or f"BV-FL{n}",
        name=name,
        name_en="Bach Mai Hospital",
        level="central",
        province_code="01",
        facility_code=f"9{n:04d}",
    )
    session.add(hospital)
    session.flush()
    # Its clinics: profiles may list only these (backend/fleet/profiles.py).
    for code, name, name_en in (("NOI", "Khoa Nội", "Internal medicine"), ("MAT", "Khoa Mắt", "Ophthalmology")):
        session.add(
            Department(
                hospital_id=hospital.id,
                code=code,
                name=name,
                name_en=name_en,
                opens_at=time(7),
                closes_at=time(17),
            )
        )
    session.flush()
    return hospital


class ClientTransport:
    """The agent's transport over a Flask test client (the same bytes a real HTTP call would carry)."""

    def __init__(self, client) -> None:
        self.client = client
        self.sent: list[tuple[str, str, bytes, dict]] = []

    def __call__(self, method, path, body, headers):
        self.sent.append((method, path, body, dict(headers)))
        response = self.client.open(path, method=method, data=body, headers=headers)
        return response.status_code, response.get_json(silent=True) or {}


class RecordingHooks(AgentHooks):
    """Hooks that remember what the backend asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []
        self.vitals_now = {
            "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
            "paper_low": False,
            "outbox_backlog": 0,
        }
        self.vitals = lambda: self.vitals_now
        self.apply_configuration = lambda settings: self.calls.append(("config", settings))
        self.lock = lambda message: self.calls.append(("lock", message)) or "out-of-service screen shown"
        self.unlock = lambda: self.calls.append(("unlock",)) or "welcome screen shown"
        self.restart_app = lambda: self.calls.append(("restart",)) or "restart scheduled"
        self.flush_outbox = lambda: self.calls.append(("flush",)) or "0 left"
        self.collect_diagnostics = lambda: self.calls.append(("diagnostics",)) or "uploaded"


def create_code(client, headers, hospital_code: str, label="Sảnh A, tầng 1") -> dict:
    response = client.post(
        "/api/v1/fleet/enrollment-codes",
        headers=headers,
        json={"hospital_code": hospital_code, "location_label": label},
    )
    assert response.status_code == 201, response.json
    return response.json


def enrolled_agent(client, headers, hospital_code: str, data_dir, *, clock=None) -> tuple[FleetAgent, RecordingHooks]:
    hooks = RecordingHooks()
    kwargs = {"clock": clock} if clock else {}
    agent = FleetAgent(data_dir, transport=ClientTransport(client), app_version="1.4.0", hooks=hooks, **kwargs)
    agent.enroll(create_code(client, headers, hospital_code)["code"], serial_number="SN-001")
    return agent, hooks
