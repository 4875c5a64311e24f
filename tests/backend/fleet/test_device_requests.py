"""Signed kiosk requests: replays, forgeries, unknown keys, tampering and clocks are refused."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode
from tests.backend.helpers import bearer

HEARTBEAT = "/api/v1/fleet/device/heartbeat"
BODY = json.dumps(
    {
        "app_version": "1.4.0",
        "uptime_s": 30,
        "config_version": 0,
        "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
    }
).encode()


def _post(client, path, body, headers):
    return client.post(path, data=body, headers={"Content-Type": "application/json", **headers})


def _forged_headers(kiosk_id: str, path: str, body: bytes, *, key=None, timestamp=None, nonce="n" * 24):
    import time

    key = key or Ed25519PrivateKey.generate()
    timestamp = int(time.time()) if timestamp is None else timestamp
    message = contract.request_signing_input(
        method="POST", path=path, kiosk_id=kiosk_id, timestamp=timestamp, nonce=nonce, body=body
    )
    return {
        contract.HEADER_KIOSK: kiosk_id,
        contract.HEADER_TIMESTAMP: str(timestamp),
        contract.HEADER_NONCE: nonce,
        contract.HEADER_SIGNATURE: b64url_encode(key.sign(message)),
    }


def test_signed_heartbeat_is_accepted_and_its_replay_refused(client, agent):
    headers = agent.signed_headers("POST", HEARTBEAT, BODY)
    assert _post(client, HEARTBEAT, BODY, headers).status_code == 200
    replay = _post(client, HEARTBEAT, BODY, headers)
    assert replay.status_code == 401 and replay.json["code"] == "replayed-request"


def test_heartbeat_signed_by_an_unknown_key_is_refused(client, agent):
    response = _post(client, HEARTBEAT, BODY, _forged_headers(agent.kiosk_id, HEARTBEAT, BODY))
    assert response.status_code == 401 and response.json["code"] == "device-signature-refused"


def test_heartbeat_from_an_unknown_kiosk_is_refused(client, agent):
    response = _post(client, HEARTBEAT, BODY, _forged_headers("KSK-00000000", HEARTBEAT, BODY))
    assert response.status_code == 401 and response.json["code"] == "device-signature-refused"


def test_tampered_body_or_path_is_refused(client, agent):
    headers = agent.signed_headers("POST", HEARTBEAT, BODY)
    assert _post(client, HEARTBEAT, BODY.replace(b"30", b"31"), headers).status_code == 401
    headers = agent.signed_headers("POST", "/api/v1/fleet/device/commands/1/result", BODY)
    assert _post(client, HEARTBEAT, BODY, headers).status_code == 401


def test_stale_timestamp_is_refused_with_the_server_time(client, agent):
    headers = _forged_headers(agent.kiosk_id, HEARTBEAT, BODY, key=agent._private, timestamp=1_000_000_000)
    response = _post(client, HEARTBEAT, BODY, headers)
    assert response.status_code == 401 and response.json["code"] == "stale-request"
    assert response.json["server_time"] > 1_700_000_000


def test_agent_with_a_wrong_clock_resynchronises(client, agent):
    agent.clock = lambda: 1_000_000_000.0
    agent.started_at = 999_999_000.0
    assert agent.heartbeat().accepted


def test_unsigned_or_bearer_only_requests_are_refused(client, agent):
    assert _post(client, HEARTBEAT, BODY, {}).status_code == 401
    token, _ = agent.device_token()
    assert _post(client, HEARTBEAT, BODY, bearer(token)).status_code == 401
    malformed = {
        contract.HEADER_KIOSK: agent.kiosk_id,
        contract.HEADER_TIMESTAMP: "soon",
        contract.HEADER_NONCE: "x",
        contract.HEADER_SIGNATURE: "y",
    }
    assert _post(client, HEARTBEAT, BODY, malformed).status_code == 401


def test_invalid_heartbeat_body_is_a_problem_after_the_signature(client, agent):
    body = json.dumps({"app_version": "1", "uptime_s": -1}).encode()
    response = _post(client, HEARTBEAT, body, agent.signed_headers("POST", HEARTBEAT, body))
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    # The nonce of a refused request was not kept, but a new request needs a new nonce anyway.
    assert agent.heartbeat().accepted


def test_command_result_from_an_unknown_key_is_refused(client, agent, admin_headers):
    command = client.post(
        f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers, json={"kind": "lock"}
    ).json
    path = f"/api/v1/fleet/device/commands/{command['id']}/result"
    body = json.dumps({"status": "succeeded", "detail": "forged"}).encode()
    response = _post(client, path, body, _forged_headers(agent.kiosk_id, path, body))
    assert response.status_code == 401
    state = client.get(f"/api/v1/fleet/kiosks/{agent.kiosk_id}/commands", headers=admin_headers).json[0]["state"]
    assert state == "queued"


def test_a_kiosk_cannot_acknowledge_another_kiosks_command(client, agent, admin_headers, hospital, tmp_path):
    from tests.backend.fleet.fleet_data import enrolled_agent

    other, _ = enrolled_agent(client, admin_headers, hospital.code, tmp_path / "other")
    command = client.post(
        f"/api/v1/fleet/kiosks/{other.kiosk_id}/commands", headers=admin_headers, json={"kind": "unlock"}
    ).json
    path = f"/api/v1/fleet/device/commands/{command['id']}/result"
    body = json.dumps({"status": "succeeded"}).encode()
    assert _post(client, path, body, agent.signed_headers("POST", path, body)).status_code == 404
