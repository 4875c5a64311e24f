"""The durable outbox: check-ins taken while the backend was unreachable, with the provisional numbers
given for them, kept in SQLite until synced. Each entry carries its own idempotency keys, so a sync
interrupted at any point and run again neither loses nor doubles a check-in."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.services.api import ApiClient, ApiRefused, ApiUnavailable

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    checkin_payload TEXT NOT NULL,
    checkin_key TEXT NOT NULL,
    department_code TEXT NOT NULL,
    ticket_key TEXT NOT NULL,
    provisional_number INTEGER NOT NULL,
    service_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | synced | refused
    checkin_id TEXT,
    result TEXT
);
CREATE TABLE IF NOT EXISTS provisional_counters (
    service_date TEXT NOT NULL,
    department_code TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (service_date, department_code)
);
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


_UPDATABLE = frozenset({"status", "checkin_id", "result"})


class RangeExhausted(Exception):
    """Every provisional number reserved for this kiosk is used for that department today."""


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    provisional_number: int
    department_code: str
    status: str
    result: dict | None


class Outbox:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")  # a kiosk loses power: the entry must survive
        return connection

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            yield connection
        finally:
            connection.close()

    # --- a small persistent cache (departments, kiosk profile, JWKS) ----------------------------------
    def cache_put(self, key: str, value) -> None:
        with self._lock, self._db() as db:
            db.execute("INSERT OR REPLACE INTO cache (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def cache_get(self, key: str, default=None):
        with self._db() as db:
            row = db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # --- offline check-ins ----------------------------------------------------------------------------
    def enqueue(
        self,
        *,
        checkin_payload: dict,
        department_code: str,
        service_date: str,
        number_range: tuple[int, int],
        created_at: str,
        checkin_key: str | None = None,
        checkin_id: str | None = None,
        ticket_key: str | None = None,
    ) -> OutboxEntry:
        """Reserve the next provisional number and store the check-in, in one transaction. The keys (and
        the check-in id) of requests already tried online are kept, so the sync repeats those requests."""
        low, high = number_range
        entry_id = uuid.uuid4().hex
        checkin_key = checkin_key or f"offline-checkin-{entry_id}"
        ticket_key = ticket_key or f"offline-ticket-{entry_id}"
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                row = db.execute(
                    "SELECT last_number FROM provisional_counters WHERE service_date = ? AND department_code = ?",
                    (service_date, department_code),
                ).fetchone()
                number = low if row is None else row[0] + 1
                if number > high:
                    raise RangeExhausted(f"provisional numbers {low}-{high} are used up for {department_code}")
                db.execute(
                    "INSERT OR REPLACE INTO provisional_counters VALUES (?, ?, ?)",
                    (service_date, department_code, number),
                )
                db.execute(
                    "INSERT INTO outbox (id, created_at, checkin_payload, checkin_key, department_code,"
                    " ticket_key, provisional_number, service_date, checkin_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        entry_id,
                        created_at,
                        json.dumps(checkin_payload),
                        checkin_key,
                        department_code,
                        ticket_key,
                        number,
                        service_date,
                        checkin_id,
                    ),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                db.close()
        return OutboxEntry(entry_id, number, department_code, "pending", None)

    def entries(self, status: str | None = None) -> list[OutboxEntry]:
        query = "SELECT id, provisional_number, department_code, status, result FROM outbox"
        args: tuple = ()
        if status:
            query, args = query + " WHERE status = ?", (status,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [OutboxEntry(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] else None) for r in rows]

    def pending_count(self) -> int:
        with self._db() as db:
            return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]

    def sync(self, api: ApiClient) -> int:
        """Send pending check-ins in order; stop at the first network failure. Returns how many synced."""
        synced = 0
        with self._db() as db:
            rows = db.execute(
                "SELECT id, checkin_payload, checkin_key, department_code, ticket_key, "
                "provisional_number, checkin_id FROM outbox WHERE status = 'pending' "
                "ORDER BY created_at, rowid"
            ).fetchall()
        for entry_id, payload, checkin_key, department, ticket_key, number, checkin_id in rows:
            try:
                if checkin_id is None:
                    checkin_id = api.check_in(json.loads(payload), idempotency_key=checkin_key)["id"]
                    self._update(entry_id, checkin_id=checkin_id)
                ticket = api.issue_ticket(checkin_id, department, idempotency_key=ticket_key, provisional_number=number)
            except ApiUnavailable:
                log.info("backend still unreachable; %d check-ins wait in the outbox", len(rows) - synced)
                break
            except ApiRefused as exc:
                # Not retried by itself (it would be refused again): staff see it in the outbox report.
                log.warning("offline check-in %s refused on sync: %s", entry_id, exc.problem.get("code"))
                self._update(entry_id, status="refused", result=json.dumps(exc.problem))
                continue
            self._update(entry_id, status="synced", result=json.dumps(ticket))
            synced += 1
        return synced

    def _update(self, entry_id: str, **values) -> None:
        unknown = set(values) - _UPDATABLE
        if unknown:
            raise ValueError(f"not an outbox column: {sorted(unknown)}")
        columns = ", ".join(f"{name} = ?" for name in values)  # names from _UPDATABLE only
        with self._lock, self._db() as db:
            db.execute(f"UPDATE outbox SET {columns} WHERE id = ?", (*values.values(), entry_id))  # nosec B608
