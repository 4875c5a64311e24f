"""Heartbeats written in batches: the latest vitals of each kiosk (one multi-row update), job metrics added to
their 5-minute buckets (one multi-row upsert), and the alerts a heartbeat opens or clears (one read of the open
alerts, one grouped read-success query). One heartbeat is a batch of one; the telemetry buffer hands over
about a second's worth from one worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from backend.fleet.models import Alert, Kiosk, MetricBucket
from backend.fleet.settings import fleet_setting
from backend.fleet.telemetry import COUNTERS, DETAIL, SEVERITY, bucket_start, merge_steps
from shared_schemas.fleet import SCAN_METHODS

_CHUNK = 200  # rows per multi-row statement: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Beat:
    kiosk_id: str
    heartbeat: dict
    seen_at: datetime


def write(session: Session, beats: list[Beat]) -> None:
    if not beats:
        return
    latest: dict[str, Beat] = {}
    for beat in beats:
        if beat.kiosk_id not in latest or latest[beat.kiosk_id].seen_at <= beat.seen_at:
            latest[beat.kiosk_id] = beat
    _write_vitals(session, list(latest.values()))
    write_buckets(session, beats)
    _evaluate_alerts(session, latest)


def _chunks(rows: list) -> list[list]:
    return [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)]


def _among(session: Session, column, values: list):
    """`column IN values`. On PostgreSQL as `column = ANY(:array)`: one statement text whatever the number of
    values, so it is converted once and then prepared by psycopg; an IN list of a different length each flush
    was rendered, converted and planned afresh every time (a fifth of a flush's CPU, /tmp profile of
    ingest.write, issue 21). The rows matched are the same."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))


def _write_vitals(session: Session, latest: list[Beat]) -> None:
    table = Kiosk.__table__
    seen = sa.bindparam("b_seen", type_=table.c.last_seen_at.type)
    statement = (
        sa.update(table)
        # An older heartbeat (a slow worker's batch) never overwrites a newer one.
        .where(table.c.id == sa.bindparam("b_id"), sa.or_(table.c.last_seen_at.is_(None), table.c.last_seen_at <= seen))
        .values(
            last_seen_at=seen,
            app_version=sa.bindparam("b_app_version"),
            uptime_s=sa.bindparam("b_uptime_s"),
            card_reader_state=sa.bindparam("b_card_reader"),
            camera_state=sa.bindparam("b_camera"),
            printer_state=sa.bindparam("b_printer"),
            paper_low=sa.bindparam("b_paper_low"),
            outbox_backlog=sa.bindparam("b_outbox_backlog"),
            last_error=sa.bindparam("b_last_error"),
            locked=sa.bindparam("b_locked"),
            config_version=sa.bindparam("b_config_version"),
        )
    )
    rows = []
    for beat in latest:
        heartbeat, devices = beat.heartbeat, beat.heartbeat["devices"]
        rows.append(
            {
                "b_id": beat.kiosk_id,
                "b_seen": beat.seen_at,
                "b_app_version": heartbeat["app_version"],
                "b_uptime_s": heartbeat["uptime_s"],
                "b_card_reader": devices["card_reader"],
                "b_camera": devices["camera"],
                "b_printer": devices["printer"],
                "b_paper_low": heartbeat["paper_low"],
                "b_outbox_backlog": heartbeat["outbox_backlog"],
                "b_last_error": heartbeat.get("last_error"),
                "b_locked": heartbeat["locked"],
                "b_config_version": heartbeat.get("config_version"),
            }
        )
    session.connection().execute(statement, rows)
    _expire(session, Kiosk, [(beat.kiosk_id,) for beat in latest])


def _expire(session: Session, model, keys: list[tuple]) -> None:
    """Rows this session already holds were changed behind the ORM's back: read them afresh next time."""
    if not len(session.identity_map):  # the telemetry buffer's own session holds nothing: no key to look up
        return
    for key in keys:
        held = session.identity_map.get(identity_key(model, key))
        if held is not None:
            session.expire(held)


