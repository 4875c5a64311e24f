"""The application factory."""

from __future__ import annotations

import gc
import logging
import os

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from backend import config as config_module
from backend import instance_secrets, json_guard
from backend.core.access import BEARER_SCHEME
from backend.errors import problem_response, register_error_handlers
from backend.extensions import api, db, jwt, limiter
from backend.logs import install_masking

log = logging.getLogger(__name__)

# Request bodies we accept; anything else on a write is 415 before a view runs.
_JSON_TYPES = ("application/json", "application/merge-patch+json")
# Every response carries these unless its view set them: (lower-case name, name, value).
_DEFAULT_HEADERS = tuple(
    (name.lower(), name, value)
    for name, value in (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    )
)


class BoundedIntConverter(IntegerConverter):
    """Path integers fit the databases' integer keys (32-bit INTEGER on PostgreSQL); larger ones are simply
    not found (404) instead of a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class SessionCookieWhenSent(SecureCookieSessionInterface):
    """Flask's own cookie session, opened only for a request that brings its cookie. Nothing in congdan keeps
    anything in `flask.session` (the consoles and the identity provider sign cookies of their own), yet Flask
    builds the cookie's signer for every request: ~20 µs of a 330 µs `/healthz` in process. A request with the
    cookie gets Flask's behaviour unchanged."""

    def open_session(self, app, request):
        # No Cookie header at all (kiosks, API clients): nothing to parse. werkzeug's request.cookies would walk
        # every header of the environ to find it (EnvironHeaders.getlist).
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides what the environment says (tests pass their own)."""
    app = Flask(__name__, instance_relative_config=True)
    app.session_interface = SessionCookieWhenSent()
    app.url_map.converters["int"] = BoundedIntConverter
    settings = config_module.from_environment()
    settings.update(config or {})
    config_module.check_safe(settings)
    os.makedirs(app.instance_path, exist_ok=True)
    instance_secrets.fill_missing(settings, app.instance_path)
    app.config.update(settings)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = config_module.default_database_url(app.instance_path)

    app.json.ensure_ascii = False  # Vietnamese text as UTF-8, not \u escapes
    install_masking()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_commands(app)
    if app.config.get("PROXY_FIX_HOPS"):
        # Behind nginx (backend/front): trust exactly that many X-Forwarded-For/-Proto hops, so rate limits
        # and audit rows see the client's address. Never on without a proxy: clients could name any address.
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    if app.config.get("MAX_IN_FLIGHT"):
        from backend import overload

        expensive = app.config.get("MAX_EXPENSIVE_IN_FLIGHT")
        overload.install(
            app, max_in_flight=int(app.config["MAX_IN_FLIGHT"]), max_expensive=int(expensive) if expensive else None
        )
    if app.config.get("GC_FREEZE") and not app.testing:
        # What was built so far (routes, schemas, law tables, unit names: ~285,000 objects) lives as long as the
        # process. Frozen, the cyclic collector no longer walks it: a full collection went from about 220 ms to
        # under 1 ms on the 2-core bench machine, young collections got cheaper, and the workers gunicorn forks
        # from a preloaded app stop dirtying its shared pages (the collector writes to every object it visits).
        gc.freeze()
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app, app.config["DATABASE_URL"])
    if app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    limiter.init_app(app)
    jwt.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        BEARER_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The access token from /api/v1/auth/login (or a kiosk's device token)",
        },
    )
    from backend.auth import token_state, tokens

    tokens.register_jwt_callbacks(jwt)
    token_state.init_app(app)
    from backend.identity_provider import server as identity_provider

    identity_provider.init_app(app)


def register_blueprints(app: Flask) -> None:
    from backend.audit.routes import blp as audit_blp
    from backend.auth.registration_routes import blp as registration_blp
    from backend.auth.routes import blp as auth_blp
    from backend.auth.session_routes import blp as sessions_blp
    from backend.consoles.front import bp as front_bp
    from backend.consoles.hospital import bp as hospital_console_bp
    from backend.consoles.indicators import bp as indicators_console_bp
    from backend.consoles.officer import bp as officer_bp
    from backend.consoles.officer_life_events import bp as officer_life_events_bp
    from backend.consoles.officer_traffic import bp as officer_traffic_bp
    from backend.consoles.waiting_room import bp as waiting_room_bp
    from backend.consoles.web import bp as consoles_bp
    from backend.documents.page import bp as verify_page_bp
    from backend.documents.routes import blp as documents_blp
    from backend.documents.routes import well_known as well_known_blp
    from backend.fleet.dashboard import bp as fleet_dashboard_bp
    from backend.fleet.help_routes import blp as hospital_help_blp
    from backend.fleet.routes import blp as fleet_blp
    from backend.health.routes import blp as hospital_checkin_blp
    from backend.identification.routes import blp as identification_blp
    from backend.identity_provider.admin_pages import bp as identity_provider_admin_bp
    from backend.identity_provider.api_routes import blp as identity_provider_api_blp
    from backend.identity_provider.routes import bp as identity_provider_bp
    from backend.judicial.routes import blp as judicial_blp
    from backend.life_events.routes import blp as life_events_blp
    from backend.notifications.routes import blp as notifications_blp
    from backend.payments.routes import blp as payments_blp
    from backend.probes import blp as probes_blp
    from backend.recovery.routes import blp as recovery_blp
    from backend.registry.routes import blp as registry_blp
    from backend.residence.routes import blp as residence_blp
    from backend.traffic.routes import blp as traffic_blp
    from backend.updates.dashboard import bp as updates_dashboard_bp
    from backend.updates.routes import blp as updates_blp
    from backend.verification.routes import blp as verification_blp

    for blueprint in (
        auth_blp,
        sessions_blp,
        registry_blp,
        audit_blp,
        hospital_checkin_blp,
        hospital_help_blp,
        verification_blp,
        residence_blp,
        documents_blp,
        notifications_blp,
        fleet_blp,
        payments_blp,
        traffic_blp,
        judicial_blp,
        identification_blp,
        registration_blp,
        life_events_blp,
        identity_provider_api_blp,
        updates_blp,
        recovery_blp,
    ):
        api.register_blueprint(blueprint, url_prefix="/api/v1" + blueprint.url_prefix)
    app.register_blueprint(probes_blp)
    app.register_blueprint(well_known_blp)
    app.register_blueprint(verify_page_bp)
    app.register_blueprint(fleet_dashboard_bp)
    app.register_blueprint(consoles_bp)
    app.register_blueprint(updates_dashboard_bp)
    app.register_blueprint(front_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(officer_traffic_bp)
    app.register_blueprint(officer_life_events_bp)
    app.register_blueprint(hospital_console_bp)
    app.register_blueprint(waiting_room_bp)
    app.register_blueprint(indicators_console_bp)
    app.register_blueprint(identity_provider_bp)
    app.register_blueprint(identity_provider_admin_bp)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_context():
        # The request and g resolved once: each access through Flask's proxies looks up the context again
        # (~1 µs each, ten of them per request here).
        current = request._get_current_object()
        environ = current.environ
        # environ, not current.headers: what headers.get reads (the same key), less building the Headers view
        g._get_current_object().request_id = environ.get("HTTP_X_REQUEST_ID") or os.urandom(16).hex()
        if current.routing_exception is not None:
            return None  # 404/405 come first: the body type does not matter for a route that is not there
        method_name = current.method
        if method_name in ("POST", "PUT", "PATCH") and current.content_length != 0:
            has_body = current.content_length or environ.get("HTTP_TRANSFER_ENCODING")
            mimetype = current.mimetype or ""
            view = app.view_functions.get(current.endpoint)
            allowed = getattr(view, "accepts_content_types", ())
            # A MethodView declares it on the method (e.g. a multipart upload's post).
            method = getattr(getattr(view, "view_class", None), method_name.lower(), None)
            allowed = tuple(allowed) + tuple(getattr(method, "accepts_content_types", ()))
            if has_body and mimetype not in _JSON_TYPES and mimetype not in allowed:
                return problem_response(
                    415,
                    "Unsupported Media Type",
                    "Send the request body as application/json.",
                    code="unsupported-media-type",
                )
            if has_body and mimetype in _JSON_TYPES:
                body = current.get_data(cache=True)
                try:
                    json_guard.remember(current, body, json_guard.check(body))
                except json_guard.HostileJson as refused:
                    return problem_response(400, "Bad Request", refused.detail, code=refused.code)
        return None

    @app.after_request
    def _security_headers(response):
        # One pass over the response's headers, then appends: werkzeug's setdefault scans the list once per
        # header and set() twice (measured: an eighth of a trivial request's CPU, bench/bench_pipeline.py).
        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        for lower, key, value in _DEFAULT_HEADERS:
            if lower not in present:
                headers.add(key, value)
        if "x-request-id" in present:
            headers["X-Request-ID"] = g.get("request_id", "")
        else:
            headers.add("X-Request-ID", g.get("request_id", ""))
        return response


def register_commands(app: Flask) -> None:
    from backend.cli import register

    register(app)
