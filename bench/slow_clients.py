"""The slow-client attack of issue 12 #6, and citizen latency while it runs.

`python bench/slow_clients.py [--seconds 30]` seeds a demo SQLite database, then runs the attack twice: against
gunicorn alone (how `make run` served before) and against nginx + gunicorn (backend/front, how it serves now),
printing /healthz and authenticated citizen-read latency (p50/p99, failures) for each. tests/faults/
test_slow_clients.py runs the same attack against the front (CI-sized in `make test`, full size in `make faults`).
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_CITIZEN = "001090012345"


class SlowClients:
    """`headers` connections that send one header line every `interval_s`, and `bodies` connections that
    announce a 1 MB body and send 10 bytes of it every `interval_s` - all from one thread."""

    def __init__(self, host: str, port: int, *, headers: int = 50, bodies: int = 40, interval_s: float = 2.0):
        self.host, self.port, self.interval_s = host, port, interval_s
        self.counts = (headers, bodies)
        self.sockets: list[socket.socket] = []
        self.stopping = threading.Event()
        self.dropped = 0  # connections the server closed on the attacker (nginx's timeouts)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> SlowClients:
        headers, bodies = self.counts
        for i in range(headers + bodies):
            connection = socket.create_connection((self.host, self.port), timeout=5)
            if i < headers:
                connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: congdan\r\n")
            else:
                connection.sendall(
                    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: congdan\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"
                )
            self.sockets.append(connection)
        self.thread.start()
        return self

    def _run(self) -> None:
        line = 0
        while not self.stopping.wait(self.interval_s):
            line += 1
            headers = self.counts[0]
            for i, connection in enumerate(list(self.sockets)):
                try:
                    connection.sendall(f"X-Slow-{line}: {'a' * 8}\r\n".encode() if i < headers else b'"aaaaaaaa"')
                except OSError:
                    self.dropped += 1
                    self.sockets.remove(connection)
                    connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for connection in self.sockets:
            connection.close()


@dataclass
class Probe:
    """Latency of /healthz and of an authenticated citizen read, one pair every `every_s`."""

    host: str
    port: int
    token: str
    timeout_s: float = 10.0
    latencies: dict = field(default_factory=lambda: {"healthz": [], "citizen": []})
    failures: dict = field(default_factory=lambda: {"healthz": 0, "citizen": 0})

    def _get(self, path: str, headers: dict) -> int:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def run(self, seconds: float, every_s: float = 0.25) -> Probe:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, path, headers in (
                ("healthz", "/healthz", {}),
                ("citizen", "/api/v1/citizens/me", {"Authorization": f"Bearer {self.token}"}),
            ):
                started = time.perf_counter()
                try:
                    status = self._get(path, headers)
                except (OSError, http.client.HTTPException):
                    status = None
                if status == 200:
                    self.latencies[name].append(time.perf_counter() - started)
                else:
                    self.failures[name] += 1
            time.sleep(every_s)
        return self

    def summary(self) -> str:
        parts = []
        for name, values in self.latencies.items():
            if values:
                ordered = sorted(values)
                p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
                parts.append(
                    f"{name}: n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
                    f"p99={p99 * 1000:.0f} ms failed={self.failures[name]}"
                )
            else:
                parts.append(f"{name}: n=0 failed={self.failures[name]}")
        return "; ".join(parts)


def login(host: str, port: int, username: str, password: str, timeout_s: float = 30) -> str:
    import json

    connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        connection.request(
            "POST",
            "/api/v1/auth/login",
            body=json.dumps({"username": username, "password": password}),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        body = json.loads(response.read())
        assert response.status == 200, body
        return body["access_token"]
    finally:
        connection.close()


def attack(
    host: str,
    port: int,
    token: str,
    *,
    seconds: float,
    headers: int = 50,
    bodies: int = 40,
    probe_timeout_s: float = 10.0,
) -> tuple[Probe, SlowClients]:
    attacker = SlowClients(host, port, headers=headers, bodies=bodies).start()
    try:
        time.sleep(0.5)  # let the slow connections take whatever they can take
        probe = Probe(host, port, token, timeout_s=probe_timeout_s).run(seconds)
    finally:
        attacker.stop()
    return probe, attacker


def main() -> None:
    from backend.front.serve import Front
    from bench.harness import DEMO_PASSWORD, Gunicorn, free_port, server_env
    from tests.faults.support import demo_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        demo_database(url)
        env = server_env(url)
        direct = Gunicorn(env, workers=2, threads=16, extra=()).start()
        try:
            token = login("127.0.0.1", direct.port, DEMO_CITIZEN, DEMO_PASSWORD)
            probe, _ = attack("127.0.0.1", direct.port, token, seconds=args.seconds, probe_timeout_s=5)
            print(
                f"gunicorn alone (2 workers x 16 threads), 50 slow headers + 40 slow bodies, {args.seconds:.0f} s: "
                f"{probe.summary()}"
            )
        finally:
            direct.stop()
        port = free_port()
        front = Front(
            listen=f"127.0.0.1:{port}",
            prefix=Path(folder) / "front",
            workers=2,
            env=env,
            log_path=Path(folder) / "gunicorn.log",
        ).start()
        try:
            token = login("127.0.0.1", port, DEMO_CITIZEN, DEMO_PASSWORD)
            probe, attacker = attack("127.0.0.1", port, token, seconds=args.seconds, probe_timeout_s=5)
            print(
                f"nginx + gunicorn (backend/front), same attack, {args.seconds:.0f} s: {probe.summary()} "
                f"(nginx dropped {attacker.dropped} slow connections)"
            )
        finally:
            front.stop()


if __name__ == "__main__":
    main()
