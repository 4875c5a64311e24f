"""Telemetry: job metrics summed into 5-minute buckets (written by backend/fleet/ingest.py), rolled up into hours
when old and read back as series; kiosks that stopped beating swept into offline alerts (the alerts a heartbeat
opens or clears are in ingest.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.fleet.models import Alert, Kiosk, MetricBucket
from backend.fleet.settings import fleet_setting
from shared_schemas.clock import VIETNAM_TZ as VIETNAM
from shared_schemas.fleet import SCAN_METHODS

DETAIL, HOURLY = "m5", "h1"
COUNTERS = tuple(f"{m}_{w}" for m in SCAN_METHODS for w in ("attempted", "succeeded")) + (
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


def merge_steps(into: dict, steps: dict) -> dict:
    merged = {name: list(pair) for name, pair in (into or {}).items()}
    for name, timing in steps.items():
        count, total = (timing["count"], timing["total_ms"]) if isinstance(timing, dict) else timing
        pair = merged.setdefault(name, [0, 0])
        pair[0] += count
        pair[1] += total
    return merged


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
                **dict.fromkeys(COUNTERS, 0),
                outbox_max=0,
            )
            session.add(target)
        for bucket in buckets:
            for name in COUNTERS:
                setattr(target, name, getattr(target, name) + getattr(bucket, name))
            target.outbox_max = max(target.outbox_max, bucket.outbox_max)
            target.step_ms = merge_steps(target.step_ms, bucket.step_ms or {})
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
        hour["steps"] = merge_steps(hour["steps"], row.step_ms or {})
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


# --- alerts -------------------------------------------------------------------------------------------------
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
