"""Telemetry: job metrics summed into 5-minute buckets, rolled up into hours when old; alerts (offline,
printer out of paper, read-success rate dropping) opened and resolved as heartbeats arrive or stop."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.fleet.models import Alert, Kiosk, MetricBucket
from backend.fleet.settings import fleet_setting
from shared_schemas.clock import VIETNAM_TZ as VIETNAM
from shared_schemas.fleet import SCAN_METHODS

DETAIL, HOURLY = "m5", "h1"
_COUNTERS = tuple(f"{m}_{w}" for m in SCAN_METHODS for w in ("attempted", "succeeded")) + (
    "heartbeats",
    "checkins_completed",
    "paper_low_heartbeats",
)
SEVERITY = {
    "offline": "critical",
    "printer_out_of_paper": "critical",
    "read_success_low": "warning",
    "help_requested": "warning",
}


def bucket_start(moment: datetime, resolution: str) -> datetime:
    if resolution == HOURLY:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def _merge_steps(into: dict, steps: dict) -> dict:
    merged = {name: list(pair) for name, pair in (into or {}).items()}
    for name, timing in steps.items():
        count, total = (timing["count"], timing["total_ms"]) if isinstance(timing, dict) else timing
        pair = merged.setdefault(name, [0, 0])
        pair[0] += count
        pair[1] += total
    return merged


def add_heartbeat(session: Session, kiosk_id: str, heartbeat: dict, now: datetime) -> None:
    """Add one heartbeat's counts to the kiosk's current 5-minute bucket."""
    metrics = heartbeat.get("metrics") or {}
    increments = {
        "heartbeats": 1,
        "checkins_completed": metrics.get("checkins_completed", 0),
        "paper_low_heartbeats": int(bool(heartbeat.get("paper_low"))),
    }
    for method, counts in (metrics.get("scans") or {}).items():
        increments[f"{method}_attempted"] = counts["attempted"]
        increments[f"{method}_succeeded"] = counts["succeeded"]
    key = (kiosk_id, DETAIL, bucket_start(now, DETAIL))
    for _attempt in range(2):
        bucket = session.get(MetricBucket, key)
        if bucket is None:
            try:
                # The kiosk's first heartbeat in this bucket; a concurrent one may insert it first.
                with session.begin_nested():
                    bucket = MetricBucket(
                        kiosk_id=kiosk_id,
                        resolution=DETAIL,
                        start=key[2],
                        step_ms={},
                        **dict.fromkeys(_COUNTERS, 0),
                        outbox_max=0,
                    )
                    session.add(bucket)
                    session.flush()
            except IntegrityError:
                continue
        for name, value in increments.items():
            setattr(bucket, name, getattr(bucket, name) + value)
        bucket.outbox_max = max(bucket.outbox_max, heartbeat.get("outbox_backlog") or 0)
        if metrics.get("step_ms"):
            bucket.step_ms = _merge_steps(bucket.step_ms, metrics["step_ms"])
        return


def rollup(session: Session, now: datetime) -> dict:
    """Fold 5-minute buckets older than the detail retention into hourly ones; drop hours past theirs."""
    detail_cutoff = bucket_start(now - timedelta(hours=fleet_setting("FLEET_DETAIL_RETENTION_HOURS")), HOURLY)
    old = list(
        session.scalars(
            sa.select(MetricBucket).where(MetricBucket.resolution == DETAIL, MetricBucket.start < detail_cutoff)
        )
    )
    groups: dict[tuple[str, datetime], list[MetricBucket]] = defaultdict(list)
    for bucket in old:
        groups[(bucket.kiosk_id, bucket_start(bucket.start, HOURLY))].append(bucket)
    for (kiosk_id, hour), buckets in groups.items():
        target = session.get(MetricBucket, (kiosk_id, HOURLY, hour))
        if target is None:
            target = MetricBucket(
                kiosk_id=kiosk_id,
                resolution=HOURLY,
                start=hour,
                step_ms={},
                **dict.fromkeys(_COUNTERS, 0),
                outbox_max=0,
            )
            session.add(target)
        for bucket in buckets:
            for name in _COUNTERS:
                setattr(target, name, getattr(target, name) + getattr(bucket, name))
            target.outbox_max = max(target.outbox_max, bucket.outbox_max)
            target.step_ms = _merge_steps(target.step_ms, bucket.step_ms or {})
            session.delete(bucket)
    hourly_cutoff = now - timedelta(days=fleet_setting("FLEET_HOURLY_RETENTION_DAYS"))
    dropped = session.execute(
        sa.delete(MetricBucket).where(MetricBucket.resolution == HOURLY, MetricBucket.start < hourly_cutoff)
    ).rowcount
    session.flush()
    return {"rolled_up": len(old), "hours_written": len(groups), "hours_dropped": dropped}


@dataclass(frozen=True)
class MetricPoint:
    start: datetime
    resolution: str
    scans_attempted: int
    scans_succeeded: int
    checkins_completed: int
    mean_checkin_ms: int | None


def hourly_series(session: Session, kiosk_id: str, *, since: datetime, now: datetime) -> list[MetricPoint]:
    """One point per hour from `since` to now, built from hourly rows and the 5-minute detail."""
    rows = session.scalars(
        sa.select(MetricBucket).where(
            MetricBucket.kiosk_id == kiosk_id, MetricBucket.start >= bucket_start(since, HOURLY)
        )
    )
    hours: dict[datetime, dict] = {}
    for row in rows:
        hour = hours.setdefault(bucket_start(row.start, HOURLY), {"a": 0, "s": 0, "c": 0, "steps": {}})
        hour["a"] += sum(getattr(row, f"{m}_attempted") for m in SCAN_METHODS)
        hour["s"] += sum(getattr(row, f"{m}_succeeded") for m in SCAN_METHODS)
        hour["c"] += row.checkins_completed
        hour["steps"] = _merge_steps(hour["steps"], row.step_ms or {})
    points = []
    moment = bucket_start(since, HOURLY)
    while moment <= now:
        hour = hours.get(moment, {"a": 0, "s": 0, "c": 0, "steps": {}})
        # A check-in's time is the sum of its steps' mean times.
        step_means = [total / count for count, total in hour["steps"].values() if count]
        points.append(
            MetricPoint(
                moment,
                HOURLY,
                hour["a"],
                hour["s"],
                hour["c"],
                round(sum(step_means)) if step_means else None,
            )
        )
        moment += timedelta(hours=1)
    return points


def read_success(session: Session, kiosk_id: str, *, since: datetime) -> tuple[int, int]:
    attempted = sum(getattr(MetricBucket, f"{m}_attempted") for m in SCAN_METHODS)
    succeeded = sum(getattr(MetricBucket, f"{m}_succeeded") for m in SCAN_METHODS)
    row = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(attempted), 0), sa.func.coalesce(sa.func.sum(succeeded), 0)).where(
            MetricBucket.kiosk_id == kiosk_id, MetricBucket.resolution == DETAIL, MetricBucket.start >= since
        )
    ).one()
    return int(row[0]), int(row[1])


# --- alerts -------------------------------------------------------------------------------------------------
def open_alerts(session: Session, kiosk_id: str) -> dict[str, Alert]:
    return {
        alert.kind: alert
        for alert in session.scalars(sa.select(Alert).where(Alert.kiosk_id == kiosk_id, Alert.resolved_at.is_(None)))
    }


def _set(
    session: Session,
    current: dict[str, Alert],
    kiosk_id: str,
    kind: str,
    active: bool,
    detail: str,
    now: datetime,
) -> None:
    alert = current.get(kind)
    if active and alert is None:
        current[kind] = Alert(kiosk_id=kiosk_id, kind=kind, severity=SEVERITY[kind], detail=detail[:200], opened_at=now)
        session.add(current[kind])
    elif not active and alert is not None:
        alert.resolved_at = now


def evaluate_heartbeat(session: Session, kiosk: Kiosk, heartbeat: dict, now: datetime) -> None:
    """A heartbeat arrived: the kiosk is not offline; check paper and the read-success rate."""
    current = open_alerts(session, kiosk.id)
    _set(session, current, kiosk.id, "offline", False, "", now)
    _set(
        session,
        current,
        kiosk.id,
        "printer_out_of_paper",
        heartbeat["devices"]["printer"] == "paper_out",
        "Máy in hết giấy / Printer out of paper",
        now,
    )
    scans = (heartbeat.get("metrics") or {}).get("scans") or {}
    if scans or "read_success_low" in current:
        attempted, succeeded = read_success(session, kiosk.id, since=now - timedelta(hours=1))
        minimum = fleet_setting("FLEET_READ_SUCCESS_MIN")
        if attempted >= fleet_setting("FLEET_READ_SUCCESS_MIN_ATTEMPTS"):
            rate = succeeded / attempted
            # Hysteresis: resolve only once clearly recovered, so a rate near the line does not flap.
            if rate < minimum or ("read_success_low" in current and rate < minimum + 0.05):
                _set(
                    session,
                    current,
                    kiosk.id,
                    "read_success_low",
                    True,
                    f"Tỉ lệ đọc thành công {rate:.0%} trong 60 phút ({succeeded}/{attempted}) / "
                    f"read success {rate:.0%} in the last hour",
                    now,
                )
            else:
                _set(session, current, kiosk.id, "read_success_low", False, "", now)


def sweep_offline(session: Session, now: datetime) -> int:
    """Open an offline alert for each active kiosk silent for longer than FLEET_OFFLINE_AFTER_S."""
    cutoff = now - timedelta(seconds=fleet_setting("FLEET_OFFLINE_AFTER_S"))
    already = sa.select(Alert.kiosk_id).where(Alert.kind == "offline", Alert.resolved_at.is_(None))
    silent = session.execute(
        sa.select(Kiosk.id, Kiosk.last_seen_at).where(
            Kiosk.status == "active", Kiosk.last_seen_at < cutoff, Kiosk.id.not_in(already)
        )
    ).all()
    for kiosk_id, last_seen in silent:
        session.add(
            Alert(
                kiosk_id=kiosk_id,
                kind="offline",
                severity=SEVERITY["offline"],
                opened_at=now,
                detail=f"Mất kết nối từ / offline since {last_seen.astimezone(VIETNAM):%d/%m/%Y %H:%M}",
            )
        )
    session.flush()
    return len(silent)
