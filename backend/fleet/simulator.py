"""`flask --app backend fleet-simulate --url http://127.0.0.1:5000`: keeps the demo kiosks beating for `make run`.

The demo fleet (backend/fleet/demo.py) is seeded with throwaway keys. At start the simulator adopts the demo kiosks
(only those with the demo serial numbers, never in production): it gives each a fresh Ed25519 key pair, registers
the public half in the database like a re-enrollment, and keeps the private half in memory. Then it acts as those
kiosks over HTTP, through the same front door as real ones: signed heartbeats with changing vitals and job metrics,
commands acknowledged (a lock is reported as locked from the next heartbeat on). The kiosk seeded as offline stays
silent, so the dashboard always has one to explain. SIGTERM or Ctrl-C stops it."""

from __future__ import annotations

import json
import logging
import random
import secrets
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_decode, b64url_encode

log = logging.getLogger("congdan.fleet.simulator")
HEARTBEAT = "/api/v1/fleet/device/heartbeat"


@dataclass
class SimulatedKiosk:
    kiosk_id: str
    key: Ed25519PrivateKey
    behaviour: str  # healthy | paper_low | offline
    started: float = field(default_factory=time.monotonic)
    locked: bool = False
    config_version: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def heartbeat(self) -> dict:
        """Vitals and a few check-ins' worth of metrics since the last beat."""
        scans = {"chip": self.rng.randint(0, 3), "cccd_qr": self.rng.randint(0, 2)}
        misses = 1 if self.behaviour == "paper_low" and self.rng.random() < 0.3 else 0
        checkins = 0 if self.locked else self.rng.randint(0, 2)
        return {
            "app_version": "0.1.0",
            "uptime_s": int(time.monotonic() - self.started),
            "config_version": self.config_version,
            "locked": self.locked,
            "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
            "paper_low": self.behaviour == "paper_low",
            "outbox_backlog": 0,
            "last_error": None,
            "metrics": {
                "scans": {
                    method: {"attempted": count, "succeeded": max(0, count - (misses if method == "chip" else 0))}
                    for method, count in scans.items()
                    if count
                },
                "checkins_completed": checkins,
                "step_ms": {"identify": {"count": checkins, "total_ms": checkins * self.rng.randint(6000, 11000)}}
                if checkins
                else {},
            },
        }


def adopt_demo_kiosks(app) -> list[SimulatedKiosk]:
    """New keys for the demo kiosks (by serial number); refuses to touch anything in production."""
    import sqlalchemy as sa

    from backend.extensions import db
    from backend.fleet.demo import DEMO_KIOSKS
    from backend.fleet.kiosk_directory import fleet_changed
    from backend.fleet.models import Kiosk

    if app.config.get("ENV_NAME") == "production":
        raise SystemExit("the fleet simulator runs only on demo data, never in production")
    behaviour = {serial: state for _hospital, _place, serial, state in DEMO_KIOSKS}
    kiosks = []
    with app.app_context():
        session = db.session
        for kiosk in session.scalars(
            sa.select(Kiosk).where(Kiosk.serial_number.in_(list(behaviour)), Kiosk.status == "active")
        ):
            key = Ed25519PrivateKey.generate()
            kiosk.public_key = b64url_encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
            kiosks.append(SimulatedKiosk(kiosk.id, key, behaviour[kiosk.serial_number], locked=kiosk.locked))
        if kiosks:
            fleet_changed(session)  # every worker must forget the old keys
        session.commit()
    return kiosks


def _signed_post(base_url: str, kiosk: SimulatedKiosk, path: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    timestamp, nonce = int(time.time()), secrets.token_urlsafe(18)
    signature = kiosk.key.sign(
        contract.request_signing_input(
            method="POST", path=path, kiosk_id=kiosk.kiosk_id, timestamp=timestamp, nonce=nonce, body=body
        )
    )
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            contract.HEADER_KIOSK: kiosk.kiosk_id,
            contract.HEADER_TIMESTAMP: str(timestamp),
            contract.HEADER_NONCE: nonce,
            contract.HEADER_SIGNATURE: b64url_encode(signature),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as refused:
        return refused.code, {}


def beat_once(base_url: str, kiosk: SimulatedKiosk) -> int:
    """One heartbeat, and the acknowledgement of any command in its reply."""
    status, reply = _signed_post(base_url, kiosk, HEARTBEAT, kiosk.heartbeat())
    if status != 200:
        log.warning("kiosk %s: heartbeat answered %s", kiosk.kiosk_id, status)
        return status
    for command in reply.get("commands") or []:
        kind = command.get("kind")
        if kind in ("lock", "unlock"):
            kiosk.locked = kind == "lock"
        detail = {"lock": "out-of-service screen shown", "unlock": "welcome screen shown"}.get(kind, "done (simulated)")
        _signed_post(
            base_url,
            kiosk,
            f"/api/v1/fleet/device/commands/{int(command['id'])}/result",
            {"status": "succeeded", "detail": detail},
        )
    if reply.get("configuration"):
        # The configuration is signed for the kiosk; the simulator takes the version it was sent.
        kiosk.config_version = json.loads(b64url_decode(reply["configuration"].split(".")[1]))["version"]
    return status


def run(base_url: str, kiosks: list[SimulatedKiosk], interval_s: float, stop: threading.Event) -> None:
    beating = [k for k in kiosks if k.behaviour != "offline"]
    log.info("fleet simulator: %d demo kiosks beating every %g s at %s", len(beating), interval_s, base_url)
    while not stop.is_set():
        for kiosk in beating:
            try:
                beat_once(base_url, kiosk)
            except OSError as error:  # the server restarting: try again next round
                log.warning("kiosk %s: %s", kiosk.kiosk_id, error)
        stop.wait(interval_s)


def simulate(app, url: str, interval_s: float) -> int:
    """Adopt the demo kiosks and beat for them until SIGTERM or Ctrl-C (`flask --app backend fleet-simulate`)."""
    if not url.startswith(("http://", "https://")):
        raise SystemExit("--url must be an http(s) address")
    kiosks = adopt_demo_kiosks(app)
    if not kiosks:
        log.info("fleet simulator: no demo kiosks in this database; nothing to do")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run(url, kiosks, interval_s, stop)
    return 0