def _increments(heartbeat: dict) -> dict:
    metrics = heartbeat.get("metrics") or {}
    counts = dict.fromkeys(COUNTERS, 0)
    counts["heartbeats"] = 1
    counts["checkins_completed"] = metrics.get("checkins_completed", 0)
    counts["paper_low_heartbeats"] = int(bool(heartbeat.get("paper_low")))
    for method, scan in (metrics.get("scans") or {}).items():
        counts[f"{method}_attempted"] = scan["attempted"]
        counts[f"{method}_succeeded"] = scan["succeeded"]
    return counts


def upsert_statement(session: Session, table: sa.Table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def write_buckets(session: Session, beats: list[Beat]) -> None:
    """Add the beats' counts to their kiosks' 5-minute buckets: summed here first, then one upsert that adds
    them in the database (so two workers adding to one bucket both count)."""
    sums: dict[tuple[str, datetime], dict] = {}
    steps: dict[tuple[str, datetime], dict] = {}
    for beat in beats:
        key = (beat.kiosk_id, bucket_start(beat.seen_at, DETAIL))
        row = sums.setdefault(key, {**dict.fromkeys(COUNTERS, 0), "outbox_max": 0})
        for name, value in _increments(beat.heartbeat).items():
            row[name] += value
        row["outbox_max"] = max(row["outbox_max"], beat.heartbeat.get("outbox_backlog") or 0)
        step_ms = (beat.heartbeat.get("metrics") or {}).get("step_ms")
        if step_ms:
            steps[key] = merge_steps(steps.get(key, {}), step_ms)
    table = MetricBucket.__table__
    rows = [
        {"kiosk_id": kiosk_id, "resolution": DETAIL, "start": start, "step_ms": {}, **counts}
        for (kiosk_id, start), counts in sums.items()
    ]
    if not rows:
        return
    # One single-row upsert executed for every row (executemany): compiled once and cached, where a multi-row
    # VALUES of a different length each flush was compiled again every time (most of a flush's CPU).
    insert = upsert_statement(session, table)
    added = {name: table.c[name] + insert.excluded[name] for name in COUNTERS}
    added["outbox_max"] = sa.case(
        (insert.excluded.outbox_max > table.c.outbox_max, insert.excluded.outbox_max), else_=table.c.outbox_max
    )
    upsert = insert.on_conflict_do_update(index_elements=["kiosk_id", "resolution", "start"], set_=added)
    session.connection().execute(upsert, rows)
    if steps:
        _merge_step_timings(session, steps)
    _expire(session, MetricBucket, [(kiosk_id, DETAIL, start) for kiosk_id, start in sums])


def _merge_step_timings(session: Session, steps: dict[tuple[str, datetime], dict]) -> None:
    # The upsert above holds these rows' locks until commit, so this read-merge-write cannot lose a twin's.
    table = MetricBucket.__table__
    current = []
    for chunk in _chunks(list(steps)):
        # The kiosks' rows at the chunk's starts (a second's beats share one or two): a few more rows than the
        # pairs asked for at most, and those are left out below.
        kiosks, starts = {kiosk_id for kiosk_id, _ in chunk}, {start for _, start in chunk}
        current.extend(
            session.connection().execute(
                sa.select(table.c.kiosk_id, table.c.start, table.c.step_ms).where(
                    table.c.resolution == DETAIL,
                    _among(session, table.c.kiosk_id, sorted(kiosks)),
                    _among(session, table.c.start, sorted(starts)),
                )
            )
        )
    updates = [
        {"b_kiosk": kiosk_id, "b_start": start, "b_steps": merge_steps(step_ms or {}, steps[(kiosk_id, start)])}
        for kiosk_id, start, step_ms in current
        if (kiosk_id, start) in steps
    ]
    session.connection().execute(
        sa.update(table)
        .where(
            table.c.kiosk_id == sa.bindparam("b_kiosk"),
            table.c.resolution == DETAIL,
            table.c.start == sa.bindparam("b_start", type_=table.c.start.type),
        )
        .values(step_ms=sa.bindparam("b_steps", type_=table.c.step_ms.type)),
        updates,
    )


# --- alerts ---------------------------------------------------------------------------------------------------
def _set(session: Session, current: dict[str, Alert], kiosk_id: str, kind: str, active: bool, detail: str, now):
    alert = current.get(kind)
    if active and alert is None:
        current[kind] = Alert(kiosk_id=kiosk_id, kind=kind, severity=SEVERITY[kind], detail=detail[:200], opened_at=now)
        session.add(current[kind])
    elif not active and alert is not None:
        alert.resolved_at = now


def _read_success(session: Session, kiosk_ids: list[str], since: datetime) -> dict[str, tuple[int, int]]:
    attempted = sum(getattr(MetricBucket, f"{m}_attempted") for m in SCAN_METHODS)
    succeeded = sum(getattr(MetricBucket, f"{m}_succeeded") for m in SCAN_METHODS)
    rows = session.execute(
        sa.select(MetricBucket.kiosk_id, sa.func.sum(attempted), sa.func.sum(succeeded))
        .where(
            _among(session, MetricBucket.kiosk_id, kiosk_ids),
            MetricBucket.resolution == DETAIL,
            MetricBucket.start >= since,
        )
        .group_by(MetricBucket.kiosk_id)
    )
    return {kiosk_id: (int(a or 0), int(s or 0)) for kiosk_id, a, s in rows}


def _evaluate_alerts(session: Session, latest: dict[str, Beat]) -> None:
    """Heartbeats arrived: those kiosks are not offline; check their paper and read-success rate."""
    current: dict[str, dict[str, Alert]] = {kiosk_id: {} for kiosk_id in latest}
    for chunk in _chunks(list(latest)):
        open_alerts = sa.select(Alert).where(_among(session, Alert.kiosk_id, chunk), Alert.resolved_at.is_(None))
        for alert in session.scalars(open_alerts):
            current[alert.kiosk_id][alert.kind] = alert
    for kiosk_id, beat in latest.items():
        _set(session, current[kiosk_id], kiosk_id, "offline", False, "", beat.seen_at)
        _set(
            session,
            current[kiosk_id],
            kiosk_id,
            "printer_out_of_paper",
            beat.heartbeat["devices"]["printer"] == "paper_out",
            "Máy in hết giấy / Printer out of paper",
            beat.seen_at,
        )
    watched = [
        kiosk_id
        for kiosk_id, beat in latest.items()
        if (beat.heartbeat.get("metrics") or {}).get("scans") or "read_success_low" in current[kiosk_id]
    ]
    if not watched:
        return
    moment = max(latest[kiosk_id].seen_at for kiosk_id in watched)
    rates = {}
    for chunk in _chunks(watched):
        rates.update(_read_success(session, chunk, moment - timedelta(hours=1)))
    minimum = fleet_setting("FLEET_READ_SUCCESS_MIN")
    for kiosk_id in watched:
        attempted, succeeded = rates.get(kiosk_id, (0, 0))
        if attempted < fleet_setting("FLEET_READ_SUCCESS_MIN_ATTEMPTS"):
            continue
        rate, now = succeeded / attempted, latest[kiosk_id].seen_at
        open_now = "read_success_low" in current[kiosk_id]
        # Hysteresis: resolve only once clearly recovered, so a rate near the line does not flap.
        low = rate < minimum or (open_now and rate < minimum + 0.05)
        detail = (
            f"Tỉ lệ đọc thành công {rate:.0%} trong 60 phút ({succeeded}/{attempted}) / "
            f"read success {rate:.0%} in the last hour"
        )
        _set(session, current[kiosk_id], kiosk_id, "read_success_low", low, detail, now)
