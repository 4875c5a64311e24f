"""Done-when: a simulated kiosk enrolls, heartbeats, receives a configuration and a lock command,
acknowledges them, and the dashboard shows each step."""

from __future__ import annotations

import re

import pytest

from kiosk_app.services.fleet_agent import FleetAgent
from tests.backend.fleet.fleet_data import ClientTransport, RecordingHooks
from tests.backend.helpers import PASSWORD


@pytest.fixture()
def http(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_COOKIE_SECURE", False)
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_enroll_heartbeat_configure_lock_acknowledge_seen_on_the_dashboard(http, admin, hospital, tmp_path):
    page = http.get("/login")
    http.post(
        "/login",
        data={"username": admin.username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
    )

    # 1. The admin creates an enrollment code on the dashboard.
    page = http.get("/fleet/enrollment-codes")
    created = http.post(
        "/fleet/enrollment-codes",
        data={
            "hospital_code": hospital.code,
            "csrf_token": _csrf(page.text),
            "location_label": "Sảnh chính, tầng 1",
            "valid_hours": "24",
        },
    )
    code = re.search(r'id="new-code">([A-Z0-9-]+)<', created.text).group(1)

    # 2. The kiosk enrolls with it: the code shows as used, the kiosk as never seen.
    hooks = RecordingHooks()
    agent = FleetAgent(tmp_path / "kiosk", transport=ClientTransport(http), app_version="1.4.0", hooks=hooks)
    agent.enroll(code)
    assert agent.kiosk_id in http.get("/fleet/enrollment-codes").text
    overview = http.get("/fleet/").text
    assert f'data-kiosk="{agent.kiosk_id}" data-connectivity="never_seen"' in overview

    # 3. First heartbeat: online, with its version; it gets and applies the default configuration (v0).
    agent.record_scan("chip", succeeded=True)
    agent.record_checkin()
    assert agent.heartbeat().configuration_applied == 0
    assert f'data-kiosk="{agent.kiosk_id}" data-connectivity="online"' in http.get("/fleet/").text

    # 4. A new configuration version is signed and applied; the kiosk page shows it running.
    page = http.get("/fleet/profiles")
    http.post(
        "/fleet/profiles",
        data={
            "target": f"k:{agent.kiosk_id}",
            "idle_timeout_s": "45",
            "lang_vi": "on",
            "lang_en": "on",
            "heartbeat_interval_s": "20",
            "department": [f"{hospital.code}:NOI", f"{hospital.code}:MAT"],
            "copies": "1",
            "paper_width_mm": "80",
            "cut": "on",
            "csrf_token": _csrf(page.text),
        },
    )
    version = agent.heartbeat().configuration_applied
    assert version and hooks.calls[-1] == ("config", agent.settings) and agent.settings["idle_timeout_s"] == 45
    agent.heartbeat()
    detail = http.get(f"/fleet/kiosks/{agent.kiosk_id}").text
    assert f"đang chạy v{version} · được giao v{version}" in detail

    # 5. The admin locks it; the command is queued, delivered, run and acknowledged.
    sent = http.post(
        f"/fleet/kiosks/{agent.kiosk_id}/commands",
        data={"kind": "lock", "csrf_token": _csrf(detail), "message": "Tạm ngưng để bảo trì"},
    )
    assert sent.status_code == 303
    assert 'data-kind="lock" data-state="queued"' in http.get(f"/fleet/kiosks/{agent.kiosk_id}").text
    outcome = agent.heartbeat()
    assert outcome.commands[0][1:] == ("lock", "succeeded") and agent.locked
    agent.heartbeat()
    detail = http.get(f"/fleet/kiosks/{agent.kiosk_id}").text
    assert 'data-kind="lock" data-state="succeeded"' in detail and "out-of-service screen shown" in detail
    assert "Đang khoá" in detail
