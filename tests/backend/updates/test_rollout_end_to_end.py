"""End to end with simulated kiosks (enrolled fleet agents, real A/B slots, the real TUF client, the selfcheck
run from inside the new slot): a good release goes through the canary and the wave moves on; a release whose
health check fails is rolled back by the kiosk itself and the wave halts; a wave whose updated kiosks read
cards worse than the rest halts; outside clinic hours only; emergency stop."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from backend.database import utcnow
from kiosk_app.updater.slots import SlotStore
from tests.backend.helpers import PASSWORD
from tests.backend.updates.update_kit import SimulatedKiosk, kiosk_package


@pytest.fixture(scope="session")
def simulator_pki(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("simulator-pki"))


@pytest.fixture()
def kiosks(client, admin_headers, hospital, tmp_path, trusted_root, v1_package, simulator_pki):
    made = []
    for n in range(3):
        kiosk = SimulatedKiosk(client, admin_headers, hospital.code, tmp_path / f"k{n}", trusted_root, v1_package)
        kiosk.agent.hooks.extra_env["CONGDAN_SIMULATOR_PKI_DIR"] = simulator_pki
        made.append(kiosk)
    return made


def start(client, admin_headers, release_id: int, canaries: list[str], **extra) -> dict:
    body = {"release_id": release_id, "canary_kiosk_ids": canaries, "share_percent": 50, "outside_clinic_hours": False}
    response = client.post("/api/v1/fleet/updates/rollouts", headers=admin_headers, json={**body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def rollout(client, admin_headers, rollout_id: int) -> dict:
    return client.get(f"/api/v1/fleet/updates/rollouts/{rollout_id}", headers=admin_headers).get_json()


def dashboard(app, client, admin) -> str:
    app.config["CONSOLE_COOKIE_SECURE"] = False
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": admin.username, "password": PASSWORD, "csrf_token": token})
    return client.get("/fleet/updates/").text


def test_canary_updates_passes_and_the_wave_moves_on(app, client, admin, admin_headers, kiosks, upload, v2_package):
    canary, second, third = kiosks
    release = upload("2.0.0", v2_package)
    started = start(client, admin_headers, release["id"], [canary.kiosk_id])
    assert (second.update_cycle(), third.update_cycle()) == (("nothing", "running"), ("nothing", "running"))

    assert canary.update_cycle() == ("switched", "confirmed")
    assert canary.running() == "2.0.0" and canary.slots.active_slot() == "B" and canary.restarts == 1
    state = rollout(client, admin_headers, started["id"])
    assert state["state"] == "running" and state["wave"] == "share" and state["wave_members"] == 2

    # Wave 2: half of the hospital (the canary and one more); the other kiosk is offered nothing yet.
    offered = [k for k in (second, third) if k.agent.report()["target_name"]]
    assert len(offered) == 1
    waiting = third if offered[0] is second else second
    assert offered[0].update_cycle() == ("switched", "confirmed")
    assert rollout(client, admin_headers, started["id"])["wave"] == "all"
    assert waiting.update_cycle() == ("switched", "confirmed")
    assert rollout(client, admin_headers, started["id"])["state"] == "completed"
    page = dashboard(app, client, admin)
    assert f'data-kiosk="{canary.kiosk_id}" data-version="2.0.0"' in page
    assert 'data-event="rollout_progressed"' in page and 'data-event="kiosk_confirmed"' in page
    assert 'data-progress="confirmed"' in page


def test_a_release_that_fails_its_health_check_rolls_back_and_halts_the_wave(client, admin_headers, kiosks, upload):
    canary, second, _ = kiosks
    release = upload("2.0.0", kiosk_package("2.0.0", broken=True))
    started = start(client, admin_headers, release["id"], [canary.kiosk_id])

    assert canary.update_cycle() == ("switched", "rolled_back")
    assert canary.running() == "1.0.0" and canary.slots.active_slot() == "A" and canary.restarts == 2
    assert canary.slots.state()["last_result"]["state"] == "rolled_back"
    assert "chip reads broken" in canary.slots.state()["last_result"]["detail"]

    state = rollout(client, admin_headers, started["id"])
    assert state["state"] == "halted" and canary.kiosk_id in state["halted_reason"]
    assert second.update_cycle() == ("nothing", "running")  # a halted wave offers nothing


def test_updated_kiosks_reading_worse_than_the_rest_halt_the_wave(
    app, client, admin_headers, kiosks, upload, v2_package, monkeypatch
):
    canary, second, third = kiosks
    release = upload("2.0.0", v2_package)
    started = start(client, admin_headers, release["id"], [canary.kiosk_id])
    assert canary.update_cycle() == ("switched", "confirmed")

    later = utcnow() + timedelta(minutes=10)  # metrics of the next 5-minute bucket, after the switch
    monkeypatch.setitem(app.config, "CLOCK", lambda: later)
    for kiosk, succeeded in ((canary, False), (second, True), (third, True)):
        kiosk.fleet.clock = lambda: later.timestamp()
        for _ in range(12):
            kiosk.fleet.record_scan("chip", succeeded=succeeded)
        kiosk.fleet.heartbeat()
    second.agent.report()  # any report re-evaluates the wave (this one installs nothing)

    state = rollout(client, admin_headers, started["id"])
    assert state["state"] == "halted" and "card-read rate" in state["halted_reason"]
    assert "0% vs 100%" in state["halted_reason"]


def test_waves_wait_for_the_end_of_clinic_hours(app, client, admin_headers, kiosks, upload, v2_package, monkeypatch):
    canary = kiosks[0]
    release = upload("2.0.0", v2_package)
    start(client, admin_headers, release["id"], [canary.kiosk_id], outside_clinic_hours=True)
    monkeypatch.setitem(app.config, "UPDATE_CLINIC_HOURS", (6, 18))
    # Tomorrow, so both moments come after the rollout started (now): a fixed date made this test fail from the
    # afternoon of that date on (the wave had not started yet at "20:00").
    day = (utcnow() + timedelta(days=1)).date()
    ten_am = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
    monkeypatch.setitem(app.config, "CLOCK", lambda: ten_am)
    canary.fleet.clock = lambda: ten_am.timestamp()
    assert canary.agent.report()["target_name"] is None
    evening = ten_am + timedelta(hours=10)  # 20:00
    monkeypatch.setitem(app.config, "CLOCK", lambda: evening)
    canary.fleet.clock = lambda: evening.timestamp()
    assert canary.agent.report()["target_name"] == "kiosk_app-2.0.0.tar.gz"


def test_emergency_stop_offers_nothing_more(client, admin_headers, kiosks, upload, v2_package):
    canary = kiosks[0]
    release = upload("2.0.0", v2_package)
    started = start(client, admin_headers, release["id"], [canary.kiosk_id])
    response = client.post(
        f"/api/v1/fleet/updates/rollouts/{started['id']}", headers=admin_headers, json={"action": "stop"}
    )
    assert response.status_code == 200 and response.get_json()["state"] == "stopped"
    assert canary.update_cycle() == ("nothing", "running") and canary.running() == "1.0.0"


def test_a_busy_kiosk_verifies_but_does_not_switch(client, admin_headers, kiosks, upload, v2_package):
    canary = kiosks[0]
    release = upload("2.0.0", v2_package)
    start(client, admin_headers, release["id"], [canary.kiosk_id])
    canary.idle = False  # a patient mid-flow, or the outbox not empty
    assert canary.agent.check_once() == "busy"
    assert canary.running() == "1.0.0" and isinstance(canary.slots, SlotStore)
    canary.idle = True
    assert canary.update_cycle() == ("switched", "confirmed")
