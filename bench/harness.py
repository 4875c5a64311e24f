"""Servers on loopback for bench/load.py and tests/faults: a throwaway PostgreSQL (tests/pg_server.py), Redis,
a demo-seeded database, and the API under gunicorn (whose workers can be killed one by one)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
DEMO_PASSWORD = "congdan-demo"  # BaseConfig.DEMO_PASSWORD, what `flask seed-demo` gives the demo accounts
UNLIMITED = "10000000 per minute"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children (a gunicorn master and its workers), from
    /proc: the server's own share when the load generator runs on the same cores."""
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


def server_env(database_url: str, **extra: str) -> dict:
    """The environment of the API processes: development config (so demo seeding is allowed) with login
    throttling lifted - the load is many logins from one address, which is what throttling exists to stop."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONGDAN_ENV": "development",
        "PYTHONPATH": str(ROOT),
        "LOGIN_LIMIT_PER_ADDRESS": UNLIMITED,
        "LOGIN_LIMIT_PER_ACCOUNT": UNLIMITED,
        **extra,
    }


def flask(env: dict, *args: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "backend", *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


def open_round_the_clock(database_url: str) -> None:
    """Every clinic open at any hour, so a run does not depend on when it happens."""
    import sqlalchemy as sa

    from backend.database import make_engine
    from backend.health.models import Department

    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(Department).values(opens_at=clock_time(0), closes_at=clock_time(0), open_weekdays="0123456")
        )
    engine.dispose()


def seed(database_url: str, *, citizens: int) -> None:
    """Migrate, then `flask seed-demo` (generated population + demo citizens, staff, hospitals, kiosk)."""
    env = server_env(database_url)
    flask(env, "db-upgrade")
    flask(env, "seed-demo", "--citizens", str(citizens))
    open_round_the_clock(database_url)


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


class Gunicorn:
    """The API under gunicorn on 127.0.0.1 (gthread workers), in its own process group. `--preload`: the app
    is imported once and the workers forked from it, so a killed worker is replaced in milliseconds."""

    def __init__(
        self,
        env: dict,
        *,
        workers: int = 2,
        threads: int = 4,
        app: str = "backend:create_app()",
        extra: tuple[str, ...] = ("--preload",),
    ) -> None:
        self.env, self.workers, self.threads, self.app, self.extra = env, workers, threads, app, extra
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> Gunicorn:
        command = [
            str(VENV_BIN / "gunicorn"),
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            *self.extra,
            self.app,
        ]
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if self.healthy() and len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not become ready")

    def healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the OOM killer would: no cleanup, no response to what it was serving."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.process = None
