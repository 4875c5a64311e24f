"""The kiosk's fleet agent against a fake backend: identity storage, request signing, what it accepts."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk_app.services.fleet_agent import (
    AgentRefused,
    AgentUnavailable,
    FleetAgent,
    FleetAgentError,
    NotEnrolled,
)
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_decode, public_jwk, sign_compact

SETTINGS = {
    "idle_timeout_s": 60,
    "languages": ["vi"],
    "departments": [],
    "heartbeat_interval_s": 10,
    "printer": {"copies": 1},
}


class FakeBackend:
    """Answers enrollment and heartbeats; checks every signed request against the registered key."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.public_key: str | None = None
        self.replies: list[dict] = []
        self.requests: list[tuple[str, dict, dict]] = []
        self.down = False

    def sign(self, claims: dict, typ: str, key=None) -> str:
        return sign_compact(claims, key or self.key, "fleet-test", typ)

    def __call__(self, method, path, body, headers):
        if self.down:
            raise AgentUnavailable("connection refused")
        payload = json.loads(body)
        self.requests.append((path, payload, headers))
        if path.endswith("/enroll"):
            Ed25519PublicKey.from_public_bytes(b64url_decode(payload["public_key"])).verify(
                b64url_decode(payload["proof"]),
                contract.enrollment_proof_input(code=payload["code"], public_key=payload["public_key"]),
            )
            self.public_key = payload["public_key"]
            return 201, {
                "kiosk_id": "KSK-0000ABCD",
                "hospital_code": "BV-X",
                "location_label": "Sảnh",
                "heartbeat_interval_s": 15,
                "signing_keys": {"keys": [public_jwk(self.key, "fleet-test")]},
            }
        message = contract.request_signing_input(
            method=method,
            path=path,
            kiosk_id=headers[contract.HEADER_KIOSK],
            timestamp=int(headers[contract.HEADER_TIMESTAMP]),
            nonce=headers[contract.HEADER_NONCE],
            body=body,
        )
        Ed25519PublicKey.from_public_bytes(b64url_decode(self.public_key)).verify(
            b64url_decode(headers[contract.HEADER_SIGNATURE]), message
        )
        if path.endswith("/heartbeat"):
            return 200, (self.replies.pop(0) if self.replies else {"heartbeat_interval_s": 15, "commands": []})
        return 200, {"state": payload["status"]}


@pytest.fixture()
def backend():
    return FakeBackend()


@pytest.fixture()
def agent(tmp_path, backend):
    agent = FleetAgent(tmp_path, transport=backend, app_version="1.0", clock=lambda: 1_800_000_000.0)
    agent.enroll("ABCD-EFGH-JKLM")
    return agent


def test_key_pair_is_generated_once_and_kept_private(tmp_path, backend):
    first = FleetAgent(tmp_path, transport=backend, app_version="1.0")
    assert stat.S_IMODE((tmp_path / "fleet_identity.json").stat().st_mode) == 0o600
    assert FleetAgent(tmp_path, transport=backend, app_version="1.0").public_key == first.public_key
    with pytest.raises(NotEnrolled):
        first.heartbeat()


def test_enrollment_pins_the_backend_key_and_survives_a_restart(tmp_path, agent, backend):
    again = FleetAgent(tmp_path, transport=backend, app_version="1.0")
    assert again.kiosk_id == "KSK-0000ABCD" and again._state["signing_keys"]["keys"][0]["kid"] == "fleet-test"
    with pytest.raises(FleetAgentError, match="already enrolled"):
        again.enroll("ABCD-EFGH-JKLM")


def test_every_heartbeat_has_a_fresh_nonce_and_a_valid_signature(agent, backend):
    agent.heartbeat()
    agent.heartbeat()
    nonces = [headers[contract.HEADER_NONCE] for path, _, headers in backend.requests if path.endswith("heartbeat")]
    assert len(set(nonces)) == 2 and all(contract.NONCE_PATTERN.fullmatch(n) for n in nonces)


def test_metrics_are_kept_until_a_heartbeat_is_accepted(agent, backend):
    agent.record_scan("chip", succeeded=True)
    agent.record_step("identify", 3500.4)
    backend.down = True
    with pytest.raises(AgentUnavailable):
        agent.heartbeat()
    backend.down = False
    agent.record_scan("chip", succeeded=False)
    agent.heartbeat()
    sent = backend.requests[-1][1]["metrics"]
    assert sent["scans"]["chip"] == {"attempted": 2, "succeeded": 1}
    assert sent["step_ms"]["identify"] == {"count": 1, "total_ms": 3500}
    agent.heartbeat()
    assert backend.requests[-1][1]["metrics"]["scans"] == {}
    with pytest.raises(ValueError):
        agent.record_scan("fingerprint", succeeded=True)


