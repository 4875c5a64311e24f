"""The app's Limiter (backend/extensions.py) skips flask-limiter's per-request check only while there is nothing
for it to apply: a route's own limit is still applied by its decorator, and a default limit, once configured, by
the per-request check again."""

from __future__ import annotations

from flask import Flask

from backend.extensions import Limiter


def _app(limiter: Limiter) -> Flask:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)

    @app.get("/open")
    def open_route():
        return "open"

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited_route():
        return "limited"

    return app


def test_a_routes_own_limit_is_applied_and_other_routes_are_not_counted():
    limiter = Limiter(key_func=lambda: "client", default_limits=[])
    client = _app(limiter).test_client()
    assert not limiter._limits_beyond_routes()
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
    assert all(client.get("/open").status_code == 200 for _ in range(5))


def test_a_default_limit_brings_the_per_request_check_back():
    limiter = Limiter(key_func=lambda: "client", default_limits=["2 per minute"])
    client = _app(limiter).test_client()
    with client.application.test_request_context():
        assert limiter._limits_beyond_routes()
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429]
