"""`make cluster` / `make cluster-failover`: congdan scaled out on existing engines, all on loopback - HAProxy
(backend/front/haproxy.py) in front of two gunicorn app nodes, a PostgreSQL primary with a streaming replica
(bench/pg_cluster.py) and Redis (rate limits shared through REDIS_URL) - under the mixed load of bench/load.py.

    .venv/bin/python bench/cluster.py              # steady load, kill one node mid-run, rolling restart, replica
    .venv/bin/python bench/cluster.py --failover   # steady load, then promote the replica and carry on

Every request goes through HAProxy. Clients behave as the kiosks do: a write that got no answer (connection
lost, 502/504) is sent again with the same Idempotency-Key, and anything the app shed (503 + Retry-After: nothing
was done) is sent again, up to 3 times. Printed per phase: requests, client-visible failures, retries, p50/p99;
then the database check that every key did its work exactly once (no doubled check-ins or tickets), the
replica's lag (LSNs), and for --failover each promotion step with the tables' row counts and hashes before and
after. Exit status 1 when an expectation fails. Everything started here
is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.front.haproxy import Balancer  # noqa: E402
from bench.cluster_load import Load, report  # noqa: E402
from bench.harness import Gunicorn, Redis, free_port, server_env  # noqa: E402
from bench.load import CITIZENS, KIOSK, login_headers, prepare  # noqa: E402
from bench.pg_cluster import PrimaryWithReplica  # noqa: E402

TABLES = ("citizens", "accounts", "hospital_checkins", "hospital_queue_tickets", "idempotency_keys", "audit_events")


# --- the cluster --------------------------------------------------------------------------------------------
class Cluster:
    def __init__(self, options) -> None:
        self.options = options
        self.pg = PrimaryWithReplica()
        self.redis = Redis()
        self.nodes: list[Gunicorn] = []
        self.balancer: Balancer | None = None
        self.prefix = Path(self.pg.root) / "haproxy"

    def start(self) -> dict:
        self.pg.start()
        print(
            f"PostgreSQL primary :{self.pg.primary.port}, replica :{self.pg.replica.port} (pg_basebackup "
            f"{self.pg.basebackup_s:.1f} s)"
        )
        self.redis.start()
        started = time.perf_counter()
        shared = prepare(self.pg.primary.url, self.options.citizens, self.options.kiosks)
        print(
            f"seeded {self.options.citizens:,} citizens + demo data, {self.options.kiosks} fleet kiosks in "
            f"{time.perf_counter() - started:.0f} s"
        )
        from tests.chip_evidence import csca_dir

        env = server_env(self.pg.primary.url, REDIS_URL=self.redis.url, CSCA_STORE_DIR=csca_dir(), PROXY_FIX_HOPS="1")
        app = f"backend.overload:create_app(max_in_flight={self.options.max_in_flight})"
        for _ in range(2):
            self.nodes.append(Gunicorn(dict(env), workers=self.options.workers, threads=8, app=app).start())
        self.balancer = Balancer(
            prefix=self.prefix,
            listen=f"127.0.0.1:{free_port()}",
            nodes=[f"127.0.0.1:{node.port}" for node in self.nodes],
            log_path=self.prefix.parent / "haproxy.log",
        ).start()
        for name in ("node1", "node2"):
            self.balancer.wait_up(name)
        port = self.balancer.port
        shared["citizens"] = [login_headers(port, c) for c in CITIZENS]
        shared["kiosk"] = login_headers(port, KIOSK)
        print(
            f"HAProxy :{port} -> node1 :{self.nodes[0].port}, node2 :{self.nodes[1].port} (gunicorn "
            f"{self.options.workers} gthread workers each); Redis :{self.redis.port}"
        )
        return shared

    def kill(self, index: int) -> int:
        """SIGKILL a whole node (master and workers), as a machine losing power would."""
        node = self.nodes[index]
        in_flight = self.balancer.servers()[f"node{index + 1}"]["scur"]
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait()
        node.process = None
        return in_flight

    def restart(self, index: int, *, graceful: bool = True) -> float:
        """Drain the node in HAProxy, stop gunicorn gracefully (open requests finish), start it, re-admit it."""
        name, node = f"node{index + 1}", self.nodes[index]
        started = time.perf_counter()
        if graceful:
            self.balancer.drain(name)
            node.stop()
        node.start()
        self.balancer.set_state(name, "ready")
        self.balancer.wait_up(name)
        return time.perf_counter() - started

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each component's processes (for the capacity model in docs/scaling.md)."""
        from bench.harness import process_tree_cpu

        postmaster = int((self.pg.primary.data / "postmaster.pid").read_text().split()[0])
        return {
            "app": sum(process_tree_cpu(node.process.pid) for node in self.nodes),
            "postgres": process_tree_cpu(postmaster),
            "haproxy": process_tree_cpu(self.balancer.process.pid),
            "redis": process_tree_cpu(self.redis.process.pid),
        }

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for node in self.nodes:
            node.stop()
        self.redis.stop()
        self.pg.stop()


