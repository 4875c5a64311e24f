"""The kiosk's fleet agent (plain Python, no Kivy): its Ed25519 device identity, enrollment with a one-time
code, signed heartbeats with vitals and job metrics, signed configuration it verifies before applying, and
remote commands it runs and acknowledges.

The kiosk app wires it through `AgentHooks` (vitals to report, what to do on lock, restart, ...) and feeds
job metrics with `record_scan` / `record_step` / `record_checkin`. Identity and state live in one JSON file
(mode 0600) in the kiosk's data folder. Requests are signed (timestamp + nonce + body hash), so a captured
heartbeat cannot be replayed and nothing can be sent in the kiosk's name without its private key.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from marshmallow import ValidationError

from shared_schemas import fleet as contract
from shared_schemas.signed import JwsError, b64url_decode, b64url_encode, unix_seconds, verify_signature

log = logging.getLogger(__name__)

STATE_FILE = "fleet_identity.json"
API = "/api/v1/fleet"
_REMEMBERED_COMMANDS = 200


class FleetAgentError(Exception):
    """Base of the agent's errors."""


class AgentUnavailable(FleetAgentError):
    """The backend could not be reached; try again at the next interval."""


class AgentRefused(FleetAgentError):
    def __init__(self, status: int, problem: dict) -> None:
        super().__init__(problem.get("detail") or f"HTTP {status}")
        self.status, self.problem = status, problem


class NotEnrolled(FleetAgentError):
    """The kiosk has no identity yet: enroll it with a code first."""


class Transport(Protocol):
    def __call__(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]: ...


