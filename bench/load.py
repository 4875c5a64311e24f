"""Load test: the API under gunicorn (gthread workers, load shedding on) against PostgreSQL and Redis, all
started here on loopback, with a seeded population and the demo accounts.

    .venv/bin/python bench/load.py                       # 60 s mixed workload, then /healthz, then overload
    .venv/bin/python bench/load.py --seconds 20 --citizens 20000 --workers 4

Phases, each from a closed-loop load generator (processes x threads, http.client, one request per connection
so the kernel spreads them over the workers):
1. mixed, `--seconds`: logins, my record, my fines, kiosk check-ins and tickets (Idempotency-Key), signed
   fleet heartbeats; prints throughput and p50/p95/p99 per operation and the error count, which must be 0 (the
   concurrency stays within what the workers admit, so nothing is shed here).
2. trivial: GET /healthz for `--trivial-seconds`, for the ratio.
3. overload, `--overload-seconds` at `--overload-concurrency`: far past capacity the server must shed the
   excess quickly with 503 problem details + Retry-After: prints the share shed, the p99 of the 503s and the
   number of client timeouts, which must be 0.
4. open loop, with `--rates 150,200,250`: the same mix arriving at a fixed rate (exponential gaps, `--rate-seconds`
   each), whatever the server's answers do; each latency is counted from the moment its request was due, so a
   server that falls behind is charged for the wait (no coordinated omission). This is the latency a service level
   is about (p99 at a given load); the closed loop of phase 1 finds the most the server does at 8 clients.
Exit status 1 when an expectation fails. The generator shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import secrets
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.health.demo import DEMO_KIOSK_USERNAME as KIOSK  # noqa: E402
from bench.harness import DEMO_PASSWORD, Gunicorn, Redis, process_tree_cpu, seed, server_env  # noqa: E402

CITIZENS = ("001090012345", "001185006789", "079301004321")  # demo accounts (backend/demo.py)
HEARTBEAT = "/api/v1/fleet/device/heartbeat"
# operation -> share of the mixed workload (a check-in is followed by its ticket, counted on its own)
MIX = {"login": 0.05, "citizen_record": 0.30, "my_fines": 0.25, "checkin": 0.15, "heartbeat": 0.25}
CLIENT_TIMEOUT_S = 10
SLO_P99_MS = 100  # issue 21's latency goal, for the open-loop summary


def _request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        payload = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        wanted = raw and (response.status >= 400 or method == "POST")
        return response.status, (json.loads(raw) if wanted else {})
    finally:
        connection.close()


# --- the operations --------------------------------------------------------------------------------------
class Operations:
    def __init__(self, port: int, shared: dict, rng: random.Random) -> None:
        self.port, self.shared, self.rng = port, shared, rng
        self.keys = None

    def _keys(self):
        if self.keys is None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            self.keys = [
                (kid, Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))) for kid, raw in self.shared["kiosks"]
            ]
        return self.keys

    def login(self):
        username = self.rng.choice(CITIZENS)
        return [("login", "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD}, {})]

    def citizen_record(self):
        return [("citizen_record", "GET", "/api/v1/citizens/me", None, self.rng.choice(self.shared["citizens"]))]

    def my_fines(self):
        return [("my_fines", "GET", "/api/v1/traffic/penalties/mine", None, self.rng.choice(self.shared["citizens"]))]

    def heartbeat(self):
        from shared_schemas import fleet as contract
        from shared_schemas.signed import b64url_encode

        kiosk_id, key = self.rng.choice(self._keys())
        body = json.dumps(
            {
                "app_version": "1.4.2",
                "uptime_s": 60,
                "config_version": None,
                "locked": False,
                "devices": {"card_reader": "ok", "camera": "ok", "printer": "ok"},
                "paper_low": False,
                "outbox_backlog": 0,
                "last_error": None,
                "metrics": {"checkins_completed": 1},
            }
        ).encode()
        timestamp, nonce = int(time.time()), secrets.token_urlsafe(18)
        signature = key.sign(
            contract.request_signing_input(
                method="POST", path=HEARTBEAT, kiosk_id=kiosk_id, timestamp=timestamp, nonce=nonce, body=body
            )
        )
        headers = {
            contract.HEADER_KIOSK: kiosk_id,
            contract.HEADER_TIMESTAMP: str(timestamp),
            contract.HEADER_NONCE: nonce,
            contract.HEADER_SIGNATURE: b64url_encode(signature),
        }
        return [("heartbeat", "POST", HEARTBEAT, body, headers)]

    def checkin(self):
        personal_id, born, name, chip = self.rng.choice(self.shared["patients"])
        body = {
            "identification": {"method": "chip", "personal_id": personal_id, "date_of_birth": born, "chip": chip},
            "identified_at": datetime.now(UTC).isoformat(),
        }
        return [
            (
                "checkin",
                "POST",
                "/api/v1/health/checkins",
                body,
                {**self.shared["kiosk"], "Idempotency-Key": f"load-{uuid.uuid4().hex}"},
            )
        ]

    def ticket(self, checkin_id: str):
        return (
            "ticket",
            "POST",
            f"/api/v1/health/checkins/{checkin_id}/tickets",
            {"department_code": self.rng.choice(("NOI", "TMH", "MAT"))},
            {**self.shared["kiosk"], "Idempotency-Key": f"load-{uuid.uuid4().hex}"},
        )


def _client(port, shared, phase, seconds, seed_value, out):
    rng = random.Random(seed_value)
    ops = Operations(port, shared, rng)
    names, weights = zip(*MIX.items(), strict=True)
    samples: list[tuple[str, int, float]] = []  # (operation, status or 0 for a transport failure, seconds)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if phase == "trivial":
            queue = [("healthz", "GET", "/healthz", None, {})]
        elif phase == "overload":
            queue = ops.citizen_record()
        else:
            queue = getattr(ops, rng.choices(names, weights)[0])()
        _run(port, ops, queue, samples)
    out.extend(samples)


def _run(port, ops, queue: list, samples: list, due: float | None = None) -> None:
    """Send an operation's requests (a check-in's ticket follows it) and record each: (operation, status or 0 for a
    transport failure, seconds[, problem code of a refusal]). `due`: the first request's latency runs from then."""
    while queue:
        name, method, path, body, headers = queue.pop(0)
        started = due if due is not None else time.perf_counter()
        due = None
        try:
            status, answer = _request(port, method, path, body, headers)
        except (OSError, http.client.HTTPException):
            status, answer = 0, {}
        elapsed = time.perf_counter() - started
        samples.append(
            (name, status, elapsed)
            if status < 400
            else (name, status, elapsed, answer.get("code") if isinstance(answer, dict) else None)
        )
        if name == "checkin" and status == 201:
            queue.append(ops.ticket(answer["id"]))


