"""What each piece of the request pipeline costs, in process (no HTTP server, no database work): a bare Flask app,
then congdan's app with its hooks (request id + body checks, security headers), the load shedder, one masked
access-log line and the JSON of a citizen's record. Median CPU microseconds per request over `-n` calls.

    python bench/bench_pipeline.py [-n 5000]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _per_call_us(call, n: int, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        started = time.process_time()  # CPU time: the shared cores' load does not count
        for _ in range(n):
            call()
        samples.append((time.process_time() - started) / n * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000)
    n = parser.parse_args().n
    os.environ.setdefault("CONGDAN_ENV", "development")
    from flask import Flask, jsonify

    from backend import create_app
    from backend.overload import LoadShedder

    bare = Flask("bare")
    bare.get("/healthz")(lambda: jsonify(status="ok"))
    folder = tempfile.mkdtemp(prefix="congdan-pipeline-")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/p.db", "RATELIMIT_ENABLED": False})
    logging.getLogger().setLevel(logging.WARNING)
    rows = []
    bare_client, client = bare.test_client(), app.test_client()
    rows.append(("bare Flask app, GET /healthz", _per_call_us(lambda: bare_client.get("/healthz"), n)))
    rows.append(("congdan app, GET /healthz (all hooks)", _per_call_us(lambda: client.get("/healthz"), n)))
    before, after = app.before_request_funcs[None], app.after_request_funcs[None]
    app.before_request_funcs[None], app.after_request_funcs[None] = [], []
    rows.append(("  without before/after hooks", _per_call_us(lambda: client.get("/healthz"), n)))
    app.before_request_funcs[None], app.after_request_funcs[None] = before, after
    plain = app.wsgi_app
    app.wsgi_app = LoadShedder(plain, max_in_flight=8)
    rows.append(("  with the load shedder (MAX_IN_FLIGHT)", _per_call_us(lambda: client.get("/healthz"), n)))
    app.wsgi_app = plain
    body = {"ok": "x" * 10}
    rows.append(
        (
            "  a JSON POST body checked by json_guard",
            _per_call_us(lambda: client.post("/healthz", json=body), n),
        )
    )
    rows.append(_access_log_line(n))
    rows.append(_record_json(app, n))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{os.getloadavg()[0]:.1f}; median of 5 rounds of {n:,} calls"
    )
    for name, us in rows:
        print(f"{name:52} {us:9.1f} µs CPU")


def _access_log_line(n: int) -> tuple[str, float]:
    from types import SimpleNamespace

    from gunicorn.config import Config

    from backend.access_log import AccessLogger

    config = Config()
    config.set("accesslog", os.devnull)
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms')
    logger = AccessLogger(config)
    response = SimpleNamespace(status="200 OK", sent=812, headers=[("Content-Type", "application/json")])
    request = SimpleNamespace(headers=[("HOST", "x")], method="GET", path="/api/v1/citizens/001090012345")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/citizens/001090012345?purpose=kiem+tra",
        "PATH_INFO": "/api/v1/citizens/001090012345",
        "QUERY_STRING": "purpose=kiem+tra",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    from datetime import timedelta

    return (
        "one masked access-log line (gunicorn AccessLogger)",
        _per_call_us(lambda: logger.access(response, request, environ, timedelta(milliseconds=3)), n),
    )


def _record_json(app, n: int) -> tuple[str, float]:
    from backend.registry.records import Address, CitizenRecord, HouseholdView
    from shared_schemas.registry import CitizenSchema

    address = Address("00088", "Số 5 Phố Huế", "Phường Hàng Bài", "Quận Hoàn Kiếm", "Thành phố Hà Nội")
    record = CitizenRecord(
        1,
        "001090012345",
        "Nguyễn Văn An",
        date(1990, 1, 1),
        "male",
        None,
        "Kinh",
        None,
        "Việt Nam",
        None,
        address,
        None,
        None,
        "Chủ hộ",
        HouseholdView(
            "HN-1", [{"full_name": "Nguyễn Văn An", "relation_to_head": "Chủ hộ", "date_of_birth": date(1990, 1, 1)}]
        ),
        None,
        [{"plate": "29B112345", "kind": "motorbike", "brand": "Honda", "registered_on": date(2020, 1, 1)}],
        [],
        [],
    )
    schema = CitizenSchema()

    def dump():
        return app.json.dumps(schema.dump(record))

    return "citizen record: marshmallow dump + JSON", _per_call_us(dump, n)


if __name__ == "__main__":
    main()
