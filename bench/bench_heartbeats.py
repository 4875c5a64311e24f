"""Heartbeat ingestion: N simulated kiosks, each sending a signed heartbeat every 15 s, against one gunicorn
server on this machine. Prints latency percentiles and the server's CPU share.

    .venv/bin/python bench/bench_heartbeats.py                      # 1,000 kiosks, 3 intervals, SQLite
    .venv/bin/python bench/bench_heartbeats.py --postgres           # a throwaway PostgreSQL instead
    .venv/bin/python bench/bench_heartbeats.py --kiosks 200 --intervals 2 --workers 4

Kiosks are inserted directly (enrollment is not what is measured); their heartbeats are spread evenly over
the interval, as real kiosks started at different times would be. The load generator runs on the same
machine, so the server's CPU share is measured from /proc for the gunicorn processes only.
"""

from __future__ import annotations

import argparse
import http.client
import json
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

from shared_schemas import fleet as contract  # noqa: E402
from shared_schemas.signed import b64url_encode  # noqa: E402

PATH = "/api/v1/fleet/device/heartbeat"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children (gunicorn master + workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pending.extend(int(child) for child in children)
    return total


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


def run(kiosks: int, intervals: int, interval_s: float, workers: int, url: str, warmup: int = 1) -> dict:
    import requests

    identities = _seed(url, kiosks)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "CONGDAN_ENV": "development", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
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
    try:
        _wait_ready(port)
        for _ in range(4 * workers):  # let every worker import and connect before anything is timed
            requests.get(f"http://127.0.0.1:{port}/api/v1/fleet/kiosks", timeout=5)
        latencies: list[float] = []
        failures: dict[int, int] = {}
        lock = threading.Lock()

        def send(kiosk_id: str, key: Ed25519PrivateKey, beat: int) -> None:
            body = _heartbeat_body(beat)
            timestamp, nonce = int(time.time()), secrets.token_urlsafe(18)
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
            started = time.perf_counter()
            # http.client, not requests: the generator shares this machine's cores with the server, so it
            # must stay light (gunicorn's sync workers close each connection anyway).
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("POST", PATH, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                connection.close()
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    failures[status] = failures.get(status, 0) + 1

        # Warm-up rounds, not measured: kiosks beat all day, so each worker has met every kiosk (its directory
        # holds the key) long before any given minute. Sent as fast as the server takes them.
        with ThreadPoolExecutor(max_workers=8) as pool:
            for beat in range(warmup):
                list(pool.map(lambda identity, beat=beat: send(*identity, beat), identities))
        latencies.clear()
        failures.clear()
        schedule = sorted(
            (beat * interval_s + index * interval_s / kiosks, kiosk_id, key, warmup + beat)
            for beat in range(intervals)
            for index, (kiosk_id, key) in enumerate(identities)
        )
        cpu_before, started = _process_tree_cpu(server.pid), time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for offset, kiosk_id, key, beat in schedule:
                delay = started + offset - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, kiosk_id, key, beat)
        wall = time.monotonic() - started
        cpu = _process_tree_cpu(server.pid) - cpu_before
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
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    postgres = None
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        if args.postgres:
            from tests.pg_server import ThrowawayPostgres

            postgres = ThrowawayPostgres()
            url = postgres.start()
        try:
            result = run(args.kiosks, args.intervals, args.interval, args.workers, url, args.warmup)
        finally:
            if postgres is not None:
                postgres.stop()
    backend = "PostgreSQL" if args.postgres or url.startswith("postgresql") else "SQLite"
    print(
        f"heartbeats: {args.kiosks} kiosks x {args.intervals} every {args.interval:g} s -> {result['sent']} "
        f"requests in {result['wall_s']:.1f} s ({result['rate']:.1f}/s), "
        f"gunicorn {args.workers} sync workers, {backend}, after {args.warmup} unmeasured round(s)"
    )
    print(f"  accepted {result['ok']}, failed {sum(result['failures'].values())} {result['failures'] or ''}")
    print(
        f"  latency ms: p50 {result['p50']:.1f}  p95 {result['p95']:.1f}  p99 {result['p99']:.1f}  "
        f"max {result['max']:.1f}"
    )
    busy = result["cpu_s"] / result["wall_s"]
    print(f"  server CPU per heartbeat: {1000 * result['cpu_s'] / max(1, result['sent']):.2f} ms")
    print(
        f"  server CPU: {result['cpu_s']:.1f} s over {result['wall_s']:.1f} s = {busy:.0%} of one core, "
        f"{busy / result['cores']:.0%} of this machine's {result['cores']} cores (load generator excluded)"
    )


if __name__ == "__main__":
    main()