def exactly_once(url: str) -> list[str]:
    """Every Idempotency-Key the load sent did its work once: check-ins = keys, tickets = distinct results."""
    import sqlalchemy as sa

    from backend.database import make_engine
    from backend.health.checkin import CHECKIN
    from backend.health.tickets import TICKET

    engine = make_engine(url)
    with engine.connect() as c:
        checkin_keys = c.execute(
            sa.text("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'load-%' AND operation = :op"),
            {"op": CHECKIN},
        ).scalar_one()
        ticket_refs = c.execute(
            sa.text(
                "SELECT count(DISTINCT resource_ref) FROM idempotency_keys WHERE key LIKE 'load-%' AND operation = :op"
            ),
            {"op": TICKET},
        ).scalar_one()
        checkins = c.execute(sa.text("SELECT count(*) FROM hospital_checkins")).scalar_one()
        tickets = c.execute(sa.text("SELECT count(*) FROM hospital_queue_tickets")).scalar_one()
        doubled = c.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT checkin_id, department_id FROM hospital_queue_tickets "
                "GROUP BY checkin_id, department_id HAVING count(*) > 1) d"
            )
        ).scalar_one()
    engine.dispose()
    print(
        f"exactly once: {checkins} check-ins for {checkin_keys} check-in keys, {tickets} tickets for {ticket_refs} "
        f"distinct ticket results, {doubled} check-ins with a doubled ticket"
    )
    problems = []
    if checkins != checkin_keys:
        problems.append(f"{checkins} check-ins for {checkin_keys} keys")
    if tickets != ticket_refs or doubled:
        problems.append(f"{tickets} tickets for {ticket_refs} results, {doubled} doubled")
    return problems


def fingerprint(node) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 over every row's text, per table."""
    return {
        table: tuple(
            node.scalar(
                f"SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') "
                f"FROM {table} t"
            ).split(" ")  # nosec B608 - fixed table names
        )
        for table in TABLES
    }


def run_scale_out(cluster: Cluster, shared: dict, options) -> list[str]:
    port, problems = cluster.balancer.port, []
    print(f"\n{'phase':34} figures (every request through HAProxy, {options.concurrency} clients)")
    cpu_before = cluster.cpu()
    steady = Load(port, shared, options.seconds, options.concurrency).result()
    cpu_after = cluster.cpu()
    figures = report("1. steady", steady, options.seconds)
    per_request = {k: (cpu_after[k] - cpu_before[k]) * 1000 / max(1, figures["attempts"]) for k in cpu_before}
    print(
        "   server CPU per request (mixed workload): app nodes {app:.2f} ms, PostgreSQL primary {postgres:.2f} ms, "
        "HAProxy {haproxy:.2f} ms, Redis {redis:.2f} ms".format(**per_request)
    )
    if figures["failed"]:
        problems.append("failures under steady load")

    kill_at, back_at = 4.0, 10.0
    load = Load(port, shared, options.seconds, options.concurrency)
    time.sleep(kill_at)
    killed_at = time.time()
    in_flight = cluster.kill(0)
    time.sleep(back_at - kill_at)
    restart_s = cluster.restart(0, graceful=False)
    samples = load.result()
    figures = report("2. node1 SIGKILLed at 4 s", samples, options.seconds, (killed_at - 1, killed_at + 3))
    print(f"   node1 had {in_flight} requests open when killed; back in {restart_s:.1f} s")
    if figures["failed"] > in_flight:
        problems.append(f"killing a node lost {figures['failed']} requests, more than the {in_flight} in flight")

    load = Load(port, shared, options.seconds + 10, options.concurrency)
    time.sleep(2)
    rolling_started = time.time()
    took = [cluster.restart(0), cluster.restart(1)]
    rolling_ended = time.time()
    samples = load.result()
    figures = report(
        "3. rolling restart of both nodes", samples, options.seconds + 10, (rolling_started, rolling_ended)
    )
    print(f"   node1 drained + restarted in {took[0]:.1f} s, node2 in {took[1]:.1f} s")
    if figures["failed"]:
        problems.append(f"the rolling restart dropped {figures['failed']} requests")

    problems += exactly_once(cluster.pg.primary.url)
    primary, replica, behind, waited = cluster.pg.wait_caught_up()
    print(f"replica: primary at {primary}, replica replayed {replica}, {behind} bytes behind (after {waited:.2f} s)")
    if behind > 0:
        problems.append("the replica did not catch up")
    return problems