class RequestsTransport:
    """HTTP with `requests` (a dependency of the kiosk app)."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0) -> None:
        import requests

        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.http = requests.Session()
        self._errors = requests.RequestException

    def __call__(self, method, path, body, headers):
        try:
            response = self.http.request(
                method, self.base_url + path, data=body, headers=headers, timeout=self.timeout_s
            )
        except self._errors as exc:
            raise AgentUnavailable(str(exc)) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return response.status_code, payload


def _no_op(*_args, **_kwargs) -> str:
    return "ok"


@dataclass
class AgentHooks:
    """What the kiosk app plugs in. Each command hook returns a short result text or raises to fail."""

    vitals: Callable[[], dict] = lambda: {"devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"}}
    apply_configuration: Callable[[dict], None] = _no_op
    restart_app: Callable[[], str] = _no_op
    lock: Callable[[str | None], str] = _no_op
    unlock: Callable[[], str] = _no_op
    flush_outbox: Callable[[], str] = _no_op
    collect_diagnostics: Callable[[], str] = _no_op


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
        self.path = Path(data_dir) / STATE_FILE
        self.transport, self.app_version = transport, app_version
        self.hooks = hooks or AgentHooks()
        self.clock = clock
        self.started_at = clock()
        self._lock = threading.RLock()  # heartbeats, metric updates and the runner thread share the agent
        self._clock_offset = 0.0
        self._state = self._load()
        self._private = Ed25519PrivateKey.from_private_bytes(b64url_decode(self._state["private_key"]))
        self._metrics = self._empty_metrics()
        self._stop = threading.Event()

    # --- identity -------------------------------------------------------------------------------------
    def _load(self) -> dict:
        if self.path.exists():
            return json.loads(self.path.read_text(encoding="utf-8"))
        private = Ed25519PrivateKey.generate()
        state = {
            "private_key": b64url_encode(
                private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            ),
            "public_key": b64url_encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "kiosk_id": None,
            "signing_keys": None,
            "config_version": None,
            "settings": None,
            "locked": False,
            "lock_message": None,
            "executed": {},
        }
        self._save(state)
        return state

    def _save(self, state: dict | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state or self._state, handle)
        os.replace(temporary, self.path)

    @property
    def kiosk_id(self) -> str | None:
        return self._state["kiosk_id"]

    @property
    def public_key(self) -> str:
        return self._state["public_key"]

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
            proof = self._private.sign(contract.enrollment_proof_input(code=code, public_key=self.public_key))
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
        challenge = self._call("POST", f"{API}/device/challenge", {"kiosk_id": kiosk_id}, signed=False)[
            "challenge"
        ]
        signature = self._private.sign(
            contract.challenge_signing_input(kiosk_id=kiosk_id, challenge=challenge)
        )
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
            raise FleetAgentError(
                f"configuration v{version} is older than the running v{self.config_version}"
            )
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

    # --- commands -------------------------------------------------------------------------------------
    def _handle_command(self, delivered: dict) -> tuple[int, str, str]:
        command_id, kind = delivered.get("id"), delivered.get("kind")
        remembered = self._state["executed"].get(str(command_id))
        if remembered is not None:  # redelivered (our acknowledgement was lost): report again, do not rerun
            status, detail = remembered
        else:
            try:
                claims = self._verified(delivered.get("token") or "", contract.COMMAND_TOKEN_TYPE)
                if claims.get("cmd") != command_id or claims.get("kind") != kind:
                    raise FleetAgentError("the signed command does not match the delivery")
                if not isinstance(claims.get("exp"), int) or claims["exp"] < unix_seconds(self.clock()):
                    raise FleetAgentError("the command has expired")
            except FleetAgentError as exc:
                log.warning("command %s refused: %s", command_id, exc)
                return command_id, kind, "refused"  # not acknowledged: a forged command gets no answer
            status, detail = self._run(kind, claims.get("params") or {})
            self._state["executed"][str(command_id)] = [status, detail]
            if len(self._state["executed"]) > _REMEMBERED_COMMANDS:
                oldest = sorted(self._state["executed"], key=int)[:-_REMEMBERED_COMMANDS]
                for key in oldest:
                    del self._state["executed"][key]
            self._save()
        try:
            self._call(
                "POST",
                f"{API}/device/commands/{command_id}/result",
                {"status": status, "detail": detail[:2000]},
            )
        except AgentRefused as exc:
            if exc.status != 409:  # 409: already recorded
                raise
        return command_id, kind, status

    def _run(self, kind: str, params: dict) -> tuple[str, str]:
        try:
            if kind == "lock":
                detail = self.hooks.lock(params.get("message"))
                self._state.update(locked=True, lock_message=params.get("message"))
            elif kind == "unlock":
                detail = self.hooks.unlock()
                self._state.update(locked=False, lock_message=None)
            elif kind == "reload_config":
                detail = f"running v{self.config_version}"
            elif kind == "restart_app":
                detail = self.hooks.restart_app()
            elif kind == "flush_outbox":
                detail = self.hooks.flush_outbox()
            elif kind == "collect_diagnostics":
                detail = self.hooks.collect_diagnostics()
            else:
                return "failed", f"unknown command {kind!r}"
        except Exception as exc:
            log.exception("command %s failed", kind)
            return "failed", f"{type(exc).__name__}: {exc}"
        return "succeeded", str(detail or "ok")

    # --- plumbing -------------------------------------------------------------------------------------
    def _require_enrolled(self) -> str:
        if not self.kiosk_id:
            raise NotEnrolled("enroll this kiosk with a code first")
        return self.kiosk_id

    def signed_headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        timestamp = int(self.clock() + self._clock_offset)
        nonce = secrets.token_urlsafe(18)
        message = contract.request_signing_input(
            method=method, path=path, kiosk_id=self.kiosk_id, timestamp=timestamp, nonce=nonce, body=body
        )
        return {
            contract.HEADER_KIOSK: self.kiosk_id,
            contract.HEADER_TIMESTAMP: str(timestamp),
            contract.HEADER_NONCE: nonce,
            contract.HEADER_SIGNATURE: b64url_encode(self._private.sign(message)),
        }

    def _call(self, method: str, path: str, payload: dict, *, signed: bool = True) -> dict:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for attempt in range(2):
            headers = {"Content-Type": "application/json"}
            if signed:
                headers.update(self.signed_headers(method, path, body))
            status, reply = self.transport(method, path, body, headers)
            if status in (502, 503, 504):
                raise AgentUnavailable(f"HTTP {status}")
            if (
                status == 401
                and isinstance(reply, dict)
                and reply.get("code") == "stale-request"
                and attempt == 0
            ):
                # Our clock is off: sign with the server's time (the nonce is fresh, so this is no replay).
                self._clock_offset = float(reply.get("server_time", self.clock())) - self.clock()
                continue
            if status >= 400:
                raise AgentRefused(status, reply if isinstance(reply, dict) else {})
            return reply
        raise AssertionError("unreachable")

    # --- running in the background --------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Heartbeat in a daemon thread at the interval the backend asks for, until `stop()`."""
        thread = threading.Thread(target=self._loop, name="fleet-agent", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        interval = 15
        while not self._stop.is_set():
            try:
                interval = self.heartbeat().interval_s
            except FleetAgentError as exc:
                log.warning("heartbeat failed: %s", exc)
            self._stop.wait(interval)
