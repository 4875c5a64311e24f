"""The citizen's "who read my data" page over a big audit trail on PostgreSQL (issue 21): loads `--rows` audit
events (default 10 million, COPY) spread over `--months` monthly partitions and the seeded population, then
serves GET /api/v1/me/access-log to the demo citizens and prints p50/p99 and the query plans.

    .venv/bin/python bench/bench_audit.py                  # make bench-audit
    .venv/bin/python bench/bench_audit.py --rows 1000000   # quicker

Target: p99 < 20 ms for the page, its queries on the (subject, time) index of each partition (the page's count
and newest-first LIMIT read a few index entries per month), and a month's view pruned to one partition.
Exit status 1 when the target is missed. Needs ~3 GB of disk for 10 M rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import DEMO_PASSWORD, seed  # noqa: E402

CITIZENS = ("001090012345", "001185006789", "079301004321")  # demo accounts (backend/demo.py)
CHUNK = 200_000
ROLES = ("officer", "health", "traffic", "judicial", "public")
LABELS = ("Cán bộ công an phường / Ward police officer", "Bệnh viện / Hospital", "CSGT / Traffic police")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def load(url: str, *, rows: int, months: int, now: datetime) -> float:
    """COPY `rows` events, spread uniformly over the citizens and the last `months` months."""
    import sqlalchemy as sa

    from backend.audit import partitions
    from backend.database import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        current = partitions.Month.of(now.date())
        partitions.ensure_months(connection, [current.plus(-i) for i in range(months + 1)])
        connection.commit()
        low, high = connection.execute(sa.text("SELECT min(id), max(id) FROM citizens")).one()
        raw = connection.connection.driver_connection
        rng = random.Random(21)
        span = int(timedelta(days=30 * months).total_seconds())
        oldest = now.replace(tzinfo=None) - timedelta(seconds=span)
        columns = (
            "occurred_at, subject_citizen_id, actor_role, actor_label, action, record_type, purpose, client_kind, "
            "client_id"
        )
        with raw.cursor() as cursor:
            # Bulk load: skip the foreign-key triggers (the subjects are drawn from the citizens table itself).
            cursor.execute("SET session_replication_role = replica")
            with cursor.copy(f"COPY audit_events ({columns}) FROM STDIN") as copy:  # nosec B608 - fixed text
                for start in range(0, rows, CHUNK):
                    lines = []
                    for _ in range(min(CHUNK, rows - start)):
                        moment = oldest + timedelta(seconds=rng.randrange(span))
                        role = rng.choice(ROLES)
                        lines.append(
                            f"{moment.isoformat(' ')}\t{rng.randint(low, high)}\t{role}\t{rng.choice(LABELS)}\tread\t"
                            f"citizen\tkiểm tra định danh / identity check\taddress\t10.0.{rng.randrange(256)}.7\n"
                        )
                    copy.write("".join(lines))
            cursor.execute("SET session_replication_role = origin")
        raw.commit()
        connection.exec_driver_sql("COMMIT")  # VACUUM cannot run inside a transaction
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) audit_events")  # visibility map: the count reads the index only
        raw.autocommit = False
    engine.dispose()
    return time.perf_counter() - started


def plans(app, citizen_id: int, now: datetime) -> tuple[str, str, str]:
    """EXPLAIN ANALYZE of the page's queries as the service builds them, and of one month's view."""
    import sqlalchemy as sa

    from backend.audit.service import access_log_query
    from backend.extensions import db

    with app.app_context():
        page = access_log_query(citizen_id=citizen_id).limit(20)
        count = sa.select(sa.func.count()).select_from(page.limit(None).order_by(None).subquery())
        month = access_log_query(citizen_id=citizen_id, since=now.date().replace(day=1), until=now.date()).limit(20)
        out = []
        for statement in (page, count, month):
            compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            rows = db.session.execute(sa.text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {compiled}")).scalars()
            out.append("\n".join(rows))
        db.session.rollback()
        return out[0], out[1], out[2]


def measure(client, tokens: list[dict], requests: int, query: str) -> tuple[float, float]:
    latencies = []
    for i in range(requests):
        started = time.perf_counter()
        response = client.get(f"/api/v1/me/access-log?page={1 + i % 5}&per_page=20{query}", headers=tokens[i % 3])
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.json
    return _percentile(latencies, 0.5), _percentile(latencies, 0.99)


def measure_trivial(client, tokens: list[dict], requests: int) -> tuple[float, float]:
    latencies = []
    for i in range(requests):
        started = time.perf_counter()
        assert client.get("/api/v1/accounts/me", headers=tokens[i % 3]).status_code == 200
        latencies.append(time.perf_counter() - started)
    return _percentile(latencies, 0.5), _percentile(latencies, 0.99)


def service_latency(app, requests: int) -> tuple[float, float]:
    """The access-log queries without HTTP and sign-in, for random citizens (not only the demo three)."""
    import sqlalchemy as sa

    from backend.audit import service
    from backend.extensions import db
    from backend.registry.models import Citizen

    rng = random.Random(7)
    latencies = []
    with app.app_context():
        low, high = db.session.execute(sa.select(sa.func.min(Citizen.id), sa.func.max(Citizen.id))).one()
        for i in range(requests):
            started = time.perf_counter()
            service.list_for_citizen(session=db.session, citizen_id=rng.randint(low, high), page=1 + i % 5, per_page=20)
            latencies.append(time.perf_counter() - started)
            db.session.rollback()
    return _percentile(latencies, 0.5), _percentile(latencies, 0.99)


def database_time(app, requests: int) -> tuple[float, float]:
    """PostgreSQL's own time (planning + execution, from EXPLAIN ANALYZE) for the page and its count, random
    citizens: what the partitioned table costs, apart from Python and the shared cores."""
    import sqlalchemy as sa

    from backend.audit.service import access_log_query
    from backend.extensions import db
    from backend.registry.models import Citizen

    rng = random.Random(11)
    times = []
    with app.app_context():
        low, high = db.session.execute(sa.select(sa.func.min(Citizen.id), sa.func.max(Citizen.id))).one()
        for i in range(requests):
            query = access_log_query(citizen_id=rng.randint(low, high))
            total = 0.0
            for statement in (
                query.limit(20).offset(20 * (i % 5)),
                sa.select(sa.func.count()).select_from(query.order_by(None).subquery()),
            ):
                sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
                plan = "\n".join(db.session.execute(sa.text(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}")).scalars())
                total += sum(float(v) for v in re.findall(r"(?:Planning|Execution) Time: ([\d.]+) ms", plan))
            times.append(total / 1000)
        db.session.rollback()
    return _percentile(times, 0.5), _percentile(times, 0.99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=24, help="monthly partitions the rows are spread over")
    parser.add_argument("--citizens", type=int, default=20_000, help="generated population besides the demo")
    parser.add_argument("--requests", type=int, default=600)
    options = parser.parse_args()

    from tests.pg_server import ThrowawayPostgres

    postgres = ThrowawayPostgres()
    try:
        url = postgres.start()
        os.environ.update({"DATABASE_URL": url, "CONGDAN_ENV": "development"})
        started = time.perf_counter()
        seed(url, citizens=options.citizens)
        print(f"seeded {options.citizens:,} citizens + demo data in {time.perf_counter() - started:.0f} s")
        now = datetime.now(UTC)
        seconds = load(url, rows=options.rows, months=options.months, now=now)
        print(f"loaded {options.rows:,} audit events over {options.months} monthly partitions in {seconds:.0f} s")

        from backend import create_app
        from backend.extensions import db

        app = create_app()
        client = app.test_client()
        tokens = []
        for username in CITIZENS:
            answer = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            tokens.append({"Authorization": f"Bearer {answer.json['access_token']}"})
        with app.app_context():
            import sqlalchemy as sa

            from backend.registry.models import Citizen

            demo_id = db.session.scalar(sa.select(Citizen.id).where(Citizen.personal_id == CITIZENS[0]))
        totals = []
        for headers in tokens:  # warm-up, and what each citizen holds
            totals.append(client.get("/api/v1/me/access-log", headers=headers).json["meta"]["total"])
        p50, p99 = measure(client, tokens, options.requests, "")
        month = f"&since={now.date().replace(day=1).isoformat()}&until={now.date().isoformat()}"
        month_p50, month_p99 = measure(client, tokens, options.requests, month)
        trivial_p50, trivial_p99 = measure_trivial(client, tokens, options.requests)
        service_p50, service_p99 = service_latency(app, options.requests)
        database_p50, database_p99 = database_time(app, options.requests)
        with app.app_context():
            size = db.session.execute(
                sa.text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass"
                )
            ).scalar_one()
        page_plan, count_plan, month_plan = plans(app, demo_id, now)
        print(
            f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
            f"15 (throwaway, fsync off); in-process Flask test client, demo citizens hold {totals} events"
        )
        print(
            f"GET /api/v1/me/access-log (pages 1-5, 20 per page), {options.requests} requests over "
            f"{options.rows:,} events: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 < 20 ms)"
        )
        print(f"the same for this month only (?since=&until=): p50 {month_p50:.1f} ms, p99 {month_p99:.1f} ms")
        print(
            f"for scale, GET /api/v1/accounts/me with the same tokens (sign-in check + one row): p50 "
            f"{trivial_p50:.1f} ms, p99 {trivial_p99:.1f} ms"
        )
        print(
            f"audit partitions on disk: {size / 2**30:.2f} GiB, {size / options.rows:.0f} bytes per event with indexes"
        )
        print(
            f"the page's queries alone (service.list_for_citizen, random citizens, pages 1-5): "
            f"p50 {service_p50:.1f} ms, p99 {service_p99:.1f} ms"
        )
        print(
            f"PostgreSQL's own time for the page + its count (EXPLAIN ANALYZE planning + execution, random citizens): "
            f"p50 {database_p50:.2f} ms, p99 {database_p99:.2f} ms"
        )
        print("\nplan of the page (newest first, LIMIT 20):\n" + page_plan)
        print("\nplan of the count:\n" + count_plan)
        print("\nplan of one month's view (pruned at plan time):\n" + month_plan)
        failed = []
        if p99 >= 20:
            failed.append(f"p99 {p99:.1f} ms >= 20 ms")
        if "subject_citizen_id_occurred_at_idx" not in page_plan or "Seq Scan" in page_plan.split("Planning")[0]:
            failed.append("the page does not read every month through the (subject, time) index")
        # A Vietnamese month starts 7 hours before the UTC one: its view reads that month and the last hours before.
        if len(set(re.findall(r" on (audit_events_(?:\d{4}_\d{2}|default))\b", month_plan))) > 2:
            failed.append("one month's view reads more than its month's partitions")
        if database_p99 >= 20:
            failed.append(f"PostgreSQL's time p99 {database_p99:.1f} ms >= 20 ms")
        if service_p99 >= 20:
            failed.append(f"the service's queries p99 {service_p99:.1f} ms >= 20 ms")
        print("\nOK" if not failed else "\nFAILED: " + "; ".join(failed))
        return 1 if failed else 0
    finally:
        postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
