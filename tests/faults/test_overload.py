"""The load-shedding middleware (backend/overload.py): past its in-flight limit a process answers 503 problem
details with Retry-After at once, never queues; slots come back when responses end (errors included); probes
are never shed; a request that waited too long behind a proxy is shed."""

from __future__ import annotations

import json
import threading
import time

import pytest
from werkzeug.test import Client

from backend.overload import LoadShedder, _request_age


def _get(app, path, **kwargs):
    """A buffered request: the server closes the response, as gunicorn does after sending it."""
    return Client(app).get(path, buffered=True, **kwargs)


def _blocking_app(release: threading.Event, entered: threading.Semaphore):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("the view crashed")
        entered.release()
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    return app


def test_requests_past_the_limit_are_shed_at_once_and_slots_come_back():
    release, entered = threading.Event(), threading.Semaphore(0)
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=2, retry_after_s=3)
    results = []
    workers = [
        threading.Thread(target=lambda: results.append(_get(shedder, "/api/v1/x").status_code)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    assert entered.acquire(timeout=5) and entered.acquire(timeout=5)  # both slots busy

    started = time.perf_counter()
    refused = _get(shedder, "/api/v1/citizens/me")
    elapsed = time.perf_counter() - started
    assert refused.status_code == 503 and elapsed < 0.05
    assert refused.headers["Retry-After"] == "3"
    assert refused.headers["Content-Type"] == "application/problem+json"
    problem = json.loads(refused.data)
    assert (problem["status"], problem["code"]) == (503, "overloaded")
    assert problem["instance"] == "/api/v1/citizens/me"
    # Probes pass even at capacity (they would block here, so run them on a thread and let them finish).
    probe = []
    prober = threading.Thread(target=lambda: probe.append(_get(shedder, "/healthz").status_code))
    prober.start()
    assert entered.acquire(timeout=5)

    release.set()
    for thread in (*workers, prober):
        thread.join(5)
    assert sorted(results) == [200, 200] and probe == [200] and shedder.shed == 1
    assert _get(shedder, "/api/v1/x").status_code == 200  # the slots were given back


def test_a_crashing_view_gives_its_slot_back():
    release, entered = threading.Event(), threading.Semaphore(0)
    release.set()
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            _get(shedder, "/boom")
    assert _get(shedder, "/fine").status_code == 200


def test_requests_that_queued_too_long_behind_the_proxy_are_shed():
    release, entered = threading.Event(), threading.Semaphore(0)
    release.set()
    now = 1_800_000_000.0
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=4, max_queue_s=2.0, clock=lambda: now)
    assert _get(shedder, "/a", headers={"X-Request-Start": f"t={now - 0.5:.3f}"}).status_code == 200
    late = _get(shedder, "/a", headers={"X-Request-Start": f"t={int((now - 5) * 1000)}"})
    assert late.status_code == 503 and json.loads(late.data)["reason"] == "queued-too-long"
    assert _get(shedder, "/a", headers={"X-Request-Start": "garbage"}).status_code == 200


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("header", "age"),
    [
        (f"t={NOW - 0.5}", 0.5),
        (str(int((NOW - 0.5) * 1000)), 0.5),
        (f"t={int((NOW - 0.5) * 1_000_000)}", 0.5),
        (None, None),
        ("t=", None),
        (f"t={NOW + 9}", 0.0),
    ],
)
def test_request_start_stamps(header, age):
    measured = _request_age(header, NOW)
    assert measured is None if age is None else measured == pytest.approx(age)


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        LoadShedder(lambda e, s: [], max_in_flight=0)


# -- budgets: expensive routes cannot take the whole process -------------------------------------
def _hold(shedder, path: str, method: str, results: list) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: results.append(Client(shedder).open(path, method=method, buffered=True).status_code)
    )
    thread.start()
    return thread


