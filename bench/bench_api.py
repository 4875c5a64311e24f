"""API throughput against the real server: gunicorn with 2 sync workers on a seeded SQLite database.

    python bench/bench_api.py [--citizens 100000] [--seconds 10] [--concurrency 4] [--database postgresql]

Measures `GET /healthz` (trivial), `GET /api/v1/citizens/me` (JWT check + revocation check + record
with addresses and holdings), `GET /api/v1/traffic/penalties/mine` (my fines) and `POST /api/v1/auth/login`
(Argon2id verify + session rows), each for the same number of seconds, and prints requests/s, p50/p99
latency and the ratio to the trivial endpoint. The three reads run in `--rounds` rounds (default 3), `/healthz`
first in each, and each round's ratio is to its own `/healthz`: this machine's speed drifts by a quarter within
minutes, so one long window per endpoint compares different machines. The median round is printed, with the range
of the rounds' ratios; errors are those of every round. The login runs once, after them.
`--database postgresql` runs on a throwaway PostgreSQL (tests/pg_server.py) instead of a SQLite file. The load
generator runs in separate processes on the same machine, so it competes for the CPU.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import process_tree_cpu  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DEMO_USER, DEMO_PASSWORD = "001090012345", "congdan-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(port, method, path, body, headers, seconds, queue):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    payload = json.dumps(body) if body is not None else None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - started)
    queue.put((latencies, errors))


def _run(server_pid, database_pid, port, name, method, path, body, headers, seconds, concurrency):
    queue = mp.Queue()
    cpu_before = process_tree_cpu(server_pid)
    database_before = process_tree_cpu(database_pid) if database_pid else 0.0
    procs = [
        mp.Process(target=_worker, args=(port, method, path, body, headers, seconds, queue)) for _ in range(concurrency)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    cpu = process_tree_cpu(server_pid) - cpu_before
    database = process_tree_cpu(database_pid) - database_before if database_pid else None
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    rps = len(latencies) / seconds
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return {
        "name": name,
        "requests": len(latencies),
        "errors": errors,
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "cpu_ms": cpu * 1000 / max(1, len(latencies)),
        "database_ms": None if database is None else database * 1000 / max(1, len(latencies)),
    }


def _median_round(rows: list[dict]) -> dict:
    """An endpoint's median round by its ratio to the same round's /healthz, with every round's ratio and the
    errors of all rounds."""
    chosen = dict(sorted(rows, key=lambda row: row["ratio"])[len(rows) // 2])
    chosen["ratios"] = [row["ratio"] for row in rows]
    chosen["errors"] = sum(row["errors"] for row in rows)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of the read endpoints, /healthz first in each; each round's ratio is to its own /healthz "
        "(a shared machine's speed drifts by a quarter within minutes); the median round is printed, with the range",
    )
    args = parser.parse_args()

    postgres = None
    if args.database == "postgresql":
        from tests.pg_server import ThrowawayPostgres

        postgres = ThrowawayPostgres()
        url = postgres.start()
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='congdan-api-bench-')}/bench.db"
    try:
        database_pid = int((postgres.data / "postmaster.pid").read_text().split()[0]) if postgres else None
        _bench(args, url, database_pid)
    finally:
        if postgres is not None:
            postgres.stop()


def _bench(args, url: str, database_pid: int | None) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        CONGDAN_ENV="development",
        LOGIN_LIMIT_PER_ADDRESS="10000000 per minute",
        LOGIN_LIMIT_PER_ACCOUNT="10000000 per minute",
        PYTHONPATH=str(ROOT),
    )
    flask = [str(VENV_BIN / "flask"), "--app", "backend"]
    subprocess.run(flask + ["db-upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run(
        flask + ["seed-demo", "--citizens", str(args.citizens)], env=env, check=True, cwd=ROOT, capture_output=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "backend:create_app()",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request(
            "POST",
            "/api/v1/auth/login",
            body=json.dumps({"username": DEMO_USER, "password": DEMO_PASSWORD}),
            headers={"Content-Type": "application/json"},
        )
        token = json.loads(connection.getresponse().read())["access_token"]
        json_headers = {"Content-Type": "application/json"}
        scenarios = [
            ("trivial GET /healthz", "GET", "/healthz", None, {}),
            (
                "read my record GET /api/v1/citizens/me",
                "GET",
                "/api/v1/citizens/me",
                None,
                {"Authorization": f"Bearer {token}"},
            ),
            (
                "my fines GET /api/v1/traffic/penalties/mine",
                "GET",
                "/api/v1/traffic/penalties/mine",
                None,
                {"Authorization": f"Bearer {token}"},
            ),
            (
                "login POST /api/v1/auth/login",
                "POST",
                "/api/v1/auth/login",
                {"username": DEMO_USER, "password": DEMO_PASSWORD},
                json_headers,
            ),
        ]
        reads, login = scenarios[:-1], scenarios[-1]
        rounds = []
        for _ in range(max(1, args.rounds)):
            measured = [_run(server.pid, database_pid, port, *s, args.seconds, args.concurrency) for s in reads]
            for row in measured:
                row["ratio"] = row["rps"] / measured[0]["rps"]
            rounds.append(measured)
        rows = [_median_round([measured[i] for measured in rounds]) for i in range(len(reads))]
        rows.append(_run(server.pid, database_pid, port, *login, args.seconds, args.concurrency))
        rows[-1]["ratio"] = rows[-1]["rps"] / rows[0]["rps"]
        rows[-1]["ratios"] = [rows[-1]["ratio"]]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; gunicorn "
        f"{args.workers} sync workers, {args.database}, {args.citizens:,} citizens; "
        f"{args.concurrency} client processes, {args.seconds:.0f} s each; reads in {max(1, args.rounds)} rounds "
        f"(the median round by ratio; load average at the end {os.getloadavg()[0]:.1f})"
    )
    database = f" {'PostgreSQL CPU ms':>18}" if database_pid else ""
    print(
        f"{'endpoint':46} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7} {'range':>11} "
        f"{'server CPU ms':>14}" + database
    )
    for row in rows:
        spread = f"{min(row['ratios']):.2f}-{max(row['ratios']):.2f}" if len(row["ratios"]) > 1 else ""
        print(
            f"{row['name']:46} {row['rps']:9.0f} {row['p50']:8.1f} {row['p99']:8.1f} {row['errors']:7d} "
            f"{row['ratio']:7.2f} {spread:>11} {row['cpu_ms']:14.2f}"
            + (f" {row['database_ms']:18.2f}" if database_pid else "")
        )
    print("ratio: to the /healthz of the same round (the /healthz row is its own median round)")
    print("server CPU ms: CPU time of the gunicorn master and workers per request (from /proc), not the clients'")
    if database_pid:
        print("PostgreSQL CPU ms: CPU time of the PostgreSQL server's processes per request (from /proc)")


if __name__ == "__main__":
    main()
