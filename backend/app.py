"""The application factory."""

from __future__ import annotations

import logging
import os
import uuid

from flask import Flask, g, request

from backend import config as config_module
from backend.errors import problem_response, register_error_handlers
from backend.extensions import api, db, jwt, limiter
from backend.logs import install_masking

log = logging.getLogger(__name__)

# Request bodies we accept; anything else on a write is 415 before a view runs.
_JSON_TYPES = ("application/json", "application/merge-patch+json")


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides what the environment says (tests pass their own)."""
    app = Flask(__name__, instance_relative_config=True)
    settings = config_module.from_environment()
    settings.update(config or {})
    config_module.check_safe(settings)
    app.config.update(settings)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = config_module.default_database_url(app.instance_path)

    install_masking()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app, app.config["DATABASE_URL"])
    if app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    limiter.init_app(app)
    jwt.init_app(app)
    api.init_app(app)
    from backend.auth import tokens

    tokens.register_jwt_callbacks(jwt)


def register_blueprints(app: Flask) -> None:
    from backend.audit.routes import blp as audit_blp
    from backend.auth.routes import blp as auth_blp
    from backend.health_checks import blp as health_blp
    from backend.registry.routes import blp as registry_blp

    for blueprint in (auth_blp, registry_blp, audit_blp):
        api.register_blueprint(blueprint, url_prefix="/api/v1" + blueprint.url_prefix)
    app.register_blueprint(health_blp)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_context():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        if request.method in ("POST", "PUT", "PATCH") and request.content_length != 0:
            has_body = request.content_length or request.headers.get("Transfer-Encoding")
            mimetype = request.mimetype or ""
            allowed = getattr(app.view_functions.get(request.endpoint), "accepts_content_types", ())
            if has_body and mimetype not in _JSON_TYPES and mimetype not in allowed:
                return problem_response(
                    415, "Unsupported Media Type",
                    "Send the request body as application/json.", code="unsupported-media-type",
                )
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response


def register_commands(app: Flask) -> None:
    from backend.cli import register

    register(app)
