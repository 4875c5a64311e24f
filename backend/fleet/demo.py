"""Demo fleet for `make run`: three kiosks at the demo hospitals (one healthy with a few hours of metrics,
one low on paper, one offline with its alert) and a known enrollment code for `make kiosk` to enroll a live
one. The demo kiosks' private keys are thrown away: they cannot send anything, they only fill the dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from backend.auth.policy import Principal
from backend.fleet import device, service, telemetry
from shared_schemas import fleet as contract
from shared_schemas.signed import b64url_encode

# Shown in the README; it enrolls one kiosk at Bạch Mai (`python -m kiosk_app --enroll DEMQ-KSK2-BACH`).
DEMO_ENROLLMENT_CODE = "DEMQ-KSK2-BACH"
DEMO_CODE_VALID_DAYS = 365  # a demo database may be started long after it was seeded

# hospital, place, serial, state
DEMO_KIOSKS = (
    ("BV-BACHMAI", "Sảnh tiếp đón A, tầng 1", "SN-DEMO-0001", "healthy"),
    ("BV-BACHMAI", "Khoa Nhi, nhà B", "SN-DEMO-0002", "paper_low"),
    ("BV-HOANKIEM", "Sảnh chính", "SN-DEMO-0003", "offline"),
)


def _enroll_with_throwaway_key(session: Session, admin: Principal, hospital: str, place: str, serial: str,
                               now: datetime):
    _record, code = service.create_enrollment_code(session=session, principal=admin, hospital_code=hospital,
                                                   location_label=place, valid_hours=1, now=now)
    key = Ed25519PrivateKey.generate()
    public_key = b64url_encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    proof = b64url_encode(key.sign(contract.enrollment_proof_input(code=code, public_key=public_key)))
    return service.enroll(session=session, code=code, public_key=public_key, proof=proof,
                          serial_number=serial, app_version="0.1.0", now=now)


def _heartbeat(state: str, hour: int) -> dict:
    scans = {"chip": {"attempted": 9 + hour % 4, "succeeded": 9 + hour % 4 - (hour % 2)},
             "cccd_qr": {"attempted": 4, "succeeded": 4}, "id_and_dob": {"attempted": 1, "succeeded": 1}}
    return contract.HeartbeatSchema().load({
        "app_version": "0.1.0",
        "uptime_s": 3600 * (hour + 1),
        "config_version": 0,
        "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
        "paper_low": state == "paper_low",
        "outbox_backlog": 2 if state == "offline" else 0,
        "metrics": {"scans": scans, "checkins_completed": 12 + hour % 5,
                    "step_ms": {"identify": {"count": 12, "total_ms": 12 * 9_000},
                                "insurance": {"count": 12, "total_ms": 12 * 6_000},
                                "department": {"count": 12, "total_ms": 12 * 7_000},
                                "ticket": {"count": 12, "total_ms": 12 * 2_000}}},
    })


def add_demo_fleet(*, session: Session, admin: Principal, now: datetime) -> None:
    """Needs the demo hospitals and the fleet admin's account."""
    for hospital, place, serial, state in DEMO_KIOSKS:
        kiosk = _enroll_with_throwaway_key(session, admin, hospital, place, serial, now)
        # Six hours of heartbeats (one an hour keeps seeding fast); the offline one fell silent 3 hours ago.
        hours = range(6, 3, -1) if state == "offline" else range(6, -1, -1)
        for hour in hours:
            device.record_heartbeat(session=session, kiosk=kiosk, heartbeat=_heartbeat(state, hour),
                                    now=now - timedelta(hours=hour, minutes=1))
    telemetry.sweep_offline(session, now)
    record, _random_code = service.create_enrollment_code(
        session=session, principal=admin, hospital_code="BV-BACHMAI", location_label="Ki-ốt mới — sảnh A",
        valid_hours=24 * DEMO_CODE_VALID_DAYS, now=now)
    # A known code instead of the random one, so the README can name it.
    record.code_hash = service._hash_code(DEMO_ENROLLMENT_CODE)
    record.code_hint = contract.normalize_enrollment_code(DEMO_ENROLLMENT_CODE)[-4:]
    session.flush()
