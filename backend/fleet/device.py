"""What a kiosk does with its key: signed requests (checked against its registered key, within a clock
window, with a nonce never seen before), heartbeats and their replies (signed configuration and commands),
and command results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.errors import Conflict, NotFound, Unauthenticated
from backend.fleet import telemetry
from backend.fleet.keys import fleet_keys
from backend.fleet.models import Command, Kiosk, RequestNonce
from backend.fleet.service import KioskSuspended, effective_profile
from backend.fleet.settings import fleet_setting
from shared_schemas import fleet as contract
from shared_schemas.signed import sign_compact, signature_valid


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


def authenticate_request(*, session: Session, request: SignedRequest, now: datetime) -> Kiosk:
    """The kiosk that signed this request, or a refusal: unknown kiosk or key, bad signature, a suspended
    kiosk, a clock outside the window, or a nonce already used (a replay)."""
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
    kiosk = session.get(Kiosk, request.kiosk_id)
    # One answer for an unknown kiosk and a wrong key, so neither can be told apart from outside.
    message = contract.request_signing_input(
        method=request.method,
        path=request.path,
        kiosk_id=request.kiosk_id,
        timestamp=int(request.timestamp),
        nonce=request.nonce,
        body=request.body,
    )
    if kiosk is None or not signature_valid(kiosk.public_key, request.signature, message):
        raise SignatureRefused("The request signature does not verify with a registered kiosk key.")
    if kiosk.status != "active":
        raise KioskSuspended(f"Kiosk {kiosk.id} is {kiosk.status}; its requests are refused.")
    skew = fleet_setting("FLEET_REQUEST_MAX_SKEW_S")
    if abs(now.timestamp() - int(request.timestamp)) > skew:
        raise StaleRequest(
            "The request time is too far from the server's; check the kiosk clock.",
            server_time=int(now.timestamp()),
        )
    # Nonces older than the window can go: a request that old is refused by its timestamp anyway.
    session.execute(
        sa.delete(RequestNonce).where(
            RequestNonce.kiosk_id == kiosk.id, RequestNonce.seen_at < now - timedelta(seconds=2 * skew)
        )
    )
    try:
        with session.begin_nested():
            session.add(RequestNonce(kiosk_id=kiosk.id, nonce=request.nonce, seen_at=now))
            session.flush()
    except IntegrityError:
        raise ReplayedRequest("This request was already received; a replay is refused.") from None
    return kiosk


def _signed_configuration(kiosk: Kiosk, version: int, settings: dict, now: datetime) -> str:
    key = fleet_keys().current
    return sign_compact(
        {
            "iss": "congdan",
            "iat": int(now.timestamp()),
            "kiosk": kiosk.id,
            "version": version,
            "settings": settings,
        },
        key.private,
        key.kid,
        contract.CONFIG_TOKEN_TYPE,
    )


def record_heartbeat(*, session: Session, kiosk: Kiosk, heartbeat: dict, now: datetime) -> dict:
    """Store the vitals and metrics, update alerts, and answer with what the kiosk should do next."""
    devices = heartbeat["devices"]
    kiosk.last_seen_at = now
    kiosk.app_version, kiosk.uptime_s = heartbeat["app_version"], heartbeat["uptime_s"]
    kiosk.card_reader_state, kiosk.camera_state = devices["card_reader"], devices["camera"]
    kiosk.printer_state, kiosk.paper_low = devices["printer"], heartbeat["paper_low"]
    kiosk.outbox_backlog, kiosk.last_error = heartbeat["outbox_backlog"], heartbeat["last_error"]
    kiosk.locked, kiosk.config_version = heartbeat["locked"], heartbeat["config_version"]
    telemetry.add_heartbeat(session, kiosk.id, heartbeat, now)
    telemetry.evaluate_heartbeat(session, kiosk, heartbeat, now)

    delivered = []
    for command in session.scalars(
        sa.select(Command)
        .where(Command.kiosk_id == kiosk.id, Command.state.in_(("queued", "delivered")))
        .order_by(Command.id)
    ):
        if command.expires_at <= now:
            command.state, command.completed_at, command.result = "expired", now, "not acknowledged in time"
            continue
        # Redelivered until acknowledged: a lost reply must not lose the command (the agent deduplicates).
        if command.state == "queued":
            command.state, command.delivered_at = "delivered", now
        delivered.append({"id": command.id, "kind": command.kind, "token": command.token})

    version, settings = effective_profile(session, kiosk)
    reload_asked = any(c["kind"] == "reload_config" for c in delivered)
    configuration = None
    if version != heartbeat["config_version"] or reload_asked:
        configuration = _signed_configuration(kiosk, version, settings, now)
    return {
        "server_time": now,
        "heartbeat_interval_s": settings["heartbeat_interval_s"],
        "configuration": configuration,
        "commands": delivered,
    }


def record_command_result(
    *, session: Session, kiosk: Kiosk, command_id: int, status: str, detail: str, now: datetime
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
    return command