def test_genuine_configuration_is_applied_and_reported(agent, backend):
    applied = []
    agent.hooks.apply_configuration = applied.append
    backend.replies.append(
        {
            "heartbeat_interval_s": 10,
            "commands": [],
            "configuration": backend.sign(
                {"kiosk": "KSK-0000ABCD", "version": 7, "settings": SETTINGS}, contract.CONFIG_TOKEN_TYPE
            ),
        }
    )
    assert agent.heartbeat().configuration_applied == 7 and applied[0]["idle_timeout_s"] == 60
    agent.heartbeat()
    assert backend.requests[-1][1]["config_version"] == 7


@pytest.mark.parametrize(
    "claims, key, reason",
    [
        (
            {"kiosk": "KSK-0000ABCD", "version": 8, "settings": SETTINGS},
            Ed25519PrivateKey.generate(),
            "signature",
        ),
        ({"kiosk": "KSK-FFFFFFFF", "version": 8, "settings": SETTINGS}, None, "another kiosk"),
        ({"kiosk": "KSK-0000ABCD", "version": 3, "settings": SETTINGS}, None, "older"),
        ({"kiosk": "KSK-0000ABCD", "version": 9, "settings": {"idle_timeout_s": 1}}, None, "malformed"),
    ],
)
def test_forged_foreign_old_or_malformed_configuration_is_refused(agent, backend, claims, key, reason):
    agent._state["config_version"] = 5
    token = backend.sign(claims, contract.CONFIG_TOKEN_TYPE, key=key)
    with pytest.raises(FleetAgentError, match=reason):
        agent.apply_configuration(token)
    assert agent.config_version == 5


def test_lock_runs_once_and_is_acknowledged_again_when_redelivered(agent, backend):
    locks = []
    agent.hooks.lock = lambda message: locks.append(message) or "locked"
    token = backend.sign(
        {
            "kiosk": "KSK-0000ABCD",
            "cmd": 3,
            "kind": "lock",
            "params": {"message": "Bảo trì"},
            "exp": 1_800_000_600,
        },
        contract.COMMAND_TOKEN_TYPE,
    )
    delivery = {"heartbeat_interval_s": 15, "commands": [{"id": 3, "kind": "lock", "token": token}]}
    backend.replies += [delivery, delivery]
    assert agent.heartbeat().commands == [(3, "lock", "succeeded")]
    assert agent.heartbeat().commands == [(3, "lock", "succeeded")]
    assert locks == ["Bảo trì"] and agent.locked
    acks = [payload for path, payload, _ in backend.requests if path.endswith("/3/result")]
    assert acks == [{"status": "succeeded", "detail": "locked"}] * 2


def test_forged_or_expired_command_is_not_run_nor_acknowledged(agent, backend):
    forged = backend.sign(
        {"kiosk": "KSK-0000ABCD", "cmd": 4, "kind": "unlock", "exp": 1_800_000_600},
        contract.COMMAND_TOKEN_TYPE,
        key=Ed25519PrivateKey.generate(),
    )
    expired = backend.sign(
        {"kiosk": "KSK-0000ABCD", "cmd": 5, "kind": "unlock", "exp": 1_700_000_000},
        contract.COMMAND_TOKEN_TYPE,
    )
    mismatched = backend.sign(
        {"kiosk": "KSK-0000ABCD", "cmd": 6, "kind": "unlock", "exp": 1_800_000_600},
        contract.COMMAND_TOKEN_TYPE,
    )
    backend.replies.append(
        {
            "heartbeat_interval_s": 15,
            "commands": [
                {"id": 4, "kind": "unlock", "token": forged},
                {"id": 5, "kind": "unlock", "token": expired},
                {"id": 6, "kind": "lock", "token": mismatched},
            ],
        }
    )
    assert [status for _, _, status in agent.heartbeat().commands] == ["refused"] * 3
    assert not [path for path, _, _ in backend.requests if path.endswith("/result")]


def test_refusal_carries_the_problem(agent, backend, monkeypatch):
    monkeypatch.setattr(agent, "transport", lambda *a: (403, {"code": "kiosk-not-active", "detail": "suspended"}))
    with pytest.raises(AgentRefused) as refused:
        agent.heartbeat()
    assert refused.value.status == 403 and refused.value.problem["code"] == "kiosk-not-active"


def test_wake_sends_a_heartbeat_at_once_instead_of_at_the_next_interval(agent, backend):
    """A printer out of paper reaches the fleet now: the running loop heartbeats again as soon as it is woken."""
    import threading

    beats = threading.Semaphore(0)
    real = agent.heartbeat

    def counted():
        try:
            return real()
        finally:
            beats.release()

    agent.heartbeat = counted
    backend.replies = [{"heartbeat_interval_s": 3600}] * 3  # the next interval would be an hour away
    agent.start()
    try:
        assert beats.acquire(timeout=5)
        agent.wake()
        assert beats.acquire(timeout=5)  # well before the hour
    finally:
        agent.stop()
