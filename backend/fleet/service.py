"""Fleet administration rules: enrollment codes and enrollment, kiosk status, configuration profiles,
remote commands, the fleet overview and alerts. Device-side rules (signed requests, heartbeats, command
results, device tokens) are in backend/fleet/device.py."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import service as auth_service
from backend.auth import tokens
from backend.auth.models import Account, AccountStatusChange
from backend.core.access import FLEET_ADMIN, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.fleet import telemetry
from backend.fleet.keys import fleet_keys
from backend.fleet.models import Alert, Command, ConfigurationProfile, EnrollmentCode, Kiosk
from backend.fleet.settings import default_settings, fleet_setting
from backend.health.kiosks import register_kiosk_account
from backend.health.models import Hospital
from shared_schemas import fleet as contract
from shared_schemas.signed import sign_compact, signature_valid


class EnrollmentRefused(Forbidden):
    code, title = "enrollment-code-refused", "Enrollment code refused"


class KioskSuspended(Forbidden):
    code, title = "kiosk-not-active", "This kiosk is not active"


def _require_admin(principal: Principal) -> None:
    if principal.role != FLEET_ADMIN:
        raise Forbidden("Only fleet administrators manage kiosks.")


def _hash_code(code: str) -> str:
    return hashlib.sha256(contract.normalize_enrollment_code(code).encode("ascii")).hexdigest()


def get_hospital(session: Session, code: str) -> Hospital:
    hospital = session.scalar(sa.select(Hospital).where(Hospital.code == code))
    if hospital is None:
        raise ValidationFailed(
            f"No hospital with code {code!r}.", errors={"json": {"hospital_code": ["Unknown hospital."]}}
        )
    return hospital


def get_kiosk(session: Session, kiosk_id: str) -> Kiosk:
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(f"No kiosk {kiosk_id!r}.")
    return kiosk


def hospital_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Hospital.code, Hospital.name)).all())


# --- enrollment -----------------------------------------------------------------------------------------
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
    _require_admin(principal)
    get_hospital(session, hospital_code)
    raw = "".join(secrets.choice(contract.ENROLLMENT_CODE_ALPHABET) for _ in range(12))
    shown = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    record = EnrollmentCode(
        code_hash=_hash_code(raw),
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


def list_enrollment_codes(*, session: Session, principal: Principal, limit: int = 100) -> list[EnrollmentCode]:
    _require_admin(principal)
    return list(session.scalars(sa.select(EnrollmentCode).order_by(EnrollmentCode.id.desc()).limit(limit)))


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
    record = session.scalar(sa.select(EnrollmentCode).where(EnrollmentCode.code_hash == _hash_code(code)))
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


# --- kiosks ---------------------------------------------------------------------------------------------
def connectivity(kiosk: Kiosk, now: datetime) -> str:
    if kiosk.last_seen_at is None:
        return "never_seen"
    offline_after = timedelta(seconds=fleet_setting("FLEET_OFFLINE_AFTER_S"))
    return "offline" if now - kiosk.last_seen_at > offline_after else "online"


def effective_profile(session: Session, kiosk: Kiosk) -> tuple[int, dict]:
    """(version, settings) the kiosk should run: its own latest profile, its hospital's, or the default."""
    for condition in (
        ConfigurationProfile.kiosk_id == kiosk.id,
        ConfigurationProfile.hospital_code == kiosk.hospital_code,
    ):
        profile = session.scalar(
            sa.select(ConfigurationProfile).where(condition).order_by(ConfigurationProfile.id.desc()).limit(1)
        )
        if profile is not None:
            return profile.id, profile.settings
    return 0, default_settings()


@dataclass(frozen=True)
class KioskView:
    kiosk: Kiosk
    connectivity: str
    assigned_config_version: int


