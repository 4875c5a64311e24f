"""Bulk verification, end to end: a registry of N citizens, an agency file of M rows with mixed outcomes,
upload -> background job -> results file through the API. Prints rows/s, the ratio to the csv module
merely reading the file, and the job process's peak RSS for each file size.

    python bench/bench_verification.py [--citizens 1000000] [--sizes 100000,1000000]
                                       [--backend sqlite|postgresql|both] [--workdir DIR]

The registry is built once per backend (SQLite: kept in --workdir and reused by later runs). Each file
size runs in a fresh process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = ["so_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh", "so_cmnd", "ma_tinh", "ma_hoc_sinh"]


# SQLAlchemy and the app are imported inside the functions that use them: the job's verifying processes
# are spawned, and a spawned process re-runs its parent's main module, this file. At the top here they
# would cost each of them ~0.3 s of CPU that has nothing to do with verifying.


# -- the registry ------------------------------------------------------------------------------------
def build_registry(url: str, citizens: int) -> None:
    import sqlalchemy as sa

    from backend import migrate
    from backend.database import make_engine
    from backend.registry.reference import sync_administrative_units
    from backend.registry.seed import bulk_load_population

    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        session = sa.orm.Session(bind=connection)
        sync_administrative_units(session=session)
        session.flush()
    started = time.perf_counter()
    bulk_load_population(engine, citizens=citizens, seed=2024)
    if engine.dialect.name == "postgresql":
        # Settle the fresh table first, as a production registry is: otherwise autovacuum's first pass
        # over a million new rows runs during the job and is counted as the job's server CPU.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"registry: {citizens:,} citizens loaded in {time.perf_counter() - started:.1f} s")
    engine.dispose()


# -- the agency's file ---------------------------------------------------------------------------------
def _strip_accents(name: str) -> str:
    from shared_schemas.text import fold

    return " ".join(w.capitalize() for w in fold(name).split())


def write_agency_file(url: str, path: Path, rows: int, seed: int = 7) -> dict:
    """Rows drawn from the registry, then disturbed: ~78% clean (some with dates as DD/MM/YYYY or in
    capitals), 6% accents dropped, 6% a wrong field, 4% not found, 3% invalid numbers, 1% malformed;
    deceased citizens come through as they are in the registry (~0.2%)."""
    from backend.database import make_engine

    rng = random.Random(seed)
    engine = make_engine(url)
    kinds: dict[str, int] = {}
    with engine.connect() as connection, open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        written = 0
        while written < rows:
            result = connection.execution_options(stream_results=True, yield_per=50_000).exec_driver_sql(
                "SELECT personal_id, full_name, CAST(date_of_birth AS VARCHAR(10)), sex, old_id_number, "
                "permanent_province_code FROM citizens ORDER BY id"
            )
            for pid, name, dob, sex, old_id, province in result:
                if written >= rows:
                    break
                written += 1
                r = rng.random()
                sex_text = {"male": "Nam", "female": "Nữ"}[sex] if rng.random() < 0.5 else sex
                if rng.random() < 0.3:
                    y, m, d = dob.split("-")
                    dob = f"{d}/{m}/{y}"
                kind = "clean"
                if r < 0.06:
                    name, kind = _strip_accents(name), "accents"
                elif r < 0.12:
                    kind = "wrong_field"
                    choice = rng.random()
                    if choice < 0.4:
                        name = name.rsplit(" ", 1)[0] + " Thị Mai"
                    elif choice < 0.8:
                        dob = dob[:-1] + str((int(dob[-1]) + 1) % 10)
                    else:
                        province = "48" if province != "48" else "01"
                elif r < 0.16:
                    pid, kind = pid[:6] + f"{(int(pid[6:]) + 500_000) % 1_000_000:06d}", "not_found"
                elif r < 0.19:
                    pid, kind = (pid[:11] if rng.random() < 0.5 else pid[:3] + "9" + pid[4:]), "invalid_id"
                elif r < 0.20:
                    dob, kind = "31/02/1990", "malformed"
                elif rng.random() < 0.05:
                    name = name.upper()
                kinds[kind] = kinds.get(kind, 0) + 1
                writer.writerow([pid, name, dob, sex_text, old_id or "", province, f"HS{written:08d}"])
            result.close()
    engine.dispose()
    return kinds


def csv_read_seconds(path: Path) -> float:
    started = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as fh:
        for _row in csv.reader(fh):
            pass
    return time.perf_counter() - started


# -- one job, in its own process -------------------------------------------------------------------------
def run_job(url: str, path: Path, workdir: Path) -> dict:
    """Runs in a child process: upload, poll until done, download; returns timings and peak RSS."""
    import sqlalchemy as sa

    from backend import create_app
    from backend.auth import passwords
    from backend.auth.models import Account
    from backend.extensions import db
    from backend.verification.models import Agency

    app = create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "VERIFICATION_SPOOL_DIR": str(workdir / "spool"),
            "VERIFICATION_MAX_UPLOAD_BYTES": 2**31,
            "VERIFICATION_WORKER": "thread",
            **_worker_config(),
        }
    )
    logging_quiet()
    with app.app_context():
        session = db.new_session()
        if session.execute(sa.select(Agency).where(Agency.code == "BENCH")).scalar_one_or_none() is None:
            session.add(Agency(code="BENCH", name="Bench agency", daily_quota=10**9))
            session.add(
                Account(
                    username="bench.agency",
                    password_hash=passwords.hash_password("bench-password"),
                    role="agency",
                    level=2,
                    scope_code="BENCH",
                    display_name="Bench agency",
                )
            )
            session.commit()
        session.close()
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "bench.agency", "password": "bench-password"}).json[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    results = workdir / f"results-{path.stem}.csv"

    started = time.perf_counter()
    cpu_started = time.process_time()  # all threads of this process: what the job cost, load or not
    with open(path, "rb") as fh:
        response = client.post(
            "/api/v1/verification/jobs",
            headers=headers,
            content_type="multipart/form-data",
            data={"purpose": "benchmark of bulk verification", "file": (fh, path.name)},
        )
    assert response.status_code == 202, response.json
    uploaded = time.perf_counter() - started
    job_url = f"/api/v1/verification/jobs/{response.json['id']}"
    while True:
        job = client.get(job_url, headers=headers).json
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    worked = time.perf_counter() - started
    download = client.get(job["results_url"], headers=headers, buffered=False)
    with open(results, "wb") as out:
        for block in download.response:
            out.write(block)
    download.close()
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    app_cpu = cpu
    embedded = app.extensions.get("congdan.verification_worker")
    pool_rss = [_peak_rss_mib(pid) for pid in (embedded.pool.pids() if embedded and embedded.pool else [])]
    if embedded and embedded.pool:  # the pool's CPU counts too: reap its processes to read it
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        embedded.pool.shutdown()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return {
        "cpu_s": cpu,
        "app_cpu_s": app_cpu,
        "pool_peak_rss_mib": max(pool_rss, default=0.0),
        "rows": job["progress"]["total_rows"],
        "upload_s": uploaded,
        "job_s": worked,
        "total_s": total,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": job["summary"]["counts"],
        "top_problems": job["summary"]["top_problems"][:6],
        "results_bytes": results.stat().st_size,
    }


def _worker_config() -> dict:
    """VERIFICATION_THREADS / VERIFICATION_PROCESSES from the environment, to compare settings."""
    return {
        key: int(os.environ[key]) for key in ("VERIFICATION_THREADS", "VERIFICATION_PROCESSES") if os.environ.get(key)
    }


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def logging_quiet() -> None:
    import logging

    logging.getLogger().setLevel(logging.WARNING)


# -- driver ------------------------------------------------------------------------------------------------
def server_cpu_seconds(postmaster_pid: int | None) -> float:
    """CPU of a PostgreSQL server: the postmaster, its exited children (backends of finished
    connections are reaped by it) and its live ones (checkpointer, autovacuum, open backends)."""
    if postmaster_pid is None:
        return 0.0

    def fields(pid) -> list[str]:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3

    ticks = os.sysconf("SC_CLK_TCK")
    own = fields(postmaster_pid)
    total = sum(int(v) for v in own[11:15])  # utime, stime, cutime, cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = fields(entry.name)
            except OSError:
                continue
            if int(child[1]) == postmaster_pid:
                total += int(child[11]) + int(child[12])
    return total / ticks


def bench_backend(name: str, url: str, args, workdir: Path, postmaster_pid: int | None = None) -> None:
    print(f"\n== {name} ==")
    for size in args.sizes:
        path = workdir / f"agency-{size}.csv"
        if not path.exists():
            kinds = write_agency_file(url, path, size)
            print(f"agency file: {size:,} rows, {path.stat().st_size / 2**20:.0f} MiB, planted: {kinds}")
        baseline = min(csv_read_seconds(path) for _ in range(2))
        server_started = server_cpu_seconds(postmaster_pid)
        child = subprocess.run(
            [sys.executable, __file__, "--child", url, str(path), str(workdir)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode:
            print(child.stdout, child.stderr)
            raise SystemExit(f"job run failed for {size} rows")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        server_cpu = server_cpu_seconds(postmaster_pid) - server_started
        rate = result["rows"] / result["total_s"]
        print(
            f"{size:>9,} rows: {result['total_s']:6.1f} s upload->results ({result['upload_s']:.1f} s upload, "
            f"{result['job_s'] - result['upload_s']:.1f} s job, {result['total_s'] - result['job_s']:.1f} s "
            f"download)  {rate:>9,.0f} rows/s  csv read {baseline:.2f} s -> ratio {result['total_s'] / baseline:.1f}x"
            f"  peak RSS {result['peak_rss_mib']:.0f} MiB (app), {result['pool_peak_rss_mib']:.0f} MiB "
            "(each verifying process)"
        )
        print(
            f"           job CPU {result['cpu_s']:.1f} s, app process and verifying processes "
            f"({result['rows'] / result['cpu_s']:,.0f} rows per CPU second; load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        if result["cpu_s"] > result["app_cpu_s"]:
            print(
                f"           of which the app process {result['app_cpu_s']:.1f} s (upload, planning, audit rows, "
                f"commits), the verifying processes {result['cpu_s'] - result['app_cpu_s']:.1f} s"
            )
        if postmaster_pid is not None:
            print(f"           database server CPU {server_cpu:.1f} s (look-ups, audit COPY, its foreign-key checks)")
        print(f"           outcomes: {result['counts']}")
        print(f"           top problems: {[(p['problem'], p['rows']) for p in result['top_problems']]}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(run_job(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workdir", default="/tmp/congdan-bench-verification")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.backend in ("sqlite", "both"):
        folder = workdir / "sqlite"
        folder.mkdir(exist_ok=True)
        db_file = folder / f"registry-{args.citizens}.db"
        url = f"sqlite:///{db_file}"
        if not db_file.exists():
            build_registry(url, args.citizens)
        bench_backend("SQLite", url, args, folder)
    if args.backend in ("postgresql", "both"):
        from tests.pg_server import ThrowawayPostgres

        server = ThrowawayPostgres()
        url = server.start()
        try:
            build_registry(url, args.citizens)
            folder = workdir / "postgresql"
            folder.mkdir(exist_ok=True)
            for stale in folder.glob("agency-*.csv"):
                stale.unlink()  # same seed, same registry; regenerate anyway to stay honest
            postmaster_pid = int((server.data / "postmaster.pid").read_text().split()[0])
            bench_backend("PostgreSQL", url, args, folder, postmaster_pid)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
