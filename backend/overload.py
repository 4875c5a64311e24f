"""Load shedding: past capacity, answer 503 + Retry-After at once instead of queueing until clients time out.

A WSGI middleware with a per-process limit on requests in flight. It only works if a request over the limit
reaches it quickly, so run gunicorn with gthread workers and MORE threads than the limit
(e.g. `--worker-class gthread --threads 16` with a limit of 8): the first `limit` threads do real work, the
spare ones only ever turn requests away (a few hundred microseconds each), so the worker's connection queue
keeps draining while it is saturated. With sync workers (one thread) the limit is moot: use gthread.

The limit should not exceed the database pool (backend/database.py: 5 + 5 overflow per process), or
requests past the pool would wait up to 30 s for a connection - the queueing this module exists to avoid.

A second, optional check sheds requests that already waited too long before reaching the app: a front
proxy stamps `X-Request-Start: t=<epoch seconds or milliseconds>` (nginx: `t=${msec}`); a request older than
`max_queue_s` is answered 503 without doing its work (its client has likely given up already).

Liveness and readiness probes are never shed: an orchestrator must not restart a worker for being busy.

Expensive routes (password hashing on login, registration and refresh; uploads and results downloads of
bulk verification; the dashboard login) also have a budget of their own, smaller than the whole: with one
budget for everything, 16 concurrent anonymous logins turned 94 % of unrelated calls into 503. An expensive
request takes a slot of its own budget and one of the whole, so at most `max_expensive` of the process's
slots ever go to them and the rest stay free for everything else. An expensive request that finds its budget full
waits up to `expensive_wait_s` (0.25 s) for a slot, as long as no more than `max_expensive` others already wait;
the rest are shed at once. The kernel spreads connections over the workers unevenly, so three logins (30 ms of
Argon2 each) can meet in one worker while the others idle: without the short wait, `make load` shed a few of
its logins at a third of the machine's capacity.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
# (method, path prefix) of the expensive routes; a prefix ending in "/" covers what follows it.
EXPENSIVE_ROUTES = (
    ("POST", "/api/v1/auth/"),  # login, registration, refresh: Argon2 hashes, possession proofs, OTP
    ("POST", "/login"),  # the consoles' login form
    ("POST", "/api/v1/verification/"),  # uploads, JSON record chunks
    ("GET", "/api/v1/verification/jobs/*/results"),  # results downloads (whole files)
    ("POST", "/api/v1/recovery/attempts/*/evidence"),  # face match and liveness: about 1 s of CPU
)


def is_expensive(method: str, path: str, routes=EXPENSIVE_ROUTES) -> bool:
    for route_method, prefix in routes:
        if method != route_method:
            continue
        if "*" in prefix:
            head, tail = prefix.split("*", 1)
            if path.startswith(head) and path.endswith(tail) and "/" not in path[len(head) : len(path) - len(tail)]:
                return True
        elif path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return True
    return False


def _request_age(header: str | None, now: float) -> float | None:
    """Seconds since the proxy stamped the request, or None when there is no usable stamp."""
    if not header:
        return None
    value = header.strip()
    if value.startswith("t="):
        value = value[2:]
    try:
        stamp = float(value)
    except ValueError:
        return None
    if stamp > 1e11:  # milliseconds (or microseconds): normalise to seconds
        stamp /= 1000.0 if stamp < 1e14 else 1_000_000.0
    return max(0.0, now - stamp)


class LoadShedder:
    """WSGI middleware: at most `max_in_flight` requests run at once in this process; the rest get 503."""

    def __init__(
        self,
        app: Callable,
        *,
        max_in_flight: int,
        retry_after_s: int = 1,
        max_queue_s: float | None = None,
        clock: Callable[[], float] = time.time,
        max_expensive: int | None = None,
        expensive_routes=EXPENSIVE_ROUTES,
        expensive_wait_s: float = 0.25,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        # Default: a quarter of the slots (at least one) for the expensive routes.
        max_expensive = max(1, max_in_flight // 4) if max_expensive is None else max_expensive
        if not 1 <= max_expensive <= max_in_flight:
            raise ValueError("max_expensive must be between 1 and max_in_flight")
        self.max_expensive = max_expensive
        self.expensive_routes = expensive_routes
        self._expensive_slots = threading.BoundedSemaphore(max_expensive)
        self._expensive_waiters = threading.BoundedSemaphore(max_expensive)
        self.expensive_wait_s = expensive_wait_s
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after_s = retry_after_s
        self.max_queue_s = max_queue_s
        self.clock = clock
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self.shed = 0  # requests turned away, for tests and the log

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in EXEMPT_PATHS:
            return self.app(environ, start_response)
        if self.max_queue_s is not None:
            age = _request_age(environ.get("HTTP_X_REQUEST_START"), self.clock())
            if age is not None and age > self.max_queue_s:
                return self._refuse(environ, start_response, "queued-too-long")
        held = []
        if is_expensive(environ.get("REQUEST_METHOD", ""), path, self.expensive_routes):
            if not self._expensive_slot():
                return self._refuse(environ, start_response, "expensive-at-capacity")
            held.append(self._expensive_slots)
        if not self._slots.acquire(blocking=False):
            for slots in held:
                slots.release()
            return self._refuse(environ, start_response, "at-capacity")
        held.append(self._slots)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            for slots in held:
                slots.release()
            raise
        return _ReleasingIterable(body, held)

    def _expensive_slot(self) -> bool:
        """A slot of the expensive budget: at once, or after a short wait when few others are waiting."""
        if self._expensive_slots.acquire(blocking=False):
            return True
        if self.expensive_wait_s <= 0 or not self._expensive_waiters.acquire(blocking=False):
            return False
        try:
            return self._expensive_slots.acquire(timeout=self.expensive_wait_s)
        finally:
            self._expensive_waiters.release()

    def _refuse(self, environ: dict, start_response: Callable, reason: str) -> list[bytes]:
        self.shed += 1
        if self.shed == 1 or self.shed % 1000 == 0:
            log.warning("shedding load (%s): %d requests answered 503 so far", reason, self.shed)
        body = json.dumps(
            {
                "type": "https://congdan.gov.vn/problems/overloaded",
                "title": "Service temporarily overloaded",
                "status": 503,
                "detail": "The service is busy. The request was not processed; please retry after a moment.",
                "instance": environ.get("PATH_INFO", ""),
                "code": "overloaded",
                "reason": reason,
            }
        ).encode("utf-8")
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", PROBLEM_CONTENT_TYPE),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(self.retry_after_s)),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


class _ReleasingIterable:
    """Keeps the slot until the server has sent the whole response (WSGI calls close() at the end)."""

    def __init__(self, body: Iterable[bytes], slots: list[threading.BoundedSemaphore]) -> None:
        self._body, self._slots, self._released = body, slots, False

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if not self._released:
                self._released = True
                for slots in self._slots:
                    slots.release()


def install(
    app,
    *,
    max_in_flight: int,
    retry_after_s: int = 1,
    max_queue_s: float | None = None,
    max_expensive: int | None = None,
):
    """Wrap a Flask app's WSGI callable; returns the app."""
    app.wsgi_app = LoadShedder(
        app.wsgi_app,
        max_in_flight=max_in_flight,
        retry_after_s=retry_after_s,
        max_queue_s=max_queue_s,
        max_expensive=max_expensive,
    )
    return app


def create_app(max_in_flight: int = 8, retry_after_s: int = 1, max_queue_s: float | None = None):
    """gunicorn entry point with shedding on, e.g.
    `gunicorn -k gthread --threads 16 'backend.overload:create_app(max_in_flight=8)'`."""
    from backend import create_app as create_backend

    return install(create_backend(), max_in_flight=max_in_flight, retry_after_s=retry_after_s, max_queue_s=max_queue_s)
