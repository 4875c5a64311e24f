"""Health of a wave from the fleet's own job metrics: updated kiosks (confirmed on the rollout's release)
against the rest over the same period. The wave halts when, for the updated kiosks,

- the card-read rate (all scan kinds: successes / attempts) or
- the check-in success (check-ins completed / identifications that succeeded)

is more than UPDATE_HEALTH_MAX_DROP (absolute, default 0.15) below the rest's, once the updated kiosks have
UPDATE_HEALTH_MIN_ATTEMPTS (default 10) attempts of that kind, or when an updated kiosk has crashed (restarted
uncleanly) more than UPDATE_HEALTH_MAX_CRASHES times since its switch."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.fleet.models import Kiosk, MetricBucket
from backend.updates.models import KioskUpdate, Release, Rollout
from backend.updates.settings import update_setting

_SCANS = ("chip", "cccd_qr", "signed_qr", "id_and_dob")


@dataclass
class GroupRates:
    kiosks: int = 0
    read_attempts: int = 0
    read_successes: int = 0
    checkins: int = 0

    @property
    def read_rate(self) -> float | None:
        return self.read_successes / self.read_attempts if self.read_attempts else None

    @property
    def checkin_rate(self) -> float | None:
        return min(1.0, self.checkins / self.read_successes) if self.read_successes else None


@dataclass
class WaveHealth:
    updated: GroupRates
    rest: GroupRates
    crashes: dict[str, int]
    problem: str | None


def wave_health(session: Session, rollout: Rollout) -> WaveHealth:
    """Two groups in one grouped query, so a report costs the same with ten kiosks or ten thousand."""
    release = session.get(Release, rollout.release_id)
    updated_flag = sa.and_(
        KioskUpdate.rollout_id == rollout.id,
        KioskUpdate.running_version == release.version,
        KioskUpdate.confirmed_at.is_not(None),
    )
    group = sa.case((updated_flag, 1), else_=0)
    columns = [f"{scan}_{kind}" for scan in _SCANS for kind in ("attempted", "succeeded")] + ["checkins_completed"]
    # The group is computed in a subquery and grouped by its column: PostgreSQL would not match a GROUP BY
    # expression carrying bound parameters with the same expression in the select list.
    buckets = (
        sa.select(group.label("updated"), MetricBucket.kiosk_id, *(getattr(MetricBucket, c) for c in columns))
        .join(Kiosk, Kiosk.id == MetricBucket.kiosk_id)
        .outerjoin(KioskUpdate, KioskUpdate.kiosk_id == MetricBucket.kiosk_id)
        .where(
            Kiosk.status == "active",
            MetricBucket.resolution == "m5",
            MetricBucket.start >= rollout.created_at,
            # Buckets start on 5-minute marks: the one holding the switch mixes both versions; skip it.
            sa.or_(group == 0, MetricBucket.start >= KioskUpdate.confirmed_at),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(
            buckets.c.updated,
            sa.func.count(sa.distinct(buckets.c.kiosk_id)),
            *(sa.func.coalesce(sa.func.sum(buckets.c[c]), 0) for c in columns),
        ).group_by(buckets.c.updated)
    ).all()
    groups = {0: GroupRates(), 1: GroupRates()}
    for row in rows:
        rates = groups[int(row[0])]
        rates.kiosks = int(row[1])
        rates.read_attempts = int(sum(row[2:10:2]))
        rates.read_successes = int(sum(row[3:10:2]))
        rates.checkins = int(row[10])
    crashes = {
        kiosk_id: count
        for kiosk_id, count in session.execute(sa.select(KioskUpdate.kiosk_id, KioskUpdate.crashes).where(updated_flag))
    }
    return WaveHealth(groups[1], groups[0], crashes, _problem(groups[1], groups[0], crashes))


def _problem(updated: GroupRates, rest: GroupRates, crashes: dict[str, int]) -> str | None:
    max_drop = float(update_setting("UPDATE_HEALTH_MAX_DROP"))
    min_attempts = int(update_setting("UPDATE_HEALTH_MIN_ATTEMPTS"))
    crashed = sorted(k for k, n in crashes.items() if n > int(update_setting("UPDATE_HEALTH_MAX_CRASHES")))
    if crashed:
        return f"updated kiosks crashed repeatedly: {', '.join(crashed[:5])}"
    checks = (
        ("card-read rate", updated.read_rate, rest.read_rate, updated.read_attempts),
        ("check-in success", updated.checkin_rate, rest.checkin_rate, updated.read_successes),
    )
    for name, mine, theirs, attempts in checks:
        if mine is None or theirs is None or attempts < min_attempts:
            continue
        if theirs - mine > max_drop:
            return f"{name} of updated kiosks {mine:.0%} vs {theirs:.0%} for the rest"
    return None