def run_failover(cluster: Cluster, shared: dict, options) -> list[str]:
    port, problems = cluster.balancer.port, []
    steady = Load(port, shared, options.seconds, options.concurrency).result()
    report("steady load before the failover", steady, options.seconds)
    pg = cluster.pg
    print("\nfailover, step by step:")
    primary, replica, behind, waited = pg.wait_caught_up()
    print(f" 1. replica caught up: primary {primary}, replica {replica}, {behind} bytes behind ({waited:.2f} s)")
    before = fingerprint(pg.primary)
    print(" 2. fingerprints on the primary: " + ", ".join(f"{t} {n}" for t, (n, _) in before.items()))
    started = time.perf_counter()
    pg.primary.stop("immediate")
    print(" 3. primary stopped (pg_ctl stop -m immediate: as if its machine died)")
    pg.replica.run(*_pg_ctl(pg.replica, "promote"))
    while pg.replica.scalar("SELECT pg_is_in_recovery()"):
        time.sleep(0.05)
    print(
        f" 4. replica promoted (pg_ctl promote) in {time.perf_counter() - started:.2f} s after the primary died; "
        f"pg_is_in_recovery() = false"
    )
    after = fingerprint(pg.replica)
    same = before == after
    print(
        f" 5. fingerprints on the new primary {'identical' if same else 'DIFFER'}: "
        + ", ".join(f"{t} {n} md5 {h[:12]}" for t, (n, h) in after.items())
    )
    if not same:
        problems.append("data differs after promotion")
    for node in cluster.nodes:
        node.env["DATABASE_URL"] = pg.replica.url
    took = [cluster.restart(0), cluster.restart(1)]
    print(f" 6. app nodes pointed at the new primary by a rolling restart ({took[0]:.1f} s + {took[1]:.1f} s)")
    samples = Load(port, shared, options.seconds, options.concurrency).result()
    figures = report(" 7. load on the new primary", samples, options.seconds)
    if figures["failed"]:
        problems.append("failures after the failover")
    grown = fingerprint(pg.replica)
    print(
        f"    check-ins {after['hospital_checkins'][0]} -> {grown['hospital_checkins'][0]}, audit events "
        f"{after['audit_events'][0]} -> {grown['audit_events'][0]} (writes land on the new primary)"
    )
    problems += exactly_once(pg.replica.url)
    return problems


def _pg_ctl(node, action: str) -> tuple[str, ...]:
    from tests.pg_server import _bin

    return (_bin("pg_ctl"), "-D", str(node.data), "-w", action)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failover", action="store_true", help="promote the replica instead of killing nodes")
    parser.add_argument("--seconds", type=float, default=20, help="length of each load phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--citizens", type=int, default=2_000)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--max-in-flight", type=int, default=8)
    options = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load generator "
        "on the same machine"
    )
    cluster = Cluster(options)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        shared = cluster.start()
        problems = (run_failover if options.failover else run_scale_out)(cluster, shared, options)
    finally:
        cluster.stop()
    print("everything stopped")
    print("\nOK" if not problems else "\nFAILED: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
