"""Profile the signed heartbeat in-process (Flask test client, no HTTP server): SQL statements per heartbeat,
CPU per heartbeat (this process: the view, the guard and the telemetry buffer's flush thread; not the database
server's), the CPU of each stage of a heartbeat (this thread's, wrapped stages; nested stages are inside their
callers' figures) and the top of a cProfile. For finding where a heartbeat's time goes, not for throughput figures
(bench/bench_heartbeats.py is that).

    python bench/profile_heartbeat.py                        # SQLite file in a temporary folder
    python bench/profile_heartbeat.py --postgres [-n 3000]   # a throwaway PostgreSQL
    python bench/profile_heartbeat.py --redis                # with a throwaway redis-server for the nonces
    python bench/profile_heartbeat.py --postgres --redis --app-only   # only the app-alone figures, 3 rounds

"App alone" calls the WSGI app itself, `app(environ, start_response)`, with environs built before the clock
starts (each heartbeat pre-signed with its own nonce, as the bench signs them): no test client, no HTTP server.
That is the stable figure to work against (rounds repeat within a few per cent); the test client's figures
include werkzeug's request building and response reading.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import io
import logging
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_heartbeats import PATH, _seed, _signed_request  # noqa: E402


def _signed(identities, beat: int):
    """Pre-signed requests (the signing is the kiosk's cost, not the server's)."""
    now = int(time.time())
    return [_signed_request(kiosk_id, key, beat, now) for kiosk_id, key in identities]


def _environs(requests) -> list[dict]:
    """WSGI environs of the heartbeats, built before timing (werkzeug's EnvironBuilder, as the test client does)."""
    from werkzeug.test import EnvironBuilder

    environs = []
    for body, headers in requests:
        builder = EnvironBuilder(path=PATH, method="POST", data=body, headers=headers)
        try:
            environs.append(builder.get_environ())
        finally:
            builder.close()
    return environs


def _app_alone(app, identities, beats: range, n: int) -> tuple[float, float, float]:
    """CPU per call of the WSGI app (ms): heartbeats of pre-built environs (this process's, with the telemetry flush
    thread's work during the run, and this thread's alone), then /healthz (this process's)."""
    from werkzeug.test import EnvironBuilder

    heartbeats = _environs(request for beat in beats for request in _signed(identities, beat))[:n]
    assert len(heartbeats) == n, "not enough beats for n heartbeats"
    trivial = []
    for _ in range(n):
        builder = EnvironBuilder(path="/healthz", method="GET")
        trivial.append(builder.get_environ())
        builder.close()
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def run(environs) -> tuple[float, float]:
        statuses.clear()
        started, thread_started = time.process_time(), time.thread_time()
        for environ in environs:
            for _chunk in app(environ, start_response):  # the body is iterated, as a WSGI server does
                pass
        elapsed, thread = time.process_time() - started, time.thread_time() - thread_started
        assert all(status.startswith("200") for status in statuses), collections.Counter(statuses)
        return elapsed / len(environs) * 1000, thread / len(environs) * 1000

    heartbeat, thread = run(heartbeats)
    time.sleep(1.5)  # the flush thread writes the rest of what came in, not during the /healthz figure
    return heartbeat, thread, run(trivial)[0]


def _stages() -> tuple[collections.Counter, list]:
    """Wrap the stages of a heartbeat to add up this thread's CPU in each; returns the sums and an undo list."""
    import flask
    import sqlalchemy.orm
    from webargs.flaskparser import FlaskParser

    from backend import json_guard
    from backend.core import unit_of_work
    from backend.fleet import device, kiosk_directory, nonces
    from shared_schemas.fleet import HeartbeatReplySchema, HeartbeatSchema

    spent: collections.Counter = collections.Counter()
    undo = []
    stages = [
        (flask.Flask, "wsgi_app", "wsgi_app (all of the request)"),
        (flask.Flask, "preprocess_request", "  before_request hooks"),
        (json_guard, "check", "    JSON guard (the body's one parse)"),
        (flask.Flask, "dispatch_request", "  view"),
        (unit_of_work, "committed", "    unit of work"),
        (device, "authenticate_request", "      signature check"),
        (kiosk_directory.KnownKiosk, "signed", "        Ed25519 verify"),
        (nonces, "claim", "        nonce claim"),
        (FlaskParser, "parse", "      arguments (webargs)"),
        (HeartbeatSchema, "load", "        HeartbeatSchema.load"),
        (device, "record_heartbeat", "      record_heartbeat"),
        (HeartbeatReplySchema, "dump", "      reply dump"),
        (sqlalchemy.orm.Session, "commit", "      session commit"),
        (flask.Flask, "process_response", "  after_request hooks"),
    ]
    for owner, name, label in stages:
        original = getattr(owner, name)

        def timed(*args, __original=original, __label=label, **kwargs):
            started = time.thread_time_ns()
            try:
                return __original(*args, **kwargs)
            finally:
                spent[__label] += time.thread_time_ns() - started

        setattr(owner, name, functools.wraps(original)(timed))
        undo.append((owner, name, original))
    return spent, [label for _owner, _name, label in stages], undo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("-n", type=int, default=2000, help="heartbeats timed (and as many profiled)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true", help="start a throwaway redis-server (REDIS_URL)")
    parser.add_argument("--app-only", action="store_true", help="only the app-alone figures")
    parser.add_argument("--rounds", type=int, default=3, help="app-alone rounds")
    args = parser.parse_args()
    os.environ.setdefault("CONGDAN_ENV", "development")
    logging.getLogger().setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        postgres = redis = None
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        if args.postgres:
            from tests.pg_server import ThrowawayPostgres

            postgres = ThrowawayPostgres()
            url = postgres.start()
        config = {"DATABASE_URL": url}  # flask-limiter on, as under bench/bench_heartbeats.py (development)
        if args.redis:
            from bench.harness import Redis

            redis = Redis().start()
            config["REDIS_URL"] = redis.url
        try:
            identities = _seed(url, args.kiosks)
            from backend import create_app

            app = create_app(config)
            client = app.test_client()
            per_round = args.n // len(identities) + 1
            beats = 2 + 3 * per_round
            rounds = [_signed(identities, beat) for beat in range(beats)]
            requests = iter([request for round_ in rounds for request in round_])

            def beat() -> None:
                body, headers = next(requests)
                response = client.post(PATH, data=body, headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)

            for _ in range(len(identities)):  # every kiosk met once: the directory holds it, as all day
                beat()
            for round_ in range(args.rounds):
                first = beats + round_ * per_round  # beats never sent: fresh nonces, as the bench's
                heartbeat, thread, trivial = _app_alone(app, identities, range(first, first + per_round), args.n)
                print(
                    f"App alone, round {round_ + 1}: {PATH} {heartbeat:.3f} ms CPU per heartbeat (this thread's "
                    f"{thread:.3f}, the rest is the flush thread's), /healthz {trivial:.3f} ms"
                )
            if args.app_only:
                with app.app_context():
                    from backend.fleet.telemetry_buffer import TelemetryBuffer

                    TelemetryBuffer.of_app().stop()
                return
            with app.app_context():
                engine = app.extensions["congdan.db"]["engine"]
            statements: list[str] = []
            listener = lambda *a: statements.append(a[2])  # noqa: E731
            sa.event.listen(engine, "before_cursor_execute", listener)
            for _ in range(20):
                beat()
            sa.event.remove(engine, "before_cursor_execute", listener)
            print(f"SQL statements in the request path, 20 heartbeats (flush thread's included): {len(statements)}")
            for statement in statements[:12]:
                print("   ", " ".join(statement.split())[:150])
            started = time.process_time()
            for _ in range(args.n):
                beat()
            time.sleep(1.5)  # the flush thread writes what came in: its CPU counts too
            elapsed = time.process_time() - started
            print(f"{PATH}: {elapsed / args.n * 1000:.3f} ms CPU per heartbeat (incl. telemetry flushes)")
            started = time.process_time()
            for _ in range(args.n):
                client.get("/healthz")
            print(f"/healthz: {(time.process_time() - started) / args.n * 1000:.3f} ms CPU per request")
            spent, labels, undo = _stages()
            started_ns = time.thread_time_ns()
            for _ in range(args.n):
                beat()
            total_ns = time.thread_time_ns() - started_ns
            for owner, name, original in undo:
                setattr(owner, name, original)
            print(
                f"Stages, this thread's CPU per heartbeat (each wrapper adds ~1 us): {total_ns / args.n / 1e3:.0f} us"
            )
            for label in labels:
                print(f"  {label:<44} {spent[label] / args.n / 1e3:6.0f} us")
            profile = cProfile.Profile(time.process_time)  # CPU, not wall: waits on sockets are not cost
            profile.enable()
            for _ in range(args.n):
                beat()
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue())
            with app.app_context():
                from backend.fleet.telemetry_buffer import TelemetryBuffer

                TelemetryBuffer.of_app().stop()  # its last batch, while the database is still there
        finally:
            if redis is not None:
                redis.stop()
            if postgres is not None:
                postgres.stop()


if __name__ == "__main__":
    main()
