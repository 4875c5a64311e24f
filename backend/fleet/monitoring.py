"""Watching the fleet: status counts per hospital, alerts (listed, acknowledged and resolved by an admin with a
note, each step audited) and job metrics per kiosk."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.core.access import Principal
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.fleet import telemetry
from backend.fleet.kiosks import connectivity
from backend.fleet.lookups import get_kiosk, hospital_names, require_admin
from backend.fleet.models import Alert, Kiosk

log = logging.getLogger(__name__)


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
    require_admin(principal)
    telemetry.sweep_offline(session, now)
    names = hospital_names(session)
    counts: dict[str, dict] = {}
    for kiosk in session.scalars(sa.select(Kiosk).where(Kiosk.status != "decommissioned")):
        entry = counts.setdefault(
            kiosk.hospital_code,
            {"total": 0, "online": 0, "offline": 0, "never_seen": 0, "suspended": 0, "open_alerts": 0},
        )
        entry["total"] += 1
        entry["suspended" if kiosk.status == "suspended" else connectivity(kiosk.last_seen_at, now)] += 1
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


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    hospital_code: str

    def __getattr__(self, name: str):
        return getattr(self.alert, name)

    @property
    def state(self) -> str:
        if self.alert.resolved_at is not None:
            return "resolved"
        return "acknowledged" if self.alert.acknowledged_at is not None else "open"


def list_alerts(
    *,
    session: Session,
    principal: Principal,
    state: str,
    hospital_code: str | None,
    now: datetime,
    kiosk_id: str | None = None,
) -> list[AlertView]:
    require_admin(principal)
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
    return [AlertView(alert, code) for alert, code in session.execute(query).all()]


def metric_series(
    *, session: Session, principal: Principal, kiosk_id: str, hours: int, now: datetime
) -> list[telemetry.MetricPoint]:
    require_admin(principal)
    get_kiosk(session, kiosk_id)
    return telemetry.hourly_series(session, kiosk_id, since=now - timedelta(hours=hours - 1), now=now)


def _open_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"No alert {alert_id}.")
    if alert.resolved_at is not None:
        raise Conflict(f"Alert {alert_id} is already resolved.")
    return alert


def acknowledge_alert(*, session: Session, principal: Principal, alert_id: int, now: datetime) -> AlertView:
    """Someone is on it: the alert stays open (the condition may persist) but shows who took it and when."""
    require_admin(principal)
    alert = _open_alert(session, alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, principal.account_id
    return AlertView(alert, get_kiosk(session, alert.kiosk_id).hospital_code)


def resolve_alert(*, session: Session, principal: Principal, alert_id: int, note: str, now: datetime) -> AlertView:
    """Closed by a person, with what was done. A kiosk whose condition persists opens a new alert with its
    next heartbeat (or the next offline sweep), so resolving cannot hide a live problem for long."""
    require_admin(principal)
    note = " ".join(note.split())
    if len(note) < 3:
        raise ValidationFailed(
            "Say what was done (a note of 3 characters or more).", errors={"form": {"note": ["Required."]}}
        )
    alert = _open_alert(session, alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, principal.account_id
    alert.resolved_at, alert.resolved_by, alert.note = now, principal.account_id, note[:500]
    log.info(
        "fleet alert %s (%s, %s) resolved by account %s", alert.id, alert.kind, alert.kiosk_id, principal.account_id
    )
    return AlertView(alert, get_kiosk(session, alert.kiosk_id).hospital_code)