def _generator_process(port, shared, phase, seconds, threads, seed_value, queue):
    out: list = []
    workers = [
        threading.Thread(target=_client, args=(port, shared, phase, seconds, seed_value * 1000 + i, out))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


def run_phase(port, shared, phase, seconds, concurrency, processes) -> list:
    processes = max(1, min(processes, concurrency))
    per = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    return _gathered(_generator_process, [(port, shared, phase, seconds, n, i + 1) for i, n in enumerate(per)])


def _gathered(target, per_process: list[tuple]) -> list:
    """Run `target(*args, queue)` in one process per args tuple; the samples each puts on the queue, together."""
    queue = mp.Queue()
    procs = [mp.Process(target=target, args=(*args, queue)) for args in per_process]
    for proc in procs:
        proc.start()
    samples = [sample for _ in procs for sample in queue.get()]
    for proc in procs:
        proc.join()
    return samples


def _open_loop_process(port, shared, rate, seconds, threads, seed_value, out_queue):
    """Requests due at exponential gaps (`rate` per second from this process), run by `threads` threads; a
    request's latency runs from when it was due, so time spent waiting for a free thread counts too."""
    import queue as queue_module

    rng = random.Random(seed_value)
    ops = Operations(port, shared, random.Random(seed_value + 1))
    names, weights = zip(*MIX.items(), strict=True)
    due: queue_module.Queue = queue_module.Queue()
    samples: list = []

    def run() -> None:
        while (item := due.get()) is not None:
            scheduled, name = item
            _run(port, ops, getattr(ops, name)(), samples, due=scheduled)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start = time.perf_counter()
    moment = start
    while True:
        moment += rng.expovariate(rate)
        if moment - start >= seconds:
            break
        delay = moment - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put((moment, rng.choices(names, weights)[0]))
    for _ in workers:
        due.put(None)
    for worker in workers:
        worker.join()
    out_queue.put(samples)


def run_open_loop(port, shared, rate, seconds, processes, threads=48) -> list:
    seeds = [7919 * (i + 1) + int(rate) for i in range(processes)]
    return _gathered(_open_loop_process, [(port, shared, rate / processes, seconds, threads, s) for s in seeds])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


# --- setting up --------------------------------------------------------------------------------------------
def prepare(url: str, citizens: int, kiosks: int) -> dict:
    """Seed, then gather what the clients need: patients from the population, fleet kiosk keys."""
    import sqlalchemy as sa
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from backend.database import make_engine
    from backend.registry.models import Citizen
    from bench.bench_heartbeats import _seed as seed_fleet_kiosks

    seed(url, citizens=citizens)
    identities = seed_fleet_kiosks(url, kiosks)
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Citizen.personal_id, Citizen.date_of_birth, Citizen.full_name)
            .where(
                Citizen.date_of_birth < datetime(2008, 1, 1).date(), Citizen.deceased_on.is_(None)
            )  # the living present themselves
            .order_by(Citizen.id)
            .limit(5000)
        ).all()
    engine.dispose()
    from tests.chip_evidence import ChipCard, card_holder

    # Each patient's card read as an offline kiosk sends it (EF.SOD + DGs): the server verifies it every time.
    return {
        "patients": [(p, d.isoformat(), n, ChipCard(card_holder(p, n, d)).evidence()) for p, d, n in rows[:300]],
        "kiosks": [
            (kid, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()) for kid, key in identities
        ],
    }


