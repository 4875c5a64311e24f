"""How long the Project 06 dashboard takes to compute: N citizens and M temporary-residence applications (spread
over the last six months, some late, some open past their deadline) in a fresh database, then the national and
one province's dashboard (five indicators x periods x areas) and the on-time drill-down, timed.

    python bench/bench_indicators.py [--citizens 100000] [--applications 20000] [--database-url URL]

Without --database-url it uses a new SQLite file in a temporary folder. The applications are inserted directly
(the figures measured are the dashboard's reads, not the filing)."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend import migrate
from backend.consoles import indicators_report as figures
from backend.core import clock
from backend.core.access import ADMIN, Principal
from backend.database import make_engine
from backend.registry.models import Citizen
from backend.registry.reference import sync_administrative_units
from backend.registry.seed import bulk_load_population
from backend.residence.models import ResidenceApplication


def add_applications(session: Session, count: int, rng: random.Random) -> None:
    people = session.execute(
        sa.select(Citizen.id, Citizen.permanent_ward_code, Citizen.permanent_province_code).limit(count)
    ).all()
    now, today = clock.now(), clock.today()
    rows = []
    for index in range(count):
        citizen_id, ward, province = people[index % len(people)]
        filed = now - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 12))
        due = clock.local_date(filed) + timedelta(days=5)
        decided = filed + timedelta(days=rng.choice((1, 2, 3, 4, 6, 9)))
        rows.append(
            {
                "kind": "registration",
                "applicant_citizen_id": citizen_id,
                "ward_code": ward,
                "province_code": province,
                "street": "Số 1",
                "street_folded": "so 1",
                "legal_basis": "owner",
                "reason": "Làm việc",
                "start_date": today,
                "end_date": today + timedelta(days=180),
                "status": "approved" if decided < now else "under_review",
                "submitted_at": filed,
                "received_at": filed,
                "due_on": due,
                "decided_at": decided if decided < now else None,
                "created_at": filed,
                "updated_at": filed,
            }
        )
    session.execute(sa.insert(ResidenceApplication), rows)
    session.commit()


def timed(work, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='congdan-bench-')}/bench.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        sync_administrative_units(session=Session(bind=connection))
    bulk_load_population(engine, citizens=args.citizens, seed=2024)
    with Session(engine) as session:
        add_applications(session, args.applications, random.Random(6))
        admin = Principal(account_id=None, role=ADMIN, level=2, label="bench", family_id="bench")
        print(f"{engine.dialect.name}: {args.citizens:,} citizens, {args.applications:,} applications")
        for label, scope in (
            ("national", figures.Scope(None, None, None)),
            ("Hà Nội", figures.Scope("01", None, None)),
        ):
            for kind in ("month", "week"):
                seconds = timed(lambda s=scope, k=kind: figures.report(session=session, scope=s, kind=k, at=None))
                print(f"dashboard {label:8} by {kind:5}: {seconds * 1000:8.0f} ms (median of 3)")
        seconds = timed(
            lambda: figures.lost_cases(
                session=session,
                principal=admin,
                scope=figures.Scope("01", None, None),
                indicator="on_time",
                kind="month",
                at=None,
            )
        )
        print(f"drill-down on-time, Hà Nội, month: {seconds * 1000:8.0f} ms (median of 3)")
        session.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()
