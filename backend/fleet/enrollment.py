"""Enrollment: single-use codes a fleet admin hands out (shown once, as text and QR), and a new kiosk spending
one to register the public half of the key pair it generated. The kiosk's account comes from auth and its
check-in registration from health."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import service as auth_service
from backend.core.access import Principal
from backend.errors import Conflict, Forbidden, ValidationFailed
from backend.fleet.kiosk_keys import signature_valid
from backend.fleet.lookups import get_hospital, require_admin
from backend.fleet.models import EnrollmentCode, Kiosk
from backend.health.kiosks import register_kiosk_account
from shared_schemas import fleet as contract


class EnrollmentRefused(Forbidden):
    code, title = "enrollment-code-refused", "Enrollment code refused"


def hash_code(code: str) -> str:
    return hashlib.sha256(contract.normalize_enrollment_code(code).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class CodeView:
    """An enrollment code as listed: its state now, and the code itself only right after creation (otherwise
    `code` and `qr_text` are absent, not empty, so the schema leaves them out)."""

    record: EnrollmentCode
    state: str
    shown_code: str | None = None

    def __getattr__(self, name: str):
        return getattr(self.record, name)

    @property
    def code(self) -> str:
        if self.shown_code is None:
            raise AttributeError("code")
        return self.shown_code

    @property
    def qr_text(self) -> str:
        return contract.ENROLLMENT_QR_PREFIX + contract.normalize_enrollment_code(self.code)


def create_enrollment_code(
    *,
    session: Session,
    principal: Principal,
    hospital_code: str,
    location_label: str,
    valid_hours: int,
    now: datetime,
) -> tuple[EnrollmentCode, str]:
    """A single-use code (shown once, as text and QR) bound to a hospital and a place in it."""
    require_admin(principal)
    get_hospital(session, hospital_code)
    raw = "".join(secrets.choice(contract.ENROLLMENT_CODE_ALPHABET) for _ in range(12))
    shown = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    record = EnrollmentCode(
        code_hash=hash_code(raw),
        code_hint=raw[-4:],
        hospital_code=hospital_code,
        location_label=location_label.strip(),
        created_by=principal.account_id,
        created_at=now,
        expires_at=now + timedelta(hours=valid_hours),
    )
    session.add(record)
    session.flush()
    return record, shown


def enrollment_code_state(record: EnrollmentCode, now: datetime) -> str:
    if record.used_at is not None:
        return "used"
    return "expired" if record.expires_at <= now else "active"


def list_enrollment_codes(*, session: Session, principal: Principal, now: datetime, limit: int = 100) -> list[CodeView]:
    require_admin(principal)
    records = session.scalars(sa.select(EnrollmentCode).order_by(EnrollmentCode.id.desc()).limit(limit))
    return [CodeView(record, enrollment_code_state(record, now)) for record in records]


def enroll(
    *,
    session: Session,
    code: str,
    public_key: str,
    proof: str,
    serial_number: str | None,
    app_version: str | None,
    now: datetime,
) -> Kiosk:
    """A new kiosk spends its code and registers the public half of the key pair it generated."""
    record = session.scalar(sa.select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_code(code)))
    if record is None:
        raise EnrollmentRefused("This enrollment code is not valid. Check it, or ask for a new one.")
    if record.used_at is not None:
        raise EnrollmentRefused("This enrollment code was already used. Ask for a new one.")
    if record.expires_at <= now:
        raise EnrollmentRefused("This enrollment code has expired. Ask for a new one.")
    if not signature_valid(public_key, proof, contract.enrollment_proof_input(code=code, public_key=public_key)):
        raise ValidationFailed(
            "The proof does not verify with this public key.",
            errors={"json": {"proof": ["Not a signature by this key."]}},
        )
    if session.scalar(sa.select(Kiosk.id).where(Kiosk.public_key == public_key)):
        raise Conflict("This public key is already registered to a kiosk.")
    kiosk_id = "KSK-" + secrets.token_hex(4).upper()
    # Claim the code atomically: of two kiosks racing with one code, exactly one wins.
    claimed = session.execute(
        sa.update(EnrollmentCode)
        .where(EnrollmentCode.id == record.id, EnrollmentCode.used_at.is_(None))
        .values(used_at=now, kiosk_id=kiosk_id)
    )
    if claimed.rowcount != 1:
        raise EnrollmentRefused("This enrollment code was already used. Ask for a new one.")
    hospital = get_hospital(session, record.hospital_code)
    account = auth_service.create_kiosk_account(
        session=session,
        username=f"kiosk-{kiosk_id.lower()}",
        hospital_code=hospital.code,
        display_name=f"Ki-ốt {record.location_label}",
    )
    # Hospital check-in needs the kiosk's registration (and its block of offline queue numbers).
    register_kiosk_account(session=session, account=account, hospital=hospital, created_by=record.created_by, now=now)
    kiosk = Kiosk(
        id=kiosk_id,
        account_id=account.id,
        hospital_code=hospital.code,
        location_label=record.location_label,
        public_key=public_key,
        serial_number=serial_number,
        status="active",
        enrolled_at=now,
        app_version=app_version,
        paper_low=False,
        outbox_backlog=0,
        locked=False,
    )
    session.add(kiosk)
    session.flush()
    return kiosk
