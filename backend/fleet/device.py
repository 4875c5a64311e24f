"""What a kiosk does with its key: signed requests (checked against its registered key, within a clock
window, with a nonce never seen before), heartbeats and their replies (signed configuration and commands),
and command results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.errors import Conflict, Forbidden, NotFound, Unauthenticated
from backend.fleet import ingest, nonces
from backend.fleet.keys import fleet_keys
from backend.fleet.kiosk_directory import PENDING_STATES, KnownKiosk, kiosk_directory
from backend.fleet.models import Command
from backend.fleet.settings import fleet_setting
from backend.fleet.telemetry_buffer import TelemetryBuffer
from shared_schemas import fleet as contract
from shared_schemas.signed import sign_compact


class KioskSuspended(Forbidden):
    code, title = "kiosk-not-active", "This kiosk is not active"


class SignatureRefused(Unauthenticated):
    code, title = "device-signature-refused", "Device signature refused"


class StaleRequest(Unauthenticated):
    code, title = "stale-request", "Request time outside the accepted window"


class ReplayedRequest(Unauthenticated):
    code, title = "replayed-request", "Request already seen"


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request a kiosk signature covers (routes collect them, this checks them)."""

    method: str
    path: str
    body: bytes
    kiosk_id: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None


def authenticate_request(*, session: Session, request: SignedRequest, now: datetime) -> KnownKiosk:
    """The kiosk that signed this request, or a refusal: unknown kiosk or key, bad signature, a suspended
        kiosk, a clock outside the window, or a nonce already used (a replay). The kiosk comes from this worker's
        directory (backend/fleet/kiosk_directory.py); the nonce is claimed in Redis when there is one, else in the
    database (backend/fleet/nonces.py)."""
    if not (request.kiosk_id and request.timestamp and request.nonce and request.signature):
        raise SignatureRefused(
            f"Sign this request: send {contract.HEADER_KIOSK}, {contract.HEADER_TIMESTAMP}, "
            f"{contract.HEADER_NONCE} and {contract.HEADER_SIGNATURE}."
        )
    if (
        not contract.KIOSK_ID_PATTERN.fullmatch(request.kiosk_id)
        or not request.timestamp.isdigit()
        or len(request.timestamp) > 12
        or not contract.NONCE_PATTERN.fullmatch(request.nonce)
    ):
        raise SignatureRefused("The signature headers are malformed.")
    kiosk = kiosk_directory().lookup(session, request.kiosk_id)
    # One answer for an unknown kiosk and a wrong key, so neither can be told apart from outside.
    message = contract.request_signing_input(
        method=request.method,
        path=request.path,
        kiosk_id=request.kiosk_id,
        timestamp=int(request.timestamp),
        nonce=request.nonce,
        body=request.body,
    )
    if kiosk is None or not kiosk.signed(request.signature, message):
        raise SignatureRefused("The request signature does not verify with a registered kiosk key.")
    if kiosk.status != "active":
        raise KioskSuspended(f"Kiosk {kiosk.id} is {kiosk.status}; its requests are refused.")
    skew = fleet_setting("FLEET_REQUEST_MAX_SKEW_S")
    if abs(now.timestamp() - int(request.timestamp)) > skew:
        raise StaleRequest(
            "The request time is too far from the server's; check the kiosk clock.",
            server_time=int(now.timestamp()),
        )
    # Without a buffer (tests, the demo) nothing else prunes the database's nonces: this request does.
    if not nonces.claim(session, kiosk.id, request.nonce, now, prune=TelemetryBuffer.of_app() is None):
        raise ReplayedRequest("This request was already received; a replay is refused.")
    return kiosk


def _signed_configuration(kiosk_id: str, version: int, settings: dict, now: datetime) -> str:
    key = fleet_keys().current
    return sign_compact(
        {"iss": "congdan", "iat": int(now.timestamp()), "kiosk": kiosk_id, "version": version, "settings": settings},
        key.private,
        key.kid,
        contract.CONFIG_TOKEN_TYPE,
    )


def _deliver_commands(session: Session, kiosk_id: str, now: datetime) -> list[dict]:
    delivered = []
    for command in session.scalars(
        sa.select(Command).where(Command.kiosk_id == kiosk_id, Command.state.in_(PENDING_STATES)).order_by(Command.id)
    ):
        if command.expires_at <= now:
            command.state, command.completed_at, command.result = "expired", now, "not acknowledged in time"
            continue
        # Redelivered until acknowledged: a lost reply must not lose the command (the agent deduplicates).
        if command.state == "queued":
            command.state, command.delivered_at = "delivered", now
        delivered.append({"id": command.id, "kind": command.kind, "token": command.token})
    if not delivered:
        kiosk_directory().forget(kiosk_id)  # none left: this worker stops looking until the fleet changes
    return delivered


def record_heartbeat(
    *, session: Session, kiosk: KnownKiosk, heartbeat: dict, now: datetime, buffer: TelemetryBuffer | None = None
) -> dict:
    """Store the vitals and metrics (through the buffer when there is one: it writes about a second's worth at
    once) and answer with what the kiosk should do next: waiting commands and, when it runs another version
    than it should, its signed configuration."""
    beat = ingest.Beat(kiosk.id, heartbeat, now)
    if buffer is None:
        ingest.write(session, [beat])
    else:
        buffer.add(beat)
    delivered = _deliver_commands(session, kiosk.id, now) if kiosk.has_pending_commands else []
    reload_asked = any(c["kind"] == "reload_config" for c in delivered)
    configuration = None
    if kiosk.config_version != heartbeat["config_version"] or reload_asked:
        configuration = _signed_configuration(kiosk.id, kiosk.config_version, kiosk.settings, now)
    return {
        "server_time": now,
        "heartbeat_interval_s": kiosk.settings["heartbeat_interval_s"],
        "configuration": configuration,
        "commands": delivered,
    }


def record_command_result(
    *, session: Session, kiosk: KnownKiosk, command_id: int, status: str, detail: str, now: datetime
) -> Command:
    """The kiosk's acknowledgement; a repeat of the same result is accepted, a different one is not."""
    command = session.get(Command, command_id)
    if command is None or command.kiosk_id != kiosk.id:
        raise NotFound(f"Kiosk {kiosk.id} has no command {command_id}.")
    if command.state in ("succeeded", "failed"):
        if command.state == status:
            return command
        raise Conflict(f"Command {command_id} was already reported as {command.state}.")
    if command.state == "expired":
        raise Conflict(f"Command {command_id} expired before it was acknowledged.")
    command.state, command.completed_at, command.result = status, now, detail or None
    if command.delivered_at is None:
        command.delivered_at = now
    kiosk_directory().forget(kiosk.id)
    return command
