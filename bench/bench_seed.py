"""Seed N citizens (default 1,000,000) into a fresh database and print how long it took.

    python bench/bench_seed.py [--citizens 1000000] [--database-url URL]

Without --database-url it uses a new SQLite file in a temporary folder (the embedded default).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import sqlalchemy as sa

from backend import migrate
from backend.database import make_engine
from backend.registry.reference import sync_administrative_units
from backend.registry.seed import bulk_load_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="congdan-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        sync_administrative_units(session=sa.orm.Session(bind=connection))

    started = time.perf_counter()
    cpu_started = time.process_time()
    report = bulk_load_population(engine, citizens=args.citizens, seed=args.seed)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rows = (
        report.citizens + report.households + report.vehicles + report.driving_licences + report.health_insurance_cards
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{engine.dialect.name}"
    )
    print(
        f"citizens:  {report.citizens:>10,}   households: {report.households:,}   vehicles: {report.vehicles:,}   "
        f"licences: {report.driving_licences:,}   insurance cards: {report.health_insurance_cards:,}"
    )
    print(f"wall time: {wall:10.1f} s   (process CPU {cpu:.1f} s)")
    print(f"rate:      {report.citizens / wall:10,.0f} citizens/s   {rows / wall:,.0f} rows/s (all tables)")
    if url.startswith("sqlite"):
        print(f"file size: {os.path.getsize(url.removeprefix('sqlite:///')) / 2**20:10.0f} MiB")
    engine.dispose()


if __name__ == "__main__":
    main()
