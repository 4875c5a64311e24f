"""A PostgreSQL primary with a streaming replica on loopback (pg_basebackup), for bench/cluster.py: both data
directories under one temporary folder owned by the postgres user (pg_ctl refuses root), stopped at the end."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.pg_server import _bin, _free_port

SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c wal_level=replica "
    "-c max_wal_senders=5 -c hot_standby=on -c wal_keep_size=256MB"
)


class PgNode:
    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name
        self.data = root / name
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + list(args)
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} {SETTINGS}"
        self.run(
            _bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / f"{self.name}.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def scalar(self, sql: str):
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                return connection.exec_driver_sql(sql).scalar()
        finally:
            engine.dispose()


class PrimaryWithReplica:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="congdan-cluster-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.primary = PgNode(self.root, "primary")
        self.replica = PgNode(self.root, "replica")

    def start(self) -> PrimaryWithReplica:
        self.primary.run(
            _bin("initdb"),
            "-D",
            str(self.primary.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.primary.start()
        started = time.perf_counter()
        # The replica is a byte copy of the primary taken while it runs, then follows its WAL stream (-R writes
        # primary_conninfo and standby.signal).
        self.replica.run(
            _bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self.replica.start()
        self.basebackup_s = time.perf_counter() - started
        return self

    def lsns(self) -> tuple[str, str, int]:
        """(primary's current WAL position, replica's replayed position, bytes behind)."""
        primary = self.primary.scalar("SELECT pg_current_wal_lsn()::text")
        replica = self.replica.scalar("SELECT pg_last_wal_replay_lsn()::text")
        behind = self.primary.scalar(f"SELECT pg_wal_lsn_diff('{primary}', '{replica}')::bigint")
        return primary, replica, int(behind)

    def wait_caught_up(self, timeout_s: float = 30) -> tuple[str, str, int, float]:
        started = time.perf_counter()
        while True:
            primary, replica, behind = self.lsns()
            if behind <= 0 or time.perf_counter() - started > timeout_s:
                return primary, replica, behind, time.perf_counter() - started
            time.sleep(0.05)

    def stop(self) -> None:
        for node in (self.replica, self.primary):
            node.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