def list_kiosks(
    *,
    session: Session,
    principal: Principal,
    hospital_code: str | None,
    connectivity_filter: str | None,
    now: datetime,
) -> list[KioskView]:
    _require_admin(principal)
    query = sa.select(Kiosk).order_by(Kiosk.hospital_code, Kiosk.location_label)
    if hospital_code:
        query = query.where(Kiosk.hospital_code == hospital_code)
    views = [KioskView(k, connectivity(k, now), effective_profile(session, k)[0]) for k in session.scalars(query)]
    return [v for v in views if connectivity_filter in (None, v.connectivity)]


def kiosk_view(*, session: Session, principal: Principal, kiosk_id: str, now: datetime) -> KioskView:
    _require_admin(principal)
    kiosk = get_kiosk(session, kiosk_id)
    return KioskView(kiosk, connectivity(kiosk, now), effective_profile(session, kiosk)[0])


def change_status(
    *, session: Session, principal: Principal, kiosk_id: str, status: str, reason: str, now: datetime
) -> KioskView:
    """Suspend, reactivate or decommission. Suspending revokes the device's tokens at once."""
    _require_admin(principal)
    kiosk = get_kiosk(session, kiosk_id)
    if kiosk.status == "decommissioned" and status != "decommissioned":
        raise Conflict("A decommissioned kiosk cannot come back; enroll it again with a new code.")
    kiosk.status, kiosk.status_reason = status, reason
    account = session.get(Account, kiosk.account_id)
    account.status = "active" if status == "active" else "disabled"
    # Who changed it and why, in the same history as every other account's status.
    session.add(
        AccountStatusChange(
            account_id=account.id,
            status=account.status,
            reason=f"kiosk {status}: {reason}"[:200],
            actor_account_id=principal.account_id,
            actor_role=principal.role,
            occurred_at=now,
        )
    )
    if status != "active":
        if kiosk.token_family_id:
            tokens.revoke_family(session, kiosk.token_family_id, f"kiosk-{status}")
        session.execute(
            sa.update(Command)
            .where(Command.kiosk_id == kiosk.id, Command.state.in_(("queued", "delivered")))
            .values(state="expired", completed_at=now, result=f"kiosk {status}")
        )
    session.flush()
    return KioskView(kiosk, connectivity(kiosk, now), effective_profile(session, kiosk)[0])


