"""Configuration classes. The environment is read only by `from_environment`, called by the factory."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from backend.instance_secrets import GENERATED_SECRETS, MIN_LENGTH


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


class BaseConfig:
    ENV_NAME = "development"
    # None -> generated on first start into SECRETS_DIR (default instance/secrets), see backend/instance_secrets.py
    SECRET_KEY: str | None = None
    JWT_SECRET_KEY: str | None = None
    PAYMENT_GATEWAY_SECRET: str | None = None
    OIDC_PAIRWISE_SECRET: str | None = None  # keys the national login's pairwise subjects
    SECRETS_DIR: str | None = None
    DATABASE_URL: str | None = None  # None -> SQLite file under the instance folder
    DATABASE_ECHO = False
    REDIS_URL: str | None = None

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_LEEWAY = 5
    JWT_ISSUER = "congdan"

    # A coarse flood guard per client address on login-like routes (flask-limiter syntax); failed attempts are
    # slowed by the back-off of backend/auth/throttle.py (per account, per address, per account+address).
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 5 minutes"  # unused since the back-off; kept so old settings still parse
    # Back-off after failures: free attempts, then waits doubling from BASE up to the cap of each key kind.
    # The account-wide wait is capped short: it is the only one an attacker elsewhere can impose on the owner.
    LOGIN_BACKOFF_BASE_S = 2
    LOGIN_BACKOFF_FREE = {"address": 20, "account": 10, "account_address": 5}
    LOGIN_BACKOFF_CAP_S = {"address": 900, "account": 30, "account_address": 900}
    LOGIN_BACKOFF_FORGET_S = 3600  # failures older than this are forgotten
    FLEET_CHALLENGE_LIMIT = "20 per minute"  # per kiosk id and client address
    # Refresh tokens: a second use within this many seconds is a client race (two tabs), not a theft.
    REFRESH_REUSE_GRACE_S = 10
    # Token-family state cached per process (backend/auth/token_state.py): how often each process asks the
    # database whether anything was revoked (a logout reaches every process within this), and the oldest an
    # entry may be. 0 turns the cache off (one database check per request).
    TOKEN_STATE_RECHECK_S = 2.0
    TOKEN_STATE_MAX_AGE_S = 30.0
    # Hospital kiosks: typed ID + date of birth (children only) per kiosk; registration per ID number.
    TYPED_CHECKIN_LIMIT_PER_KIOSK = "30 per 10 minutes"
    REGISTRATION_LIMIT_PER_ID = "3 per hour"
    CHIP_CHALLENGE_LIMIT_PER_KIOSK = "30 per minute"
    # The public document verification page (/v/<id>.<key>): enough for a clerk's counter, not for guessing.
    DOCUMENT_PAGE_LIMIT_PER_ADDRESS = "60 per minute"
    RATELIMIT_ENABLED = True
    # Off: flask-limiter would stamp its window's Retry-After on every response, over the back-off's own.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"  # per process; set REDIS_URL to share limits across workers

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Per-process cap on requests in progress; past it, answer 503 + Retry-After at once (backend/overload.py).
    # Pair it with gunicorn gthread workers that have more threads than this, so refusals never queue.
    MAX_IN_FLIGHT: int | None = None
    # Of those, how many the expensive routes (logins, registration, uploads, downloads) may take at once;
    # default a quarter (backend/overload.py).
    MAX_EXPENSIVE_IN_FLIGHT: int | None = None
    # Proxies in front that overwrite X-Forwarded-For (nginx of backend/front: 1). Their address gives the client
    # address the back-off, rate limits and audit rows key on. 0: the peer address is the client.
    PROXY_FIX_HOPS: int = 0
    PROVIDE_AUTOMATIC_OPTIONS = False  # no CORS here: OPTIONS is a 405 with an Allow header like any other
    PASSWORD_HASH_PARAMS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}  # OWASP minimum

    API_TITLE = "congdan API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI's files come from this app (flask-swagger-ui's packaged copy, backend/consoles/front.py): the
    # documentation works on a network without internet, and no third party sees who reads it.
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}  # the default validator is a public web service
    JSON_SORT_KEYS = False
    # Move what create_app built into the garbage collector's permanent generation (backend/app.py): for a process
    # that serves one app. Never under TESTING; the test suite also sets GC_FREEZE=0 (tests/conftest.py), as a
    # process that builds many apps would keep every one of them.
    GC_FREEZE = True
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
    # Signed kiosk requests' nonces (backend/fleet/nonces.py): REDIS_URL's server unless this names another.
    "FLEET_NONCE_REDIS_URL": str,
    "SECRET_KEY": str,
    "JWT_SECRET_KEY": str,
    "SECRETS_DIR": str,
    "LOGIN_LIMIT_PER_ADDRESS": str,
    "LOGIN_LIMIT_PER_ACCOUNT": str,
    "DEMO_PASSWORD": str,
    # Signed documents and identity QRs (backend/core/keys.py): the key ring as JSON, or its file.
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
    # The national login: its pairwise-subject key and its issuer URL (defaults to the request's host).
    "OIDC_PAIRWISE_SECRET": str,
    "OIDC_ISSUER": str,
    "FLEET_SIGNING_KEY": str,
    "FLEET_SIGNING_KEY_FILE": str,
    "FLEET_TELEMETRY_FLUSH_S": float,
    "VERIFICATION_SPOOL_DIR": str,
    "MAX_IN_FLIGHT": int,
    # Legal-parameter versions loaded by administrators (backend/law); default instance/law.
    "LAW_DIR": str,
    # Chip ID cards (backend/identification): the CSCA certificates, and the OTP/SMS adapter "module:Class".
    "CSCA_STORE_DIR": str,
    "SMS_ADAPTER": str,
    "MAX_EXPENSIVE_IN_FLIGHT": int,
    "PROXY_FIX_HOPS": int,
    "TOKEN_STATE_RECHECK_S": float,
    "TOKEN_STATE_MAX_AGE_S": float,
    "GC_FREEZE": lambda value: value.strip().lower() not in ("0", "false", "no", "off"),
    # Caps on uploaded verification files (backend/verification/limits.py).
    **{
        f"VERIFICATION_{name}": int
        for name in (
            "MAX_UPLOAD_BYTES",
            "MAX_ROWS",
            "MAX_COLUMNS",
            "MAX_CELL_CHARS",
            "XLSX_MAX_UNCOMPRESSED",
            "XLSX_MAX_RATIO",
            "XLSX_MAX_ENTRIES",
            "XLSX_MAX_SHARED_STRINGS",
            "XLSX_MAX_SHARED_STRINGS_BYTES",
        )
    },
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
    """Refuse secrets that are too short or shared between purposes; in production, refuse to generate them in
    a place nobody chose.

    Production runs several processes, often on several hosts: a secret generated into one host's instance folder
    would split sessions between hosts. So production takes each secret from the environment, or from SECRETS_DIR
    when the operator sets it explicitly (a folder every process shares, e.g. a mounted secrets volume).
    """
    configured = {key: config.get(key) for key in GENERATED_SECRETS if config.get(key)}
    for key, value in configured.items():
        if len(value) < MIN_LENGTH:
            raise ConfigError(f"{key} must be a random value of at least {MIN_LENGTH} characters")
    if len(set(configured.values())) != len(configured):
        raise ConfigError(f"{', '.join(GENERATED_SECRETS)} must all differ: none may be derived from another")
    if config.get("ENV_NAME") != "production" or config.get("SECRETS_DIR"):
        return
    for key in GENERATED_SECRETS:
        if key not in configured:
            raise ConfigError(f"{key} must be set in production (or SECRETS_DIR, a folder every process shares)")


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'congdan.db'}"
