"""What kiosks report about their updates: trusted only as far as the backend can check it (a confirmation needs
a heartbeat as the new version), one audit event per change, and crashes of updated kiosks halt the wave."""

from __future__ import annotations

import sqlalchemy as sa

from backend.updates.models import KioskUpdate, UpdateEvent
from tests.backend.updates.update_kit import SimulatedKiosk


def _kiosk(client, admin_headers, hospital, tmp_path, trusted_root, v1_package) -> SimulatedKiosk:
    return SimulatedKiosk(client, admin_headers, hospital.code, tmp_path / "k", trusted_root, v1_package)


def _rollout(client, admin_headers, upload, v2_package, kiosk) -> dict:
    release = upload("2.0.0", v2_package)
    body = {"release_id": release["id"], "canary_kiosk_ids": [kiosk.kiosk_id], "outside_clinic_hours": False}
    return client.post("/api/v1/fleet/updates/rollouts", headers=admin_headers, json=body).get_json()


def test_a_confirmation_without_a_heartbeat_as_the_new_version_is_not_believed(
    client, session, admin_headers, hospital, tmp_path, trusted_root, v1_package, v2_package, upload
):
    kiosk = _kiosk(client, admin_headers, hospital, tmp_path, trusted_root, v1_package)
    started = _rollout(client, admin_headers, upload, v2_package, kiosk)
    kiosk.fleet.heartbeat()  # as 1.0.0
    claim = {"running_version": "2.0.0", "slot": "B", "rollout_id": started["id"], "target_version": "2.0.0"}
    kiosk.agent.report("confirmed", **claim)
    assert session.get(KioskUpdate, kiosk.kiosk_id).state == "switched"
    rollout = client.get(f"/api/v1/fleet/updates/rollouts/{started['id']}", headers=admin_headers).get_json()
    assert rollout["wave"] == "canary"

    kiosk.fleet.app_version = "2.0.0"
    kiosk.fleet.heartbeat()
    kiosk.agent.report("confirmed", **claim)
    kiosk.agent.report("confirmed", **claim)  # repeated at every check
    assert session.get(KioskUpdate, kiosk.kiosk_id).state == "confirmed"
    events = session.scalars(
        sa.select(UpdateEvent.action).where(UpdateEvent.kiosk_id == kiosk.kiosk_id).order_by(UpdateEvent.id)
    ).all()
    assert events.count("kiosk_confirmed") == 1
    rollout = client.get(f"/api/v1/fleet/updates/rollouts/{started['id']}", headers=admin_headers).get_json()
    assert rollout["wave"] != "canary"  # its only kiosk confirmed: the wave moved on


def test_an_updated_kiosk_that_crashed_repeatedly_halts_the_wave(
    client, admin_headers, hospital, tmp_path, trusted_root, v1_package, v2_package, upload
):
    kiosk = _kiosk(client, admin_headers, hospital, tmp_path, trusted_root, v1_package)
    started = _rollout(client, admin_headers, upload, v2_package, kiosk)
    kiosk.fleet.app_version = "2.0.0"
    kiosk.fleet.heartbeat()
    claim = {"running_version": "2.0.0", "slot": "B", "rollout_id": started["id"], "target_version": "2.0.0"}
    kiosk.agent.report("confirmed", crashes=2, **claim)  # the boot guard counted two unclean starts
    rollout = client.get(f"/api/v1/fleet/updates/rollouts/{started['id']}", headers=admin_headers).get_json()
    assert rollout["state"] == "halted" and "crashed repeatedly" in rollout["halted_reason"]