# --- commands -------------------------------------------------------------------------------------------
def queue_command(
    *, session: Session, principal: Principal, kiosk_id: str, kind: str, message: str | None, now: datetime
) -> Command:
    _require_admin(principal)
    kiosk = get_kiosk(session, kiosk_id)
    if kiosk.status != "active":
        raise Conflict(f"Kiosk {kiosk.id} is {kiosk.status}; it takes no commands.")
    params = {"message": message} if (kind == "lock" and message) else {}
    expires_at = now + timedelta(hours=fleet_setting("FLEET_COMMAND_TTL_HOURS"))
    command = Command(
        kiosk_id=kiosk.id,
        kind=kind,
        params=params,
        token="",
        state="queued",
        created_by=principal.account_id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(command)
    session.flush()
    key = fleet_keys().current
    command.token = sign_compact(
        {
            "iss": "congdan",
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "kiosk": kiosk.id,
            "cmd": command.id,
            "kind": kind,
            "params": params,
        },
        key.private,
        key.kid,
        contract.COMMAND_TOKEN_TYPE,
    )
    return command


def list_commands(*, session: Session, principal: Principal, kiosk_id: str, limit: int = 50) -> list[Command]:
    _require_admin(principal)
    get_kiosk(session, kiosk_id)
    return list(
        session.scalars(sa.select(Command).where(Command.kiosk_id == kiosk_id).order_by(Command.id.desc()).limit(limit))
    )


# --- configuration profiles -----------------------------------------------------------------------------
def create_profile(
    *,
    session: Session,
    principal: Principal,
    hospital_code: str | None,
    kiosk_id: str | None,
    settings: dict,
    now: datetime,
) -> ConfigurationProfile:
    """A new version for a hospital or a kiosk; kiosks pick it up with their next heartbeat."""
    _require_admin(principal)
    if hospital_code is not None:
        get_hospital(session, hospital_code)
    else:
        get_kiosk(session, kiosk_id)
    profile = ConfigurationProfile(
        hospital_code=hospital_code,
        kiosk_id=kiosk_id,
        settings=settings,
        created_by=principal.account_id,
        created_at=now,
    )
    session.add(profile)
    session.flush()
    return profile


def list_profiles(
    *, session: Session, principal: Principal, hospital_code: str | None, kiosk_id: str | None
) -> list[ConfigurationProfile]:
    _require_admin(principal)
    query = sa.select(ConfigurationProfile).order_by(ConfigurationProfile.id.desc()).limit(200)
    if hospital_code:
        query = query.where(ConfigurationProfile.hospital_code == hospital_code)
    if kiosk_id:
        query = query.where(ConfigurationProfile.kiosk_id == kiosk_id)
    return list(session.scalars(query))


# --- overview and alerts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class HospitalCounts:
    hospital_code: str
    hospital_name: str
    total: int = 0
    online: int = 0
    offline: int = 0
    never_seen: int = 0
    suspended: int = 0
    open_alerts: int = 0


def fleet_overview(*, session: Session, principal: Principal, now: datetime) -> list[HospitalCounts]:
    """Status counts per hospital (only hospitals with kiosks); offline kiosks are swept into alerts first."""
    _require_admin(principal)
    telemetry.sweep_offline(session, now)
    names = hospital_names(session)
    counts: dict[str, dict] = {}
    for kiosk in session.scalars(sa.select(Kiosk).where(Kiosk.status != "decommissioned")):
        entry = counts.setdefault(
            kiosk.hospital_code,
            {"total": 0, "online": 0, "offline": 0, "never_seen": 0, "suspended": 0, "open_alerts": 0},
        )
        entry["total"] += 1
        entry["suspended" if kiosk.status == "suspended" else connectivity(kiosk, now)] += 1
    alerts = session.execute(
        sa.select(Kiosk.hospital_code, sa.func.count())
        .join(Alert, Alert.kiosk_id == Kiosk.id)
        .where(Alert.resolved_at.is_(None))
        .group_by(Kiosk.hospital_code)
    ).all()
    for code, number in alerts:
        counts.setdefault(code, {"total": 0, "online": 0, "offline": 0, "never_seen": 0, "suspended": 0})
        counts[code]["open_alerts"] = number
    return [HospitalCounts(code, names.get(code, code), **entry) for code, entry in sorted(counts.items())]


def list_alerts(
    *,
    session: Session,
    principal: Principal,
    state: str,
    hospital_code: str | None,
    now: datetime,
    kiosk_id: str | None = None,
) -> list[tuple[Alert, str]]:
    _require_admin(principal)
    telemetry.sweep_offline(session, now)
    query = (
        sa.select(Alert, Kiosk.hospital_code)
        .join(Kiosk, Alert.kiosk_id == Kiosk.id)
        .order_by(Alert.resolved_at.is_not(None), Alert.opened_at.desc())
        .limit(500)
    )
    if state == "open":
        query = query.where(Alert.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(Alert.resolved_at.is_not(None))
    if hospital_code:
        query = query.where(Kiosk.hospital_code == hospital_code)
    if kiosk_id:
        query = query.where(Alert.kiosk_id == kiosk_id)
    return [(alert, code) for alert, code in session.execute(query).all()]


def metric_series(
    *, session: Session, principal: Principal, kiosk_id: str, hours: int, now: datetime
) -> list[telemetry.MetricPoint]:
    _require_admin(principal)
    get_kiosk(session, kiosk_id)
    return telemetry.hourly_series(session, kiosk_id, since=now - timedelta(hours=hours - 1), now=now)
