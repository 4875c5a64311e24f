"""Each app worker's heartbeat buffer: the request only queues the beat; a background thread writes what came in
over the last FLEET_TELEMETRY_FLUSH_S (about a second) in one transaction, so 333 heartbeats a second are a
handful of statements, not 333 transactions. Written again on the next flush when the database was away; what
is still queued when the worker stops is written on the way out. FLEET_TELEMETRY_FLUSH_S = 0 writes each
heartbeat inside its own request instead (tests, and the demo seeding)."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

import sqlalchemy as sa
from flask import Flask, current_app

from backend.core import clock
from backend.extensions import db
from backend.fleet import ingest, nonces
from backend.fleet.settings import fleet_setting

log = logging.getLogger(__name__)
_EXTENSION = "congdan.fleet_telemetry_buffer"
MAX_QUEUED = 100_000  # beats kept while the database is away; beyond that the oldest go (and are logged)
# Expired nonces are deleted at most this often by each worker, not with every flush: a nonce older than the
# window is never looked at again (its request's timestamp is refused first), so a row left a minute longer
# changes no answer; the delete was an eighth of a flush's CPU (41 of 345 µs a beat, in process, issue 21).
PRUNE_EVERY_S = 60.0


class TelemetryBuffer:
    def __init__(self, app: Flask, interval_s: float) -> None:
        self._app = app
        self._interval_s = interval_s
        self._beats: list[ingest.Beat] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._pruned_at = -PRUNE_EVERY_S

    @staticmethod
    def of_app() -> TelemetryBuffer | None:
        """This app's buffer, or None when heartbeats are written inside their requests."""
        app = current_app._get_current_object()
        # Asked each time, not remembered: an app whose setting changes (a test) follows it at once.
        interval = float(fleet_setting("FLEET_TELEMETRY_FLUSH_S"))
        if interval <= 0:
            return None
        buffer = app.extensions.get(_EXTENSION)
        if buffer is None:
            buffer = app.extensions.setdefault(_EXTENSION, TelemetryBuffer(app, interval))
        return buffer

    def add(self, beat: ingest.Beat) -> None:
        with self._lock:
            self._beats.append(beat)
            # Started by the first beat in each process: a thread started before gunicorn forks would not run.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="fleet-telemetry", daemon=True)
                self._thread.start()
                atexit.register(self.stop)

    def pending(self) -> int:
        with self._lock:
            return len(self._beats)

    def flush(self) -> int:
        """Write what is queued; returns how many beats were written."""
        with self._lock:
            beats, self._beats = self._beats, []
        if not beats:
            return 0
        with self._app.app_context():
            session = db.new_session(self._app)
            try:
                ingest.write(session, beats)
                moment = time.monotonic()
                if moment - self._pruned_at >= PRUNE_EVERY_S:
                    nonces.prune_nonces(session, clock.now())
                    self._pruned_at = moment
                session.commit()
            except sa.exc.OperationalError:
                session.rollback()
                log.warning("telemetry flush failed (database away?); %d heartbeats kept for the next", len(beats))
                self._requeue(beats)
                return 0
            except Exception:
                session.rollback()
                log.exception("telemetry flush failed; %d heartbeats dropped", len(beats))
                return 0
            finally:
                session.close()
        return len(beats)

    def _requeue(self, beats: list[ingest.Beat]) -> None:
        with self._lock:
            self._beats[:0] = beats
            overflow = len(self._beats) - MAX_QUEUED
            if overflow > 0:
                del self._beats[:overflow]
                log.error("telemetry buffer full: %d oldest heartbeats dropped", overflow)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.flush()
            except Exception:  # the thread must outlive any one bad batch
                log.exception("telemetry flush crashed")

    def stop(self) -> None:
        self._stop.set()
        self.flush()
