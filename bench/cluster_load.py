"""The load of bench/cluster.py: bench/load.py's operations through HAProxy, with the kiosks' retry rule, in
generator processes running in the background; and the per-phase report."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import random
import threading
import time

from bench.load import MIX, Operations, percentile

RETRYABLE = {0, 502, 503, 504}


def _send(port, method, path, body, headers) -> tuple[int, dict, bool]:
    """One request on its own connection (as bench/load.py does) -> (status, answer, shed). HAProxy's own error
    pages (502/503/504) are HTML: their status is kept, with no answer. Status 0: no response at all. `shed`: the
    app turned the request away before doing anything (503 problem details with Retry-After, backend/overload.py)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        is_json = "json" in (response.getheader("Content-Type") or "")
        shed = response.status == 503 and is_json and response.getheader("Retry-After") is not None
        return response.status, (json.loads(raw) if raw and is_json and method == "POST" else {}), shed
    except (OSError, http.client.HTTPException):
        return 0, {}, False
    finally:
        connection.close()


def _client(port, shared, seconds, seed_value, out):
    rng = random.Random(seed_value)
    ops = Operations(port, shared, rng)
    names, weights = zip(*MIX.items(), strict=True)
    deadline = time.perf_counter() + seconds
    sent = 0
    while time.perf_counter() < deadline:
        queue = getattr(ops, rng.choices(names, weights)[0])()
        while queue:
            name, method, path, body, headers = queue.pop(0)
            key = headers.get("Idempotency-Key")
            sent += 1
            ref = key or f"{seed_value}-{sent}"
            for attempt in range(4):
                started_at = time.time()
                started = time.perf_counter()
                status, answer, shed = _send(port, method, path, body, headers)
                out.append((name, status, time.perf_counter() - started, started_at, attempt, ref))
                # Retried as the kiosks and the app do: anything shed (nothing was done), and writes that got no
                # answer only when they carry an Idempotency-Key (the server replays the first result).
                if attempt == 3 or not (shed or (key and status in RETRYABLE)):
                    break
                time.sleep(0.2 * (attempt + 1))
            if name == "checkin" and 200 <= status < 300:
                queue.append(ops.ticket(answer["id"]))


def _generator(port, shared, seconds, threads, seed_value, queue):
    out: list = []
    workers = [
        threading.Thread(target=_client, args=(port, shared, seconds, seed_value * 1000 + i, out))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


class Load:
    """A closed-loop load of `concurrency` clients in `processes` processes, running in the background."""

    def __init__(self, port, shared, seconds, concurrency=8, processes=2) -> None:
        self.queue = mp.Queue()
        per = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
        self.procs = [
            mp.Process(target=_generator, args=(port, shared, seconds, n, i + 1 + int(time.time()) % 1000, self.queue))
            for i, n in enumerate(per)
        ]
        self.started = time.time()
        for proc in self.procs:
            proc.start()

    def result(self) -> list:
        samples = [sample for _ in self.procs for sample in self.queue.get()]
        for proc in self.procs:
            proc.join()
        return samples


def report(title: str, samples: list, seconds: float, window: tuple[float, float] | None = None) -> dict:
    """Per phase: attempts, failures the client saw after its retries, p50/p99 of every attempt."""
    final = {}
    for name, status, _, _, _, ref in samples:
        final[ref] = (name, status)  # a request's last attempt is its outcome
    attempts = len(samples)
    failed = [v for v in final.values() if not 200 <= v[1] < 300]
    retries = sum(1 for s in samples if s[4] > 0)
    latencies = [s[2] for s in samples]
    figures = {
        "requests": len(final),
        "attempts": attempts,
        "failed": len(failed),
        "retries": retries,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
    }
    line = (
        f"{title:34} {len(final):7d} requests ({len(final) / seconds:5.1f}/s), {len(failed)} failed "
        f"{sorted({(n, s) for n, s in failed}) if failed else ''}, {retries} client retries, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms"
    )
    if window:
        inside = [s[2] for s in samples if window[0] <= s[3] <= window[1]]
        figures["p99_window"] = percentile(inside, 0.99)
        line += f"; p99 {figures['p99_window']:.1f} ms in the {window[1] - window[0]:.0f} s of the event"
    print(line)
    return figures
