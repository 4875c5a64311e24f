"""Configuration classes. The environment is read only by `from_environment`, called by the factory."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET = "congdan-development-secret-not-for-production"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


class BaseConfig:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET
    JWT_SECRET_KEY = DEV_SECRET
    DATABASE_URL: str | None = None  # None -> SQLite file under the instance folder
    DATABASE_ECHO = False
    REDIS_URL: str | None = None

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_LEEWAY = 5
    JWT_ISSUER = "congdan"

    # Login throttling (flask-limiter syntax). Both apply: per client address and per account name.
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 5 minutes"
    # The public document verification page (/v/<id>.<key>): enough for a clerk's counter, not for guessing.
    DOCUMENT_PAGE_LIMIT_PER_ADDRESS = "60 per minute"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # per process; set REDIS_URL to share limits across workers

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Per-process cap on requests in progress; past it, answer 503 + Retry-After at once (backend/overload.py).
    # Pair it with gunicorn gthread workers that have more threads than this, so refusals never queue.
    MAX_IN_FLIGHT: int | None = None
    PROVIDE_AUTOMATIC_OPTIONS = False  # no CORS here: OPTIONS is a 405 with an Allow header like any other
    PASSWORD_HASH_PARAMS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}  # OWASP minimum

    API_TITLE = "congdan API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    JSON_SORT_KEYS = False
    DEMO_PASSWORD = "congdan-demo"


class DevelopmentConfig(BaseConfig):
    pass


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}  # fast, tests only
    # Tests exercise limits explicitly with their own app.
    RATELIMIT_ENABLED = False


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    PASSWORD_HASH_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2}


CONFIGS = {c.ENV_NAME: c for c in (DevelopmentConfig, TestingConfig, ProductionConfig)}

# Environment variable -> config key (and how to parse it)
_ENV_KEYS = {
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "SECRET_KEY": str,
    "JWT_SECRET_KEY": str,
    "LOGIN_LIMIT_PER_ADDRESS": str,
    "LOGIN_LIMIT_PER_ACCOUNT": str,
    "DEMO_PASSWORD": str,
    # Signed documents and identity QRs (backend/documents/keys.py): the key ring as JSON, or its file.
    "SIGNING_KEYS": str,
    "SIGNING_KEY_FILE": str,
    "DOCUMENT_ISSUER": str,
    "PUBLIC_BASE_URL": str,
    # PAdES signing of document PDFs (backend/documents/pades.py): without the certificate a TEST CA is
    # created under the instance folder (or DOCUMENT_SIGNING_DIR) on first start.
    "DOCUMENT_SIGNING_CERT": str,
    "DOCUMENT_SIGNING_KEY": str,
    "DOCUMENT_SIGNING_CHAIN": str,
    "DOCUMENT_TSA_URL": str,
    "DOCUMENT_SIGNING_DIR": str,
    "DOCUMENT_AUTHORITIES_FILE": str,
    "DOCUMENT_PAGE_LIMIT_PER_ADDRESS": str,
    "NOTIFICATION_PUSH_ADAPTER": str,
    # Payment gateway callbacks (HMAC) and the key that signs kiosk configuration and commands.
    "PAYMENT_GATEWAY_SECRET": str,
    "FLEET_SIGNING_KEY": str,
    "FLEET_SIGNING_KEY_FILE": str,
    "VERIFICATION_SPOOL_DIR": str,
    "MAX_IN_FLIGHT": int,
}


def from_environment(environ: os._Environ | dict | None = None) -> dict:
    """Build a config mapping from CONGDAN_ENV and the variables in _ENV_KEYS."""
    environ = os.environ if environ is None else environ
    name = environ.get("CONGDAN_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"CONGDAN_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    config = {k: getattr(CONFIGS[name], k) for k in dir(CONFIGS[name]) if k.isupper()}
    for key, parse in _ENV_KEYS.items():
        if environ.get(key):
            config[key] = parse(environ[key])
    if environ.get("ACCESS_TOKEN_MINUTES"):
        config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=int(environ["ACCESS_TOKEN_MINUTES"]))
    return config


def check_safe(config: dict) -> None:
    """Refuse to run production with a development secret."""
    if config.get("ENV_NAME") != "production":
        return
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(key) or ""
        if value == DEV_SECRET or len(value) < 32:
            raise ConfigError(f"{key} must be set to a random value of at least 32 characters in production")


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'congdan.db'}"
