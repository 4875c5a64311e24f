"""Enrolled kiosks as fleet admins see them: lookups, the list and one kiosk (read model with connectivity and
the configuration version it should run), and status changes (suspend, reactivate, decommission)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth import tokens
from backend.auth.models import Account, AccountStatusChange
from backend.core.access import Principal
from backend.errors import Conflict
from backend.fleet.kiosk_directory import fleet_changed
from backend.fleet.labels import label
from backend.fleet.lookups import get_kiosk, require_admin
from backend.fleet.models import Command, Kiosk
from backend.fleet.profiles import assigned_versions
from backend.fleet.settings import fleet_setting


def connectivity(last_seen_at: datetime | None, now: datetime) -> str:
    if last_seen_at is None:
        return "never_seen"
    offline_after = timedelta(seconds=fleet_setting("FLEET_OFFLINE_AFTER_S"))
    return "offline" if now - last_seen_at > offline_after else "online"


@dataclass(frozen=True)
class KioskView:
    """A kiosk with what is derived about it: connectivity now, how old its vitals are, the version it should
    run and, when it is down, since when and why."""

    kiosk: Kiosk
    connectivity: str
    assigned_config_version: int
    vitals_age_s: int | None = None
    down_since: datetime | None = None
    down_reason: str | None = None
    lock_pending: str | None = None  # "lock" or "unlock" sent but not yet confirmed by the kiosk

    def __getattr__(self, name: str):
        # The schema dumps the kiosk's own columns through the view (id, status, last_seen_at, ...).
        return getattr(self.kiosk, name)

    @property
    def devices(self) -> dict | None:
        k = self.kiosk
        if k.last_seen_at is None:
            return None
        return {"card_reader": k.card_reader_state, "camera": k.camera_state, "printer": k.printer_state}

    @property
    def vitals_stale(self) -> bool:
        return self.connectivity == "offline"


def _views(session: Session, kiosks: list[Kiosk], now: datetime) -> list[KioskView]:
    """Views of many kiosks in three queries, whatever their number (no query per kiosk)."""
    ids = [k.id for k in kiosks]
    versions = assigned_versions(session, kiosks)
    # The latest lock/unlock still waiting for the kiosk's acknowledgement, per kiosk (the badge shows what the
    # kiosk reported; this says what is on its way).
    pending = (
        dict(
            session.execute(
                sa.select(Command.kiosk_id, Command.kind)
                .where(
                    Command.kiosk_id.in_(ids),
                    Command.kind.in_(("lock", "unlock")),
                    Command.state.in_(("queued", "delivered")),
                )
                .order_by(Command.id)
            ).all()
        )
        if ids
        else {}
    )
    views = []
    for kiosk in kiosks:
        state = connectivity(kiosk.last_seen_at, now)
        age = None if kiosk.last_seen_at is None else max(0, int((now - kiosk.last_seen_at).total_seconds()))
        down_since = down_reason = None
        if kiosk.status != "active":
            vi, en = label(kiosk.status)
            down_reason = f"{vi} / {en}: {kiosk.status_reason}" if kiosk.status_reason else f"{vi} / {en}"
        elif state == "offline":
            # The reason is what is known: its heartbeats stopped (the last report says what it saw then).
            down_since = kiosk.last_seen_at
            down_reason = "Không còn gửi nhịp tim / heartbeats stopped"
        views.append(KioskView(kiosk, state, versions[kiosk.id], age, down_since, down_reason, pending.get(kiosk.id)))
    return views


def list_kiosks(
    *,
    session: Session,
    principal: Principal,
    hospital_code: str | None,
    connectivity_filter: str | None,
    now: datetime,
) -> list[KioskView]:
    require_admin(principal)
    query = sa.select(Kiosk).order_by(Kiosk.hospital_code, Kiosk.location_label)
    if hospital_code:
        query = query.where(Kiosk.hospital_code == hospital_code)
    views = _views(session, list(session.scalars(query)), now)
    return [v for v in views if connectivity_filter in (None, v.connectivity)]


def kiosk_view(*, session: Session, principal: Principal, kiosk_id: str, now: datetime) -> KioskView:
    require_admin(principal)
    return _views(session, [get_kiosk(session, kiosk_id)], now)[0]


def change_status(
    *, session: Session, principal: Principal, kiosk_id: str, status: str, reason: str, now: datetime
) -> KioskView:
    """Suspend, reactivate or decommission. Suspending revokes the device's tokens at once, and every app
    worker refuses the kiosk's signed requests within FLEET_DIRECTORY_CHECK_S."""
    require_admin(principal)
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
    fleet_changed(session)
    return _views(session, [kiosk], now)[0]
