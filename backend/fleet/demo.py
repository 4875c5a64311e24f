"""Demo fleet for `make run`: three kiosks at the demo hospitals (one healthy with a few hours of metrics,
one low on paper, one offline with its alert) and a random enrollment code, valid for a day, that `make kiosk`
reads from the instance folder to enroll a live one. The demo kiosks' private keys are thrown away: they cannot
send anything, they only fill the dashboard."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.fleet import device, enrollment, telemetry
from backend.fleet.kiosk_directory import load_kiosk
from backend.fleet.models import EnrollmentCode
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode

# The demo enrollment code: random, at most a day old (seed-demo makes a new one when it expired or was
# used), kept where `make kiosk` finds it and nobody else can read it.
DEMO_CODE_VALID_HOURS = 24
DEMO_CODE_FILE = "demo_enrollment_code"

# hospital, place, serial, state
DEMO_KIOSKS = (
    ("BV-BACHMAI", "Sảnh tiếp đón A, tầng 1", "SN-DEMO-0001", "healthy"),
    ("BV-BACHMAI", "Khoa Nhi, nhà B", "SN-DEMO-0002", "paper_low"),
    ("BV-HOANKIEM", "Sảnh chính", "SN-DEMO-0003", "offline"),
)


def _enroll_with_throwaway_key(
    session: Session, admin: Principal, hospital: str, place: str, serial: str, now: datetime
):
    _record, code = enrollment.create_enrollment_code(
        session=session, principal=admin, hospital_code=hospital, location_label=place, valid_hours=1, now=now
    )
    key = Ed25519PrivateKey.generate()
    public_key = b64url_encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    proof = b64url_encode(key.sign(contract.enrollment_proof_input(code=code, public_key=public_key)))
    return enrollment.enroll(
        session=session,
        code=code,
        public_key=public_key,
        proof=proof,
        serial_number=serial,
        app_version="0.1.0",
        now=now,
    )


def _heartbeat(state: str, hour: int) -> dict:
    scans = {
        "chip": {"attempted": 9 + hour % 4, "succeeded": 9 + hour % 4 - (hour % 2)},
        "cccd_qr": {"attempted": 4, "succeeded": 4},
        "id_and_dob": {"attempted": 1, "succeeded": 1},
    }
    return contract.HeartbeatSchema().load(
        {
            "app_version": "0.1.0",
            "uptime_s": 3600 * (hour + 1),
            "config_version": 0,
            "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
            "paper_low": state == "paper_low",
            "outbox_backlog": 2 if state == "offline" else 0,
            "metrics": {
                "scans": scans,
                "checkins_completed": 12 + hour % 5,
                "step_ms": {
                    "identify": {"count": 12, "total_ms": 12 * 9_000},
                    "insurance": {"count": 12, "total_ms": 12 * 6_000},
                    "department": {"count": 12, "total_ms": 12 * 7_000},
                    "ticket": {"count": 12, "total_ms": 12 * 2_000},
                },
            },
        }
    )


def add_demo_fleet(*, session: Session, admin: Principal, now: datetime) -> None:
    """Needs the demo hospitals and the fleet admin's account."""
    for hospital, place, serial, state in DEMO_KIOSKS:
        kiosk = load_kiosk(session, _enroll_with_throwaway_key(session, admin, hospital, place, serial, now).id)
        # Six hours of heartbeats (one an hour keeps seeding fast); the offline one fell silent 3 hours ago.
        hours = range(6, 3, -1) if state == "offline" else range(6, -1, -1)
        for hour in hours:
            device.record_heartbeat(
                session=session,
                kiosk=kiosk,
                heartbeat=_heartbeat(state, hour),
                now=now - timedelta(hours=hour, minutes=1),
            )
    telemetry.sweep_offline(session, now)


def ensure_demo_enrollment_code(
    *, session: Session, admin: Principal, now: datetime, folder: Path
) -> tuple[str, datetime, bool]:
    """The demo kiosk's enrollment code, its expiry, and whether it is new: the one in `folder` while it is
    unused and unexpired, else a fresh random one written there (0600)."""
    path = folder / DEMO_CODE_FILE
    if path.exists():
        code = path.read_text(encoding="ascii").strip()
        record = session.scalar(sa.select(EnrollmentCode).where(EnrollmentCode.code_hash == enrollment.hash_code(code)))
        if record is not None and enrollment.enrollment_code_state(record, now) == "active":
            return code, record.expires_at, False
    record, code = enrollment.create_enrollment_code(
        session=session,
        principal=admin,
        hospital_code="BV-BACHMAI",
        location_label="Ki-ốt mới — sảnh A",
        valid_hours=DEMO_CODE_VALID_HOURS,
        now=now,
    )
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{DEMO_CODE_FILE}.")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(code + "\n")
    os.replace(temporary, path)
    return code, record.expires_at, True
