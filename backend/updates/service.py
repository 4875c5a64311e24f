"""Releases and their rollout in waves: upload (checked, then published as a TUF target), start, advance,
emergency stop, the offer a kiosk receives, what kiosks report, and the automatic halt on bad health."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import FLEET_ADMIN, Principal
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.fleet.models import Kiosk
from backend.updates import events, tuf_repository
from backend.updates.models import KioskUpdate, Release, Rollout
from backend.updates.packages import PackageCaps, check_package, version_key
from backend.updates.settings import update_setting
from backend.updates.wave_health import wave_health
from shared_schemas.clock import VIETNAM_TZ

WAVES = ("canary", "share", "all")


def _require_admin(principal: Principal) -> None:
    if principal.role != FLEET_ADMIN:
        raise Forbidden("Only fleet administrators manage kiosk software.")


# --- releases --------------------------------------------------------------------------------------------
def upload_release(
    *, session: Session, principal: Principal, version: str, package: bytes, notes: str, now: datetime
) -> Release:
    _require_admin(principal)
    caps = PackageCaps(
        max_bytes=int(update_setting("UPDATE_MAX_PACKAGE_BYTES")),
        max_entries=int(update_setting("UPDATE_MAX_PACKAGE_ENTRIES")),
        max_unpacked_bytes=int(update_setting("UPDATE_MAX_UNPACKED_BYTES")),
    )
    check_package(package, version=version, caps=caps)
    if session.scalar(sa.select(Release.id).where(Release.version == version)) is not None:
        raise Conflict(f"Version {version} was already uploaded; a release is never replaced.")
    release = Release(
        version=version,
        target_name=f"kiosk_app-{version}.tar.gz",
        sha256=hashlib.sha256(package).hexdigest(),
        length=len(package),
        package=package,
        notes=notes,
        created_by=principal.account_id,
        created_at=now,
    )
    session.add(release)
    session.flush()
    tuf_repository.publish(session=session, now=now)
    events.record(
        session,
        actor=events.actor_of(principal),
        action="release_uploaded",
        now=now,
        release_id=release.id,
        detail=f"{version} sha256={release.sha256[:16]}… {release.length} bytes",
    )
    return release


def list_releases(*, session: Session, principal: Principal) -> list[Release]:
    _require_admin(principal)
    return list(session.scalars(sa.select(Release).order_by(Release.id.desc())))


def release_by_target(session: Session, target_name: str) -> Release:
    release = session.scalar(sa.select(Release).where(Release.target_name == target_name))
    if release is None:
        raise NotFound("No such release file.")
    return release


# --- rollouts --------------------------------------------------------------------------------------------
def _rollout(session: Session, rollout_id: int) -> Rollout:
    # The URL's int converter takes any size; past the column's range it cannot name a rollout.
    rollout = session.get(Rollout, rollout_id) if 0 < rollout_id < 2**31 else None
    if rollout is None:
        raise NotFound("No such rollout.")
    return rollout


def start_rollout(
    *,
    session: Session,
    principal: Principal,
    release_id: int,
    canary_kiosk_ids: list[str],
    share_percent: int,
    outside_clinic_hours: bool,
    not_before: datetime | None,
    now: datetime,
) -> Rollout:
    _require_admin(principal)
    release = session.get(Release, release_id)
    if release is None:
        raise NotFound("No such release.")
    if session.scalar(sa.select(Rollout.id).where(Rollout.state.in_(("running", "halted")))) is not None:
        raise Conflict("Another rollout is running or halted: stop it first.")
    canaries = sorted(set(canary_kiosk_ids))
    found = set(session.scalars(sa.select(Kiosk.id).where(Kiosk.id.in_(canaries), Kiosk.status == "active")))
    if not canaries or found != set(canaries):
        missing = sorted(set(canaries) - found)
        raise ValidationFailed(
            "Name at least one canary kiosk; every canary must be an active kiosk.",
            errors={"canary_kiosk_ids": missing or ["required"]},
        )
    rollout = Rollout(
        release_id=release.id,
        state="running",
        wave="canary",
        canary_kiosk_ids=canaries,
        share_percent=share_percent,
        outside_clinic_hours=outside_clinic_hours,
        not_before=not_before or now,
        created_by=principal.account_id,
        created_at=now,
        updated_at=now,
    )
    session.add(rollout)
    session.flush()
    events.record(
        session,
        actor=events.actor_of(principal),
        action="rollout_started",
        now=now,
        release_id=release.id,
        rollout_id=rollout.id,
        detail=f"{release.version}: canaries {', '.join(canaries)}; share {share_percent}%",
    )
    return rollout


def list_rollouts(*, session: Session, principal: Principal) -> list[Rollout]:
    _require_admin(principal)
    return list(session.scalars(sa.select(Rollout).order_by(Rollout.id.desc()).limit(50)))


def get_rollout(*, session: Session, principal: Principal, rollout_id: int) -> Rollout:
    _require_admin(principal)
    return _rollout(session, rollout_id)


def change_rollout(*, session: Session, principal: Principal, rollout_id: int, action: str, now: datetime) -> Rollout:
    """`stop` (emergency stop: nothing more is offered, for good), `resume` (a halted rollout, after a look),
    `advance` (to the next wave without waiting for the canaries)."""
    _require_admin(principal)
    rollout = _rollout(session, rollout_id)
    if action == "stop":
        if rollout.state in ("stopped", "completed"):
            raise Conflict(f"The rollout is already {rollout.state}.")
        rollout.state = "stopped"
    elif action == "resume":
        if rollout.state != "halted":
            raise Conflict("Only a halted rollout can be resumed.")
        rollout.state, rollout.halted_reason = "running", None
    elif action == "advance":
        if rollout.state != "running" or rollout.wave == "all":
            raise Conflict("Only a running rollout before its last wave can advance.")
        rollout.wave = WAVES[WAVES.index(rollout.wave) + 1]
    else:
        raise ValidationFailed("Unknown action.", errors={"action": [action]})
    rollout.updated_at = now
    events.record(
        session,
        actor=events.actor_of(principal),
        action=f"rollout_{action}",
        now=now,
        release_id=rollout.release_id,
        rollout_id=rollout.id,
        detail=f"wave {rollout.wave}, state {rollout.state}",
    )
    return rollout


def wave_members(session: Session, rollout: Rollout) -> set[str]:
    """The kiosks the current wave covers. The share of each hospital is a stable pick (a hash of rollout and
    kiosk), so a kiosk stays in or out of the wave from one heartbeat to the next."""
    canaries = set(rollout.canary_kiosk_ids)
    active = list(session.execute(sa.select(Kiosk.id, Kiosk.hospital_code).where(Kiosk.status == "active")))
    if rollout.wave == "canary":
        return canaries & {kiosk_id for kiosk_id, _ in active}
    if rollout.wave == "all":
        return {kiosk_id for kiosk_id, _ in active}
    by_hospital: dict[str, list[str]] = {}
    for kiosk_id, hospital in active:
        by_hospital.setdefault(hospital, []).append(kiosk_id)
    members = set(canaries)
    for kiosk_ids in by_hospital.values():
        # The canaries already updated count towards their hospital's share.
        wanted = math.ceil(len(kiosk_ids) * rollout.share_percent / 100) - len(canaries.intersection(kiosk_ids))
        others = sorted(
            set(kiosk_ids) - canaries, key=lambda k: hashlib.sha256(f"{rollout.id}:{k}".encode()).hexdigest()
        )
        members.update(others[: max(0, wanted)])
    return members


def in_clinic_hours(now: datetime) -> bool:
    start, end = update_setting("UPDATE_CLINIC_HOURS")
    return int(start) <= now.astimezone(VIETNAM_TZ).hour < int(end)


def offer_for(*, session: Session, kiosk: Kiosk, running_version: str, now: datetime) -> tuple[Rollout, Release] | None:
    """The release this kiosk should install now, if any."""
    rollout = session.scalar(sa.select(Rollout).where(Rollout.state == "running"))
    if rollout is None or now < rollout.not_before:
        return None
    if rollout.outside_clinic_hours and in_clinic_hours(now):
        return None
    release = session.get(Release, rollout.release_id)
    try:
        newer = version_key(release.version) > version_key(running_version)
    except ValueError:
        newer = True  # an unparseable running version is replaced by a known one
    if not newer or kiosk.id not in wave_members(session, rollout):
        return None
    return rollout, release


# --- kiosk reports and wave progress ---------------------------------------------------------------------
def record_report(*, session: Session, kiosk, report: dict, now: datetime) -> KioskUpdate:
    """`kiosk` is the signed caller (the fleet's cached KnownKiosk: its id is what counts here)."""
    rollout = session.get(Rollout, report["rollout_id"]) if report.get("rollout_id") else None
    state = session.get(KioskUpdate, kiosk.id) or KioskUpdate(kiosk_id=kiosk.id, crashes=0)
    previous = (state.state, state.running_version, state.rollout_id, state.detail)
    reported = report["state"]
    heard_as = session.scalar(sa.select(Kiosk.app_version).where(Kiosk.id == kiosk.id))
    if reported == "confirmed" and heard_as != report["running_version"]:
        # The kiosk's health check ends with a heartbeat as the new version; without one, it is not confirmed.
        reported = "switched"
    state.running_version, state.slot, state.state = report["running_version"], report["slot"], reported
    state.target_version, state.detail = report.get("target_version"), report.get("detail")
    state.rollout_id = rollout.id if rollout else state.rollout_id
    state.crashes = report.get("crashes", 0)
    state.updated_at = now
    session.add(state)
    changed = previous != (state.state, state.running_version, state.rollout_id, state.detail)
    if reported == "confirmed" and changed:
        state.confirmed_at = now
    session.flush()
    if changed:  # a kiosk repeats its last result at every check: one event per change
        events.record(
            session,
            actor=f"kiosk:{kiosk.id}",
            action=f"kiosk_{reported}",
            now=now,
            kiosk_id=kiosk.id,
            rollout_id=rollout.id if rollout else None,
            release_id=rollout.release_id if rollout else None,
            detail=f"runs {state.running_version} (slot {state.slot}); {report.get('detail') or ''}".strip("; "),
        )
    # Every report re-evaluates the running wave: a kiosk that does not take part still adds fresh metrics.
    running = session.scalar(sa.select(Rollout).where(Rollout.state == "running"))
    if running is not None:
        if changed and reported == "rolled_back" and rollout is not None and rollout.id == running.id:
            reason = f"kiosk {kiosk.id} rolled back: {report.get('detail') or 'health check failed'}"
            halt(session, running, reason, now)
        else:
            evaluate(session=session, rollout=running, now=now)
    return state


def halt(session: Session, rollout: Rollout, reason: str, now: datetime) -> None:
    rollout.state, rollout.halted_reason, rollout.updated_at = "halted", reason[:300], now
    events.record(
        session,
        actor="system",
        action="rollout_halted",
        now=now,
        release_id=rollout.release_id,
        rollout_id=rollout.id,
        detail=reason,
    )


def evaluate(*, session: Session, rollout: Rollout, now: datetime) -> Rollout:
    """Halt the wave when its health drops; move to the next wave once every kiosk of this one confirmed."""
    if rollout.state != "running":
        return rollout
    health = wave_health(session, rollout)
    if health.problem:
        halt(session, rollout, health.problem, now)
        return rollout
    release = session.get(Release, rollout.release_id)
    members = wave_members(session, rollout)
    confirmed = set(
        session.scalars(
            sa.select(KioskUpdate.kiosk_id).where(
                KioskUpdate.kiosk_id.in_(members),
                KioskUpdate.running_version == release.version,
                KioskUpdate.state == "confirmed",
            )
        )
    )
    if members and confirmed == members:
        if rollout.wave == "all":
            rollout.state = "completed"
        else:
            rollout.wave = WAVES[WAVES.index(rollout.wave) + 1]
        rollout.updated_at = now
        events.record(
            session,
            actor="system",
            action="rollout_progressed",
            now=now,
            release_id=rollout.release_id,
            rollout_id=rollout.id,
            detail=f"{len(confirmed)} kiosks confirmed; wave {rollout.wave}, {rollout.state}",
        )
    return rollout


def progress(session: Session, rollout: Rollout) -> dict:
    release = session.get(Release, rollout.release_id)
    members = wave_members(session, rollout)
    states = {r.kiosk_id: r for r in session.scalars(sa.select(KioskUpdate).where(KioskUpdate.kiosk_id.in_(members)))}
    counts: dict[str, int] = {}
    for kiosk_id in members:
        report = states.get(kiosk_id)
        key = "pending"
        if report and report.rollout_id == rollout.id:
            key = report.state
        elif report and report.running_version == release.version:
            key = "confirmed"
        counts[key] = counts.get(key, 0) + 1
    health = wave_health(session, rollout)
    return {"release": release, "members": len(members), "states": counts, "health": health}


def kiosk_versions(*, session: Session, principal: Principal) -> list[tuple[Kiosk, KioskUpdate | None]]:
    _require_admin(principal)
    rows = session.execute(
        sa.select(Kiosk, KioskUpdate).outerjoin(KioskUpdate, KioskUpdate.kiosk_id == Kiosk.id).order_by(Kiosk.id)
    )
    return [(kiosk, update) for kiosk, update in rows]
