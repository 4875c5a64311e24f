"""Heartbeat ingestion: N simulated kiosks, each sending a signed heartbeat every 15 s, against one gunicorn
server on this machine. Prints latency percentiles and the server's CPU share.

    .venv/bin/python bench/bench_heartbeats.py                      # 1,000 kiosks, 3 intervals, SQLite
    .venv/bin/python bench/bench_heartbeats.py --postgres           # a throwaway PostgreSQL instead
    .venv/bin/python bench/bench_heartbeats.py --kiosks 200 --intervals 2 --workers 4
    .venv/bin/python bench/bench_heartbeats.py --postgres --redis --kiosks 5000 --intervals 2   # issue 21

Kiosks are inserted directly (enrollment is not what is measured); their heartbeats are spread evenly over
the interval, as real kiosks started at different times would be. The load generator runs on the same
machine, so the server's CPU is measured from /proc for the gunicorn processes only (master + workers), and
printed apart from the database server's and Redis's CPU and from the load generator's own. The generator
signs the measured heartbeats before the clock starts (each with the time it is due to be sent, as a kiosk
would) and sends them from --clients processes, so that it keeps to the schedule at 333 heartbeats/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from bench.harness import process_tree_cpu  # noqa: E402
from shared_schemas import fleet as contract  # noqa: E402
from shared_schemas.signed import b64url_encode  # noqa: E402

PATH = "/api/v1/fleet/device/heartbeat"
TRIVIAL_REQUESTS = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str, kiosks: int) -> list[tuple[str, Ed25519PrivateKey]]:
    from sqlalchemy.orm import Session

    from backend import migrate
    from backend.auth.models import Account
    from backend.database import make_engine, utcnow
    from backend.fleet.models import Kiosk
    from backend.health.models import Hospital

    engine = make_engine(url)
    migrate.upgrade(engine)
    identities = []
    with Session(engine) as session:
        session.add(
            Hospital(
                code="BV-BENCH",
                name="Bệnh viện Thử tải",
                name_en="Bench Hospital",
                level="central",
                province_code="01",
                facility_code="01999",
            )
        )
        session.flush()
        now = utcnow()
        for index in range(kiosks):
            key = Ed25519PrivateKey.generate()
            kiosk_id = f"KSK-{index:08X}"
            account = Account(
                username=f"kiosk-bench-{index}",
                password_hash="!unusable",
                role="kiosk",
                level=1,
                scope_code="BV-BENCH",
            )
            session.add(account)
            session.flush()
            session.add(
                Kiosk(
                    id=kiosk_id,
                    account_id=account.id,
                    hospital_code="BV-BENCH",
                    location_label=f"Ki-ốt {index}",
                    status="active",
                    enrolled_at=now,
                    paper_low=False,
                    public_key=b64url_encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
                    outbox_backlog=0,
                    locked=False,
                )
            )
            identities.append((kiosk_id, key))
        session.commit()
    engine.dispose()
    return identities


def _heartbeat_body(beat: int) -> bytes:
    return json.dumps(
        {
            "app_version": "1.4.2",
            "uptime_s": 15 * beat,
            "config_version": 0 if beat else None,
            "locked": False,
            "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
            "paper_low": False,
            "outbox_backlog": beat % 3,
            "last_error": None,
            "metrics": {
                "scans": {
                    "chip": {"attempted": 3, "succeeded": 3},
                    "cccd_qr": {"attempted": 1, "succeeded": 0},
                },
                "checkins_completed": 2,
                "step_ms": {"identify": {"count": 2, "total_ms": 9000}},
            },
        }
    ).encode()


def _wait_ready(port: int, timeout_s: float = 180) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/fleet/keys", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _signed_request(kiosk_id: str, key: Ed25519PrivateKey, beat: int, timestamp: int) -> tuple[bytes, dict]:
    body = _heartbeat_body(beat)
    nonce = secrets.token_urlsafe(18)
    signature = key.sign(
        contract.request_signing_input(
            method="POST", path=PATH, kiosk_id=kiosk_id, timestamp=timestamp, nonce=nonce, body=body
        )
    )
    headers = {
        "Content-Type": "application/json",
        contract.HEADER_KIOSK: kiosk_id,
        contract.HEADER_TIMESTAMP: str(timestamp),
        contract.HEADER_NONCE: nonce,
        contract.HEADER_SIGNATURE: b64url_encode(signature),
    }
    return body, headers


_kept = threading.local()


def _post(port: int, body: bytes, headers: dict, keep_alive: bool = False) -> tuple[int, float]:
    """One heartbeat. keep_alive: reuse this thread's connection, as nginx does towards gunicorn (upstream
    keepalive, backend/front/nginx.conf.template); else one connection per request (sync workers close them)."""
    started = time.perf_counter()
    # http.client, not requests: the generator shares this machine's cores with the server, so it must stay light.
    connection = getattr(_kept, "connection", None) if keep_alive else None
    if connection is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
        if keep_alive and not response.will_close:
            _kept.connection, connection = connection, None
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        if connection is not None:
            _kept.connection = None
            connection.close()
    return status, time.perf_counter() - started


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _client(port: int, schedule: list, started_at: float, threads: int, results, keep_alive: bool) -> None:
    """One load-generator process: sends its pre-signed share of the schedule on time (wall clock)."""
    latencies: list[float] = []
    failures: dict[int, int] = {}
    lock = threading.Lock()
    cpu = time.process_time()

    def send(body: bytes, headers: dict) -> None:
        status, elapsed = _post(port, body, headers, keep_alive)
        with lock:
            if status == 200:
                latencies.append(elapsed)
            else:
                failures[status] = failures.get(status, 0) + 1

    late = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for offset, body, headers in schedule:
            delay = started_at + offset - time.time()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.05:
                late += 1
            pool.submit(send, body, headers)
    results.put((latencies, failures, time.process_time() - cpu, late))


def _postgres_pid(url: str) -> int | None:
    """The postmaster of a throwaway PostgreSQL on this machine (its backends are its children)."""
    for pidfile in Path(tempfile.gettempdir()).glob("congdan-pg-*/data/postmaster.pid"):
        lines = pidfile.read_text().splitlines()
        if len(lines) > 3 and f":{lines[3]}/" in url:
            return int(lines[0])
    return None


def run(
    kiosks: int,
    intervals: int,
    interval_s: float,
    workers: int,
    url: str,
    warmup: int = 1,
    clients: int = 2,
    redis_url: str | None = None,
    redis_pid: int | None = None,
    worker_class: str = "sync",
    threads: int = 1,
    keep_alive: bool = False,
) -> dict:
    import requests

    identities = _seed(url, kiosks)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "CONGDAN_ENV": "development", "PYTHONPATH": str(ROOT)}
    if redis_url:
        env["REDIS_URL"] = redis_url
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "backend:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    postgres_pid = _postgres_pid(url) if url.startswith("postgresql") else None
    try:
        _wait_ready(port)
        for _ in range(4 * workers):  # let every worker import and connect before anything is timed
            requests.get(f"http://127.0.0.1:{port}/api/v1/fleet/kiosks", timeout=5)
        # The floor under any request on this server: GET /healthz (no database), same client, same cores.
        trivial_before = process_tree_cpu(server.pid)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _n: _get(port, "/healthz"), range(TRIVIAL_REQUESTS)))
        trivial_cpu = (process_tree_cpu(server.pid) - trivial_before) / TRIVIAL_REQUESTS
        # Warm-up rounds, not measured: kiosks beat all day, so each worker has met every kiosk (its directory
        # holds the key) long before any given minute. Sent as fast as the server takes them.
        with ThreadPoolExecutor(max_workers=8) as pool:
            for beat in range(warmup):
                list(
                    pool.map(
                        lambda identity, beat=beat: _post(port, *_signed_request(*identity, beat, int(time.time()))),
                        identities,
                    )
                )
        # The measured rounds, signed beforehand with the time each is due (a kiosk signs just before sending;
        # doing it here keeps the generator's CPU off the cores the server needs while it is measured).
        signing = time.process_time()
        started_at = time.time() + 2.0
        schedule = sorted(
            (beat * interval_s + index * interval_s / kiosks, kiosk_id, key, warmup + beat)
            for beat in range(intervals)
            for index, (kiosk_id, key) in enumerate(identities)
        )
        signed = [
            (offset, *_signed_request(kiosk_id, key, beat, int(started_at + offset)))
            for offset, kiosk_id, key, beat in schedule
        ]
        signing = time.process_time() - signing
        started_at = max(started_at, time.time() + 0.5)
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        processes = [
            context.Process(target=_client, args=(port, signed[n::clients], started_at, 16, results, keep_alive))
            for n in range(clients)
        ]
        for process in processes:
            process.start()
        time.sleep(max(0.0, started_at - time.time()))
        cpu_before, wall_started = process_tree_cpu(server.pid), time.monotonic()
        pg_before = process_tree_cpu(postgres_pid) if postgres_pid else None
        redis_before = process_tree_cpu(redis_pid) if redis_pid else None
        latencies: list[float] = []
        failures: dict[int, int] = {}
        client_cpu, late = 0.0, 0
        for _ in processes:
            part, failed, cpu_used, late_part = results.get()
            latencies.extend(part)
            for status, count in failed.items():
                failures[status] = failures.get(status, 0) + count
            client_cpu += cpu_used
            late += late_part
        wall = time.monotonic() - wall_started
        cpu = process_tree_cpu(server.pid) - cpu_before
        pg_cpu = process_tree_cpu(postgres_pid) - pg_before if postgres_pid else None
        redis_cpu = process_tree_cpu(redis_pid) - redis_before if redis_pid else None
        for process in processes:
            process.join(10)
    finally:
        server.terminate()
        try:
            server.wait(60)  # the workers write their last buffered heartbeats on the way out
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "sent": len(schedule),
        "ok": len(latencies),
        "failures": failures,
        "wall_s": wall,
        "rate": len(schedule) / wall,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": latencies[-1] * 1000 if latencies else float("nan"),
        "cpu_s": cpu,
        "trivial_cpu_s": trivial_cpu,
        "postgres_cpu_s": pg_cpu,
        "redis_cpu_s": redis_cpu,
        "client_cpu_s": client_cpu,
        "signing_cpu_s": signing,
        "late": late,
        "cores": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--intervals", type=int, default=3, help="heartbeats per kiosk")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between a kiosk's heartbeats")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured rounds first (0: every worker meets each kiosk cold)"
    )
    parser.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL (needs its binaries)")
    parser.add_argument("--redis", action="store_true", help="a throwaway redis-server (REDIS_URL: nonces there)")
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument(
        "--keep-alive", action="store_true", help="reuse connections, as nginx's upstream keepalive does (gthread)"
    )
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    load_before = f"{os.getloadavg()[0]:.2f}"

    postgres = None
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        if args.postgres:
            from tests.pg_server import ThrowawayPostgres

            postgres = ThrowawayPostgres()
            url = postgres.start()
        redis = None
        if args.redis:
            from bench.harness import Redis

            redis = Redis().start()
        try:
            result = run(
                args.kiosks,
                args.intervals,
                args.interval,
                args.workers,
                url,
                args.warmup,
                args.clients,
                redis.url if redis else None,
                redis.process.pid if redis else None,
                args.worker_class,
                args.threads,
                args.keep_alive,
            )
        finally:
            if redis is not None:
                redis.stop()
            if postgres is not None:
                postgres.stop()
    backend = "PostgreSQL" if args.postgres or url.startswith("postgresql") else "SQLite"
    print(
        f"heartbeats: {args.kiosks} kiosks x {args.intervals} every {args.interval:g} s -> {result['sent']} "
        f"requests in {result['wall_s']:.1f} s ({result['rate']:.1f}/s), "
        f"gunicorn {args.workers} {args.worker_class} workers"
        f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}"
        f"{', keep-alive' if args.keep_alive else ''}, {backend}{', Redis' if args.redis else ''}, "
        f"after {args.warmup} unmeasured round(s); load average before: {load_before}"
    )
    print(f"  accepted {result['ok']}, failed {sum(result['failures'].values())} {result['failures'] or ''}")
    print(
        f"  latency ms: p50 {result['p50']:.1f}  p95 {result['p95']:.1f}  p99 {result['p99']:.1f}  "
        f"max {result['max']:.1f}"
    )
    busy = result["cpu_s"] / result["wall_s"]
    sent = max(1, result["sent"])
    print(
        f"  server CPU per heartbeat: {1000 * result['cpu_s'] / sent:.2f} ms (gunicorn master + workers); "
        f"GET /healthz on the same server: {1000 * result['trivial_cpu_s']:.2f} ms"
    )
    print(
        f"  server CPU: {result['cpu_s']:.1f} s over {result['wall_s']:.1f} s = {busy:.0%} of one core, "
        f"{busy / result['cores']:.0%} of this machine's {result['cores']} cores (load generator excluded)"
    )
    others = []
    if result["postgres_cpu_s"] is not None:
        others.append(f"PostgreSQL {1000 * result['postgres_cpu_s'] / sent:.2f} ms")
    if result["redis_cpu_s"] is not None:
        others.append(f"Redis {1000 * result['redis_cpu_s'] / sent:.2f} ms")
    if others:
        print(f"  per heartbeat, besides: {', '.join(others)}")
    print(
        f"  load generator: signing {1000 * result['signing_cpu_s'] / sent:.2f} ms CPU per heartbeat (before the "
        f"clock), sending {1000 * result['client_cpu_s'] / sent:.2f} ms ({args.clients} processes); "
        f"{result['late']} sent > 50 ms behind schedule; load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
