"""Configuration profiles: immutable versions for a hospital or one kiosk, and which one a kiosk should run
(its own latest, else its hospital's latest, else the built-in default, version 0)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.errors import ValidationFailed
from backend.fleet.kiosk_directory import fleet_changed
from backend.fleet.lookups import get_hospital, get_kiosk, require_admin
from backend.fleet.models import ConfigurationProfile, Kiosk
from backend.fleet.settings import default_settings
from backend.health.models import Department, Hospital


def effective_profile(session: Session, kiosk_id: str, hospital_code: str) -> tuple[int, dict]:
    """(version, settings) the kiosk should run."""
    for condition in (
        ConfigurationProfile.kiosk_id == kiosk_id,
        ConfigurationProfile.hospital_code == hospital_code,
    ):
        row = session.execute(
            sa.select(ConfigurationProfile.id, ConfigurationProfile.settings)
            .where(condition)
            .order_by(ConfigurationProfile.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            return row.id, row.settings
    return 0, default_settings()


def latest_profile_ids(
    session: Session, kiosk_ids: list[str] | None = None, hospital_codes: list[str] | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """The latest profile version of each kiosk and of each hospital (of these, or of all when None): two queries."""
    profile = ConfigurationProfile
    own = profile.kiosk_id.in_(kiosk_ids) if kiosk_ids is not None else profile.kiosk_id.is_not(None)
    hospital = (
        profile.hospital_code.in_(hospital_codes) if hospital_codes is not None else profile.hospital_code.is_not(None)
    )
    by_kiosk = dict(
        session.execute(
            sa.select(profile.kiosk_id, sa.func.max(profile.id)).where(own).group_by(profile.kiosk_id)
        ).all()
    )
    by_hospital = dict(
        session.execute(
            sa.select(profile.hospital_code, sa.func.max(profile.id)).where(hospital).group_by(profile.hospital_code)
        ).all()
    )
    return by_kiosk, by_hospital


def assigned_versions(session: Session, kiosks: list[Kiosk]) -> dict[str, int]:
    """The version each kiosk should run, for a whole list in two queries."""
    if not kiosks:
        return {}
    own, by_hospital = latest_profile_ids(session, [k.id for k in kiosks], sorted({k.hospital_code for k in kiosks}))
    return {k.id: own.get(k.id) or by_hospital.get(k.hospital_code) or 0 for k in kiosks}


def department_choices(session: Session) -> dict[str, list[Department]]:
    """Each hospital's active departments (clinics), the only codes a profile may list for its kiosks."""
    choices: dict[str, list[Department]] = {}
    rows = session.execute(
        sa.select(Hospital.code, Department)
        .join(Department, Department.hospital_id == Hospital.id)
        .where(Department.active.is_(True))
        .order_by(Hospital.code, Department.code)
    )
    for hospital_code, department in rows:
        choices.setdefault(hospital_code, []).append(department)
    return choices


def _check_departments(session: Session, hospital_code: str, codes: list[str]) -> None:
    known = {d.code for d in department_choices(session).get(hospital_code, [])}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValidationFailed(
            f"Not departments of {hospital_code}: {', '.join(unknown)}.",
            errors={"json": {"settings": {"departments": [f"Unknown at {hospital_code}: {', '.join(unknown)}"]}}},
        )


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
    require_admin(principal)
    if hospital_code is not None:
        get_hospital(session, hospital_code)
        _check_departments(session, hospital_code, settings.get("departments") or [])
    else:
        _check_departments(session, get_kiosk(session, kiosk_id).hospital_code, settings.get("departments") or [])
    profile = ConfigurationProfile(
        hospital_code=hospital_code,
        kiosk_id=kiosk_id,
        settings=settings,
        created_by=principal.account_id,
        created_at=now,
    )
    session.add(profile)
    session.flush()
    fleet_changed(session)
    return profile


def list_profiles(
    *, session: Session, principal: Principal, hospital_code: str | None, kiosk_id: str | None
) -> list[ConfigurationProfile]:
    require_admin(principal)
    query = sa.select(ConfigurationProfile).order_by(ConfigurationProfile.id.desc()).limit(200)
    if hospital_code:
        query = query.where(ConfigurationProfile.hospital_code == hospital_code)
    if kiosk_id:
        query = query.where(ConfigurationProfile.kiosk_id == kiosk_id)
    return list(session.scalars(query))
