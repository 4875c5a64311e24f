"""The kiosk's fleet agent (plain Python, no Kivy): enrollment with a one-time code, device tokens, job
metrics, and the heartbeat loop — signed heartbeats with vitals and metrics, signed configuration verified
before it is applied, and the remote commands that come back (run by `fleet_commands.CommandRunner`).

The kiosk app wires it through `AgentHooks` (vitals to report, what to do on lock, restart, ...) and feeds
job metrics with `record_scan` / `record_step` / `record_checkin`. The device key and state live in the
identity store (`fleet_identity`); requests are signed by the channel (`fleet_transport`), so a captured
heartbeat cannot be replayed and nothing can be sent in the kiosk's name without its private key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from kiosk_app.services.fleet_commands import API, AgentHooks, CommandRunner
from kiosk_app.services.fleet_identity import STATE_FILE, DeviceIdentity
from kiosk_app.services.fleet_transport import (
    AgentRefused,
    AgentUnavailable,
    FleetAgentError,
    NotEnrolled,
    RequestsTransport,
    SignedChannel,
    Transport,
)
from shared_schemas import fleet as contract
from shared_schemas.signed import JwsError, b64url_encode, verify_signature

__all__ = [
    "STATE_FILE",
    "AgentHooks",
    "AgentRefused",
    "AgentUnavailable",
    "FleetAgent",
    "FleetAgentError",
    "HeartbeatOutcome",
    "NotEnrolled",
    "RequestsTransport",
    "Transport",
]

log = logging.getLogger(__name__)


@dataclass
class HeartbeatOutcome:
    accepted: bool
    interval_s: int
    configuration_applied: int | None = None
    configuration_refused: str | None = None
    commands: list[tuple[int, str, str]] = field(default_factory=list)  # (id, kind, status)


class FleetAgent:
    def __init__(
        self,
        data_dir: Path | str,
        *,
        transport: Transport,
        app_version: str,
        hooks: AgentHooks | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identity = DeviceIdentity(data_dir)
        self.path = self.identity.path
        self.transport, self.app_version = transport, app_version
        self.hooks = hooks or AgentHooks()
        self.clock = clock
        self.started_at = clock()
        self._lock = threading.RLock()  # heartbeats, metric updates and the runner thread share the agent
        self.channel = SignedChannel(self.identity, transport=lambda: self.transport, clock=lambda: self.clock())
        self.commands = CommandRunner(
            self.identity,
            hooks=lambda: self.hooks,
            verify=self._verified,
            send=lambda *args, **kwargs: self._call(*args, **kwargs),
            clock=lambda: self.clock(),
        )
        self._metrics = self._empty_metrics()
        self._stop = threading.Event()
        self._wake = threading.Event()  # report now (a device failed) instead of at the next interval

    # --- identity -------------------------------------------------------------------------------------
    @property
    def _state(self) -> dict:
        return self.identity.state

    @property
    def _private(self):
        return self.identity.private_key

    def _save(self) -> None:
        self.identity.save()

    @property
    def kiosk_id(self) -> str | None:
        return self._state["kiosk_id"]

    @property
    def public_key(self) -> str:
        return self.identity.public_key

    @property
    def config_version(self) -> int | None:
        return self._state["config_version"]

    @property
    def settings(self) -> dict | None:
        return self._state["settings"]

    @property
    def locked(self) -> bool:
        return self._state["locked"]

    @property
    def lock_message(self) -> str | None:
        return self._state.get("lock_message")

    @property
    def hospital_code(self) -> str | None:
        return self._state.get("hospital_code")

    def enroll(self, code: str, *, serial_number: str | None = None) -> dict:
        """Spend a one-time enrollment code (typed, or the QR text) and register this kiosk's public key."""
        with self._lock:
            if self.kiosk_id:
                raise FleetAgentError(f"already enrolled as {self.kiosk_id}")
            proof = self.identity.sign(contract.enrollment_proof_input(code=code, public_key=self.public_key))
            body = {
                "code": code,
                "public_key": self.public_key,
                "proof": b64url_encode(proof),
                "serial_number": serial_number,
                "app_version": self.app_version,
            }
            reply = self._call("POST", f"{API}/enroll", body, signed=False)
            self._state.update(
                kiosk_id=reply["kiosk_id"],
                signing_keys=reply["signing_keys"],
                hospital_code=reply["hospital_code"],
                location_label=reply["location_label"],
            )
            self._save()
            log.info("enrolled as kiosk %s of %s", reply["kiosk_id"], reply["hospital_code"])
            return reply

    def device_token(self) -> tuple[str, int]:
        """A short-lived access token (role kiosk) for the check-in API, by signing a server challenge."""
        kiosk_id = self._require_enrolled()
        challenge = self._call("POST", f"{API}/device/challenge", {"kiosk_id": kiosk_id}, signed=False)["challenge"]
        signature = self.identity.sign(contract.challenge_signing_input(kiosk_id=kiosk_id, challenge=challenge))
        reply = self._call(
            "POST",
            f"{API}/device/token",
            {"kiosk_id": kiosk_id, "challenge": challenge, "signature": b64url_encode(signature)},
            signed=False,
        )
        return reply["access_token"], reply["expires_in"]

    # --- job metrics ----------------------------------------------------------------------------------
    @staticmethod
    def _empty_metrics() -> dict:
        return {"scans": {}, "checkins_completed": 0, "step_ms": {}}

    def record_scan(self, method: str, succeeded: bool) -> None:
        if method not in contract.SCAN_METHODS:  # an unknown key would make every heartbeat invalid
            raise ValueError(f"unknown scan method {method!r}")
        with self._lock:
            counts = self._metrics["scans"].setdefault(method, {"attempted": 0, "succeeded": 0})
            counts["attempted"] += 1
            counts["succeeded"] += int(succeeded)

    def record_step(self, step: str, milliseconds: float) -> None:
        if step not in contract.CHECKIN_STEPS:
            raise ValueError(f"unknown check-in step {step!r}")
        with self._lock:
            timing = self._metrics["step_ms"].setdefault(step, {"count": 0, "total_ms": 0})
            timing["count"] += 1
            timing["total_ms"] += int(milliseconds)

    def record_checkin(self) -> None:
        with self._lock:
            self._metrics["checkins_completed"] += 1

    # --- heartbeat ------------------------------------------------------------------------------------
    def heartbeat(self) -> HeartbeatOutcome:
        """Send vitals and the metrics gathered since the last accepted heartbeat; apply what comes back."""
        with self._lock:
            self._require_enrolled()
            vitals = dict(self.hooks.vitals())
            body = {
                "app_version": self.app_version,
                "uptime_s": int(self.clock() - self.started_at),
                "config_version": self.config_version,
                "locked": self.locked,
                "devices": vitals["devices"],
                "paper_low": bool(vitals.get("paper_low", False)),
                "outbox_backlog": int(vitals.get("outbox_backlog", 0)),
                "last_error": (vitals.get("last_error") or None),
                "metrics": self._metrics,
            }
            reply = self._call("POST", f"{API}/device/heartbeat", body)
            self._metrics = self._empty_metrics()  # counted by the server; until then they were kept
            outcome = HeartbeatOutcome(True, int(reply.get("heartbeat_interval_s") or 15))
            if reply.get("configuration"):
                try:
                    outcome.configuration_applied = self.apply_configuration(reply["configuration"])
                except FleetAgentError as exc:
                    outcome.configuration_refused = str(exc)
                    log.warning("configuration refused: %s", exc)
            for delivered in reply.get("commands") or []:
                outcome.commands.append(self._handle_command(delivered))
            return outcome

    def apply_configuration(self, token: str) -> int:
        """Verify a signed profile (our backend's key, this kiosk, not older than what runs) and apply it."""
        claims = self._verified(token, contract.CONFIG_TOKEN_TYPE)
        version, settings = claims.get("version"), claims.get("settings")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise FleetAgentError("configuration has no valid version")
        if self.config_version is not None and version < self.config_version:
            raise FleetAgentError(f"configuration v{version} is older than the running v{self.config_version}")
        try:
            settings = contract.FleetSettingsSchema().load(settings)
        except (ValidationError, TypeError) as exc:
            raise FleetAgentError(f"configuration settings are malformed: {exc}") from None
        self.hooks.apply_configuration(settings)
        self._state.update(config_version=version, settings=settings)
        self._save()
        log.info("applied configuration v%s", version)
        return version

    def _verified(self, token: str, typ: str) -> dict:
        if not self._state.get("signing_keys"):
            raise FleetAgentError("no pinned backend key")
        try:
            claims = verify_signature(token, self._state["signing_keys"], typ=typ).claims
        except JwsError as exc:
            raise FleetAgentError(f"signature refused: {exc}") from None
        if claims.get("kiosk") != self.kiosk_id:
            raise FleetAgentError("signed for another kiosk")
        return claims

    # --- plumbing -------------------------------------------------------------------------------------
    def _handle_command(self, delivered: dict) -> tuple[int, str, str]:
        return self.commands.handle(delivered)

    def _require_enrolled(self) -> str:
        if not self.kiosk_id:
            raise NotEnrolled("enroll this kiosk with a code first")
        return self.kiosk_id

    def signed_headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        return self.channel.signed_headers(method, path, body)

    def _call(self, method: str, path: str, payload: dict, *, signed: bool = True) -> dict:
        return self.channel.call(method, path, payload, signed=signed)

    # --- running in the background --------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Heartbeat in a daemon thread at the interval the backend asks for, until `stop()`."""
        thread = threading.Thread(target=self._loop, name="fleet-agent", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Heartbeat now: something the fleet should see at once (the printer ran out of paper)."""
        self._wake.set()

    def _loop(self) -> None:
        interval = 15
        while not self._stop.is_set():
            try:
                interval = self.heartbeat().interval_s
            except FleetAgentError as exc:
                log.warning("heartbeat failed: %s", exc)
            self._wake.wait(interval)
            self._wake.clear()
