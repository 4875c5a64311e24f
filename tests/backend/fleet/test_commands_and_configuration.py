"""Signed configuration profiles and remote commands, delivered with heartbeat replies and acknowledged."""

from __future__ import annotations

import contextlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_app.services.fleet_agent import AgentUnavailable
from shared_schemas import fleet as contract
from shared_schemas.signed import sign_compact
from tests.backend.fleet.fleet_data import RecordingHooks

SETTINGS = {
    "idle_timeout_s": 90,
    "languages": ["vi"],
    "departments": ["NOI", "MAT"],
    "heartbeat_interval_s": 20,
    "printer": {"copies": 1, "paper_width_mm": 80, "cut": True},
}


def _kiosk(client, headers, kiosk_id):
    return client.get(f"/api/v1/fleet/kiosks/{kiosk_id}", headers=headers).json


def test_hospital_profile_reaches_the_kiosk_signed_and_the_kiosk_reports_it(client, agent, admin_headers, hospital):
    first = agent.heartbeat()
    assert first.configuration_applied == 0  # the default
    profile = client.post(
        "/api/v1/fleet/profiles",
        headers=admin_headers,
        json={"hospital_code": hospital.code, "settings": SETTINGS},
    )
    assert profile.status_code == 201, profile.json
    version = profile.json["version"]
    outcome = agent.heartbeat()
    assert outcome.configuration_applied == version and outcome.interval_s == 20
    assert agent.settings["departments"] == ["NOI", "MAT"]
    assert _kiosk(client, admin_headers, agent.kiosk_id)["config_version"] == 0  # reported next time
    assert agent.heartbeat().configuration_applied is None  # up to date: nothing sent
    shown = _kiosk(client, admin_headers, agent.kiosk_id)
    assert shown["config_version"] == shown["assigned_config_version"] == version


def test_kiosk_profile_overrides_the_hospitals(client, agent, admin_headers, hospital):
    client.post(
        "/api/v1/fleet/profiles",
        headers=admin_headers,
        json={"hospital_code": hospital.code, "settings": SETTINGS},
    )
    own = client.post(
        "/api/v1/fleet/profiles",
        headers=admin_headers,
        json={"kiosk_id": agent.kiosk_id, "settings": {**SETTINGS, "idle_timeout_s": 30}},
    ).json
    assert agent.heartbeat().configuration_applied == own["version"]
    assert agent.settings["idle_timeout_s"] == 30
    both = client.post(
        "/api/v1/fleet/profiles",
        headers=admin_headers,
        json={"kiosk_id": agent.kiosk_id, "hospital_code": hospital.code, "settings": SETTINGS},
    )
    assert both.status_code == 422


def test_lock_command_is_delivered_run_and_acknowledged(client, agent, admin_headers):
    hooks: RecordingHooks = agent.hooks
    agent.heartbeat()
    queued = client.post(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands",
        headers=admin_headers,
        json={"kind": "lock", "message": "Bảo trì máy in"},
    )
    assert queued.status_code == 201 and queued.json["state"] == "queued"
    outcome = agent.heartbeat()
    assert outcome.commands == [(queued.json["id"], "lock", "succeeded")]
    assert ("lock", "Bảo trì máy in") in hooks.calls and agent.locked
    command = client.get(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers).json[0]
    assert command["state"] == "succeeded" and command["result"] == "out-of-service screen shown"
    agent.heartbeat()
    assert _kiosk(client, admin_headers, agent.kiosk_id)["locked"] is True


def test_every_command_kind_runs_its_hook(client, agent, admin_headers):
    for kind in contract.COMMAND_KINDS:
        client.post(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers, json={"kind": kind})
    outcome = agent.heartbeat()
    assert [status for _, _, status in outcome.commands] == ["succeeded"] * len(contract.COMMAND_KINDS)
    assert outcome.configuration_applied is not None  # reload_config resends the configuration
    assert {call[0] for call in agent.hooks.calls} >= {"lock", "unlock", "restart", "flush", "diagnostics"}


def test_a_failing_hook_is_reported_as_failed(client, agent, admin_headers):
    def broken():
        raise RuntimeError("disk full")

    agent.hooks.collect_diagnostics = broken
    client.post(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands",
        headers=admin_headers,
        json={"kind": "collect_diagnostics"},
    )
    assert agent.heartbeat().commands[0][2] == "failed"
    command = client.get(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers).json[0]
    assert command["state"] == "failed" and "disk full" in command["result"]


def test_unacknowledged_command_is_redelivered_and_not_rerun(client, agent, admin_headers, monkeypatch):
    client.post(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers, json={"kind": "restart_app"})
    original = agent._call

    def lose_acknowledgements(method, path, payload, signed=True):
        if path.endswith("/result"):
            raise AgentUnavailable("network down")
        return original(method, path, payload, signed=signed)

    monkeypatch.setattr(agent, "_call", lose_acknowledgements)
    with contextlib.suppress(AgentUnavailable):  # the acknowledgement was lost, as intended
        agent.heartbeat()
    monkeypatch.setattr(agent, "_call", original)
    agent.heartbeat()
    assert [c for c in agent.hooks.calls if c[0] == "restart"] == [("restart",)]
    command = client.get(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers).json[0]
    assert command["state"] == "succeeded"


def test_agent_refuses_configuration_and_commands_not_signed_by_the_backend(agent):
    forger = Ed25519PrivateKey.generate()
    kid = agent._state["signing_keys"]["keys"][0]["kid"]
    config = sign_compact(
        {"kiosk": agent.kiosk_id, "version": 99, "settings": {}}, forger, kid, contract.CONFIG_TOKEN_TYPE
    )
    import pytest

    from kiosk_app.services.fleet_agent import FleetAgentError

    with pytest.raises(FleetAgentError, match="signature"):
        agent.apply_configuration(config)
    command = sign_compact(
        {"kiosk": agent.kiosk_id, "cmd": 5, "kind": "unlock", "exp": 2**40},
        forger,
        kid,
        contract.COMMAND_TOKEN_TYPE,
    )
    assert agent._handle_command({"id": 5, "kind": "unlock", "token": command}) == (5, "unlock", "refused")


def test_commands_to_a_suspended_kiosk_are_refused(client, agent, admin_headers):
    client.put(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/status",
        headers=admin_headers,
        json={"status": "suspended", "reason": "maintenance"},
    )
    response = client.post(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers, json={"kind": "unlock"}
    )
    assert response.status_code == 409


def test_a_profile_lists_only_departments_of_its_hospital(client, agent, admin_headers, hospital):
    refused = client.post(
        "/api/v1/fleet/profiles",
        headers=admin_headers,
        json={"kiosk_id": agent.kiosk_id, "settings": {**SETTINGS, "departments": ["NOI", "TIM"]}},
    )
    assert refused.status_code == 422 and "TIM" in refused.json["detail"]
