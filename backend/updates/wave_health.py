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


def _add_buckets(session: Session, rates: GroupRates, kiosk_id: str, since) -> None:
    columns = [
        sa.func.coalesce(sa.func.sum(getattr(MetricBucket, f"{s}_{k}")), 0)
        for s in _SCANS
        for k in ("attempted", "succeeded")
    ]
    row = session.execute(
        sa.select(*columns, sa.func.coalesce(sa.func.sum(MetricBucket.checkins_completed), 0)).where(
            MetricBucket.kiosk_id == kiosk_id, MetricBucket.resolution == "m5", MetricBucket.start >= since
        )
    ).one()
    rates.kiosks += 1
    rates.read_attempts += sum(row[0:8:2])
    rates.read_successes += sum(row[1:8:2])
    rates.checkins += row[8]


def wave_health(session: Session, rollout: Rollout) -> WaveHealth:
    release = session.get(Release, rollout.release_id)
    reports = {
        r.kiosk_id: r for r in session.scalars(sa.select(KioskUpdate).where(KioskUpdate.rollout_id == rollout.id))
    }
    updated, rest, crashes = GroupRates(), GroupRates(), {}
    for kiosk in session.scalars(sa.select(Kiosk).where(Kiosk.status == "active")):
        report = reports.get(kiosk.id)
        if report and report.running_version == release.version and report.confirmed_at:
            # Metric buckets start on 5-minute marks: the one holding the switch mixes both versions; skip it.
            _add_buckets(session, updated, kiosk.id, report.confirmed_at)
            crashes[kiosk.id] = report.crashes
        else:
            _add_buckets(session, rest, kiosk.id, rollout.created_at)
    return WaveHealth(updated, rest, crashes, _problem(updated, rest, crashes))


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