def test_expensive_routes_have_their_own_smaller_budget():
    release, entered = threading.Event(), threading.Semaphore(0)
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=8, max_expensive=2, expensive_wait_s=0)
    results: list[int] = []
    # Two anonymous logins fill the expensive budget...
    held = [_hold(shedder, "/api/v1/auth/login", "POST", results) for _ in range(2)]
    assert entered.acquire(timeout=5) and entered.acquire(timeout=5)
    # ...so a flood of further logins, registrations, uploads and downloads is shed at once,
    for path, method in [
        ("/api/v1/auth/login", "POST"),
        ("/api/v1/auth/register", "POST"),
        ("/api/v1/auth/refresh", "POST"),
        ("/api/v1/verification/jobs", "POST"),
        ("/api/v1/verification/jobs/7/results", "GET"),
        ("/login", "POST"),
    ] * 3:
        refused = Client(shedder).open(path, method=method, buffered=True)
        assert refused.status_code == 503, path
        assert json.loads(refused.data)["reason"] == "expensive-at-capacity"
    # ...while unrelated calls still have the other six slots.
    ordinary = [
        _hold(shedder, path, "GET", results)
        for path in (
            "/api/v1/citizens/me",
            "/api/v1/documents",
            "/api/v1/verification/jobs/7",
            "/login",
            "/api/v1/notifications",
            "/api/v1/audit/me",
        )
    ]
    for _ in ordinary:
        assert entered.acquire(timeout=5)
    assert Client(shedder).get("/api/v1/x", buffered=True).status_code == 503  # now the whole is full
    release.set()
    for thread in (*held, *ordinary):
        thread.join(5)
    assert results.count(200) == 8 and shedder.shed == 19
    # Both budgets came back.
    assert Client(shedder).post("/api/v1/auth/login", buffered=True).status_code == 200
    assert Client(shedder).get("/api/v1/citizens/me", buffered=True).status_code == 200


def test_an_expensive_request_waits_briefly_for_its_budget_and_only_a_few_wait():
    """Logins meeting in one worker: the third waits for a slot instead of a 503; a flood is still shed at once
    (no more waiters than the budget) and a waiter whose slot does not come in time is shed after the wait."""
    release, entered = threading.Event(), threading.Semaphore(0)
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=8, max_expensive=1, expensive_wait_s=2)
    results: list[int] = []
    holder = _hold(shedder, "/api/v1/auth/login", "POST", results)
    assert entered.acquire(timeout=5)
    waiter = _hold(shedder, "/api/v1/auth/login", "POST", results)
    deadline = time.monotonic() + 5
    while shedder._expensive_waiters.acquire(blocking=False):  # until the waiter holds the one waiting place
        shedder._expensive_waiters.release()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    started = time.perf_counter()
    flood = Client(shedder).post("/api/v1/auth/login", buffered=True)
    assert flood.status_code == 503 and time.perf_counter() - started < 0.5  # no place to wait: shed at once
    release.set()  # the holder finishes: the waiter gets its slot and is served
    holder.join(5)
    waiter.join(5)
    assert results == [200, 200]

    free, inside = threading.Event(), threading.Semaphore(0)
    late = LoadShedder(_blocking_app(free, inside), max_in_flight=8, max_expensive=1, expensive_wait_s=0.05)
    blocked: list[int] = []
    busy = _hold(late, "/api/v1/auth/login", "POST", blocked)
    assert inside.acquire(timeout=5)
    started = time.perf_counter()
    assert Client(late).post("/api/v1/auth/login", buffered=True).status_code == 503  # waited, no slot came
    assert 0.04 < time.perf_counter() - started < 1
    free.set()
    busy.join(5)
    assert blocked == [200]


def test_an_expensive_request_refused_for_the_whole_gives_its_own_slot_back():
    release, entered = threading.Event(), threading.Semaphore(0)
    shedder = LoadShedder(_blocking_app(release, entered), max_in_flight=1, max_expensive=1)
    results: list[int] = []
    holder = _hold(shedder, "/api/v1/citizens/me", "GET", results)
    assert entered.acquire(timeout=5)
    assert Client(shedder).post("/api/v1/auth/login", buffered=True).status_code == 503
    release.set()
    holder.join(5)
    assert Client(shedder).post("/api/v1/auth/login", buffered=True).status_code == 200


def test_default_budget_is_a_quarter_and_bad_budgets_are_refused():
    assert LoadShedder(lambda e, s: [], max_in_flight=8).max_expensive == 2
    assert LoadShedder(lambda e, s: [], max_in_flight=2).max_expensive == 1
    for bad in (0, 9):
        with pytest.raises(ValueError):
            LoadShedder(lambda e, s: [], max_in_flight=8, max_expensive=bad)