def login_headers(port: int, username: str) -> dict:
    status, body = _request(port, "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD})
    if status != 200:
        raise SystemExit(f"login as {username} failed: HTTP {status}")
    return {"Authorization": f"Bearer {body['access_token']}"}


def report_mixed(samples: list, seconds: float) -> int:
    print(f"{'operation':16} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    errors_total = 0
    for name in (*MIX, "ticket"):
        rows = [s for s in samples if s[0] == name]
        latencies = [s[2] for s in rows]
        errors = sum(1 for s in rows if not 200 <= s[1] < 300)
        errors_total += errors
        print(
            f"{name:16} {len(rows):9d} {len(rows) / seconds:8.1f} {percentile(latencies, 0.50):8.1f} "
            f"{percentile(latencies, 0.95):8.1f} {percentile(latencies, 0.99):8.1f} {errors:7d}"
        )
    latencies = [s[2] for s in samples]
    print(
        f"{'all':16} {len(samples):9d} {len(samples) / seconds:8.1f} {percentile(latencies, 0.50):8.1f} "
        f"{percentile(latencies, 0.95):8.1f} {percentile(latencies, 0.99):8.1f} {errors_total:7d}"
    )
    statuses = sorted({(s[0], s[1], s[3] if len(s) > 3 else None) for s in samples if not 200 <= s[1] < 300})
    if statuses:
        print(f"errors (operation, status, problem code; status 0 = transport failure): {statuses}")
    return errors_total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--trivial-seconds", type=float, default=10)
    parser.add_argument("--overload-seconds", type=float, default=10)
    parser.add_argument("--citizens", type=int, default=20_000, help="generated population besides the demo")
    parser.add_argument("--kiosks", type=int, default=200, help="enrolled fleet kiosks sending heartbeats")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16, help="gthread threads per worker")
    parser.add_argument("--max-in-flight", type=int, default=8, help="admitted requests per worker")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="mixed-phase clients (default: max-in-flight, so nothing is shed)"
    )
    parser.add_argument("--overload-concurrency", type=int, default=200)
    parser.add_argument("--processes", type=int, default=4, help="load generator processes")
    parser.add_argument(
        "--rates", default="", help="open-loop phase: arrival rates (req/s, comma-separated) of the mixed workload"
    )
    parser.add_argument("--rate-seconds", type=float, default=15, help="length of each open-loop rate")
    parser.add_argument(
        "--without-shedding",
        action="store_true",
        help="serve the plain app (no backend/overload.py), to compare the overload phase",
    )
    options = parser.parse_args()
    concurrency = options.concurrency or options.max_in_flight

    from tests.pg_server import ThrowawayPostgres

    postgres, redis, server = ThrowawayPostgres(), Redis(), None
    try:
        admin_url = postgres.start()
        url = admin_url
        redis.start()
        started = time.perf_counter()
        shared = prepare(url, options.citizens, options.kiosks)
        print(
            f"seeded {options.citizens:,} citizens + demo data, {options.kiosks} fleet kiosks in "
            f"{time.perf_counter() - started:.0f} s"
        )
        from tests.chip_evidence import csca_dir

        env = server_env(url, REDIS_URL=redis.url, CSCA_STORE_DIR=csca_dir())
        app = (
            "backend:create_app()"
            if options.without_shedding
            else f"backend.overload:create_app(max_in_flight={options.max_in_flight})"
        )
        server = Gunicorn(env, workers=options.workers, threads=options.threads, app=app).start()
        port = server.port
        shared["citizens"] = [login_headers(port, c) for c in CITIZENS]
        shared["kiosk"] = login_headers(port, KIOSK)
        run_phase(port, shared, "mixed", 2, concurrency, options.processes)  # warm every worker up

        admitted = "no shedding" if options.without_shedding else f"{options.max_in_flight} admitted per worker"
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"gunicorn {options.workers} gthread workers x {options.threads} threads, {admitted}; "
            f"PostgreSQL 15, Redis (rate-limit storage); load generator "
            f"{options.processes} processes on the same machine"
        )
        print(f"\n1. mixed workload, {concurrency} concurrent clients, {options.seconds:.0f} s")
        meters = {
            "app (gunicorn)": server.process.pid,
            "PostgreSQL": int((postgres.data / "postmaster.pid").read_text().split()[0]),
            "Redis": redis.process.pid,
        }
        before = {name: process_tree_cpu(pid) for name, pid in meters.items()}
        generator_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        mixed = run_phase(port, shared, "mixed", options.seconds, concurrency, options.processes)
        errors = report_mixed(mixed, options.seconds)
        spent = {name: process_tree_cpu(pid) - before[name] for name, pid in meters.items()}
        generator_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent["load generator"] = (generator_after.ru_utime + generator_after.ru_stime) - (
            generator_before.ru_utime + generator_before.ru_stime
        )
        print(
            "CPU per request (ms, from /proc): "
            + ", ".join(f"{name} {seconds * 1000 / max(1, len(mixed)):.2f}" for name, seconds in spent.items())
            + f"; the machine's {os.cpu_count()} cores gave {sum(spent.values()) / options.seconds:.2f} cores"
        )

        print(f"\n2. trivial endpoint GET /healthz, {concurrency} concurrent clients, {options.trivial_seconds:.0f} s")
        trivial = run_phase(port, shared, "trivial", options.trivial_seconds, concurrency, options.processes)
        trivial_rps = len(trivial) / options.trivial_seconds
        mixed_rps = len(mixed) / options.seconds
        print(
            f"/healthz {trivial_rps:.0f} req/s (p50 {percentile([s[2] for s in trivial], 0.5):.1f} ms); mixed "
            f"workload {mixed_rps:.0f} req/s = {mixed_rps / trivial_rps:.2f} of trivial"
        )

        print(
            f"\n3. overload: GET /api/v1/citizens/me from {options.overload_concurrency} concurrent clients, "
            f"{options.overload_seconds:.0f} s"
        )
        overload = run_phase(
            port, shared, "overload", options.overload_seconds, options.overload_concurrency, max(options.processes, 8)
        )
        served = [s[2] for s in overload if s[1] == 200]
        shed = [s[2] for s in overload if s[1] == 503]
        other = [s for s in overload if s[1] not in (200, 503)]
        timeouts = sum(1 for s in overload if s[1] == 0)
        print(
            f"{len(overload)} requests: {len(served)} served (p50 {percentile(served, 0.5):.1f} ms, p99 "
            f"{percentile(served, 0.99):.1f} ms), {len(shed)} shed with 503 + Retry-After (p50 "
            f"{percentile(shed, 0.5):.1f} ms, p99 {percentile(shed, 0.99):.1f} ms); served "
            f"{len(served) / options.overload_seconds:.0f} req/s; other statuses {len(other)}, client "
            f"timeouts {timeouts}"
        )
        if options.rates:
            rates = [float(r) for r in options.rates.split(",") if r.strip()]
            print(f"\n4. open loop: the mixed workload arriving at fixed rates, {options.rate_seconds:.0f} s each")
            within = []
            for rate in rates:
                operations = rate / (1 + MIX["checkin"])  # each check-in brings its ticket request along
                print(f"\noffered {rate:.0f} req/s ({operations:.0f} operations/s due, a check-in's ticket after it):")
                samples = run_open_loop(port, shared, operations, options.rate_seconds, options.processes)
                # Past capacity the server sheds (503): that rate is reported, not a failure of the run.
                refused = report_mixed(samples, options.rate_seconds)
                if not refused and percentile([s[2] for s in samples], 0.99) < SLO_P99_MS:
                    within.append(rate)
            print(
                f"\nhighest offered rate answered in full with p99 < {SLO_P99_MS} ms: "
                + (f"{max(within):.0f} req/s" if within else "none of those offered")
            )
        failed = []
        if errors:
            failed.append(f"{errors} errors in the mixed workload")
        if other:
            failed.append(f"{len(other)} overload answers neither 200 nor 503: {sorted({s[1] for s in other})}")
        if options.without_shedding:
            failed.append("run without shedding (comparison only)")
        elif not shed:
            failed.append("nothing was shed in the overload phase")
        elif percentile(shed, 0.99) > 2000:
            failed.append("shedding was slow (p99 of the 503s over 2 s)")
        print("\nOK" if not failed else "\nFAILED: " + "; ".join(failed))
        return 1 if failed else 0
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
