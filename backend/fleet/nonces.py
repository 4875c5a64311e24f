"""The replay check of signed kiosk requests: each nonce may be claimed once while its request's timestamp is
inside the accepted window (FLEET_REQUEST_MAX_SKEW_S either way, so a nonce is remembered for twice that).

Where the claims live:
- REDIS_URL (or FLEET_NONCE_REDIS_URL, for a Redis of their own) configured: Redis,
  `SET <kiosk>:<nonce> NX EX <2 x skew>`. One round trip to a store every worker and node shares, no database
  transaction: a replay is refused whichever process it reaches. Redis expires the keys itself.
- No Redis: the database table `fleet_request_nonces` (INSERT ... ON CONFLICT DO NOTHING in the request's own
  transaction), as strict across workers and nodes as Redis, at the price of a transaction per signed request.
  There is deliberately no in-process-only mode: a set in one gunicorn worker cannot see what another worker
  accepted, so it would let a replay through whenever it reaches the other worker.
- Redis configured but not answering: the database, as without Redis (logged), so heartbeats keep flowing.

What a Redis claim does not cover: claims made in Redis while it was up are not in the database, and Redis in
this deployment keeps no copy on disk; a request captured on the wire (it travels over TLS) and replayed
within 2 x skew after Redis lost its keys would be accepted once. The window closes by itself after 2 x skew.

A nonce spent in Redis stays spent even when the request is then refused (an invalid body): the kiosk signs
every attempt with a fresh nonce, so nothing legitimate is ever refused for it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from backend.fleet import ingest
from backend.fleet.models import RequestNonce
from backend.fleet.settings import fleet_setting

log = logging.getLogger(__name__)
_EXTENSION = "congdan.fleet_nonce_redis"
KEY_PREFIX = "congdan:fleet:nonce:"
# A heartbeat must not hang on a sick Redis: past these it falls back to the database.
_TIMEOUT_S = 0.25
_WARN_EVERY_S = 30.0


class _RedisLedger:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: redis.ConnectionPool | None = None
        self.pid: int | None = None
        self.local = threading.local()
        self.warned_at = -float("inf")

    def _connection(self) -> redis.connection.AbstractConnection:
        # One redis-py connection per thread, used as it is: one command and its answer. Not a client: a client
        # checks a connection out of its pool and back in around every command, and even a single-connection
        # client takes a lock and goes through its retry wrapper and response callbacks: ~10 us of a claim's
        # ~55-60 us of CPU. No retry here either (measured: a Redis that hangs cost one 0.25 s timeout per claim
        # with the client too; a refused connection ~1 ms). The threads of a gthread worker each have their own
        # (no lock needed); a gunicorn worker forked from a master that had any opens its own.
        if self.pool is None or self.pid != os.getpid():
            self.pid = os.getpid()
            # from_url: the URL's password, database and TLS (rediss://) as a client would take them.
            self.pool = redis.ConnectionPool.from_url(
                self.url, socket_timeout=_TIMEOUT_S, socket_connect_timeout=_TIMEOUT_S
            )
            self.local = threading.local()
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.pool.make_connection()
        return connection

    def claim(self, kiosk_id: str, nonce: str, keep_s: int) -> bool | None:
        """True when claimed now, False when already claimed, None when Redis did not answer."""
        try:
            connection = self._connection()
            connection.send_command("SET", f"{KEY_PREFIX}{kiosk_id}:{nonce}", b"1", "EX", keep_s, "NX")
            # OK when set; nil when the key exists. An error reply (read-only replica, out of memory) raises.
            # A str when the URL asks for decode_responses.
            return connection.read_response() in (b"OK", "OK")
        except redis.RedisError as error:
            connection = getattr(self.local, "connection", None)
            if connection is not None:
                connection.disconnect()
            self.local.connection = None  # the next claim connects afresh
            moment = time.monotonic()
            if moment - self.warned_at > _WARN_EVERY_S:
                self.warned_at = moment
                log.warning("nonce store (Redis) not answering, using the database: %s", error)
            return None


def _redis_ledger(app: Flask) -> _RedisLedger | None:
    url = app.config.get("FLEET_NONCE_REDIS_URL") or app.config.get("REDIS_URL")
    if not url:
        return None
    ledger = app.extensions.get(_EXTENSION)
    if ledger is None or ledger.url != url:
        ledger = app.extensions[_EXTENSION] = _RedisLedger(url)
    return ledger


def claim(session: Session, kiosk_id: str, nonce: str, now: datetime, *, prune: bool = False) -> bool:
    """Claim the nonce of an authentic, fresh request: False when it was claimed before (a replay). `prune`:
    a database claim first deletes this kiosk's expired nonces (when no telemetry buffer does it for all)."""
    keep_s = 2 * int(fleet_setting("FLEET_REQUEST_MAX_SKEW_S"))
    ledger = _redis_ledger(current_app._get_current_object())
    if ledger is not None:
        claimed = ledger.claim(kiosk_id, nonce, keep_s)
        if claimed is not None:
            return claimed
    if prune:
        prune_nonces(session, now, kiosk_id=kiosk_id)
    return _claim_in_database(session, kiosk_id, nonce, now)


def prune_nonces(session: Session, now: datetime, *, kiosk_id: str | None = None) -> None:
    """Nonces older than the window can go: a request that old is refused by its timestamp anyway."""
    cutoff = now - timedelta(seconds=2 * fleet_setting("FLEET_REQUEST_MAX_SKEW_S"))
    statement = sa.delete(RequestNonce).where(RequestNonce.seen_at < cutoff)
    if kiosk_id is not None:
        statement = statement.where(RequestNonce.kiosk_id == kiosk_id)
    session.execute(statement)


def _claim_in_database(session: Session, kiosk_id: str, nonce: str, now: datetime) -> bool:
    table = RequestNonce.__table__
    statement = ingest.upsert_statement(session, table).values(kiosk_id=kiosk_id, nonce=nonce, seen_at=now)
    # RETURNING rather than rowcount: what drivers report for ON CONFLICT DO NOTHING differs.
    return session.connection().execute(statement.on_conflict_do_nothing().returning(table.c.nonce)).first() is not None
