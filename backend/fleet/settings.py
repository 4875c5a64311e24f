"""Fleet settings with their defaults; any of them can be overridden in the app's configuration."""

from __future__ import annotations

from flask import current_app

DEFAULTS = {
    "FLEET_HEARTBEAT_INTERVAL_S": 15,
    "FLEET_OFFLINE_AFTER_S": 90,  # about six missed heartbeats at the default interval
    "FLEET_REQUEST_MAX_SKEW_S": 120,  # kiosk clock vs ours; nonces are kept twice as long
    "FLEET_DEVICE_TOKEN_MINUTES": 10,
    "FLEET_CHALLENGE_TTL_S": 120,
    "FLEET_COMMAND_TTL_HOURS": 24,
    "FLEET_DETAIL_RETENTION_HOURS": 48,
    "FLEET_HOURLY_RETENTION_DAYS": 90,
    "FLEET_READ_SUCCESS_MIN": 0.8,
    "FLEET_READ_SUCCESS_MIN_ATTEMPTS": 20,
    # Heartbeats: each worker's kiosk cache looks at the fleet revision this often (a suspension reaches every
    # worker within it), and its telemetry buffer writes this often (0: inside each heartbeat's request, the
    # default of testing apps, whose tests look at a heartbeat's writes as soon as its request ends).
    "FLEET_DIRECTORY_CHECK_S": 1.0,
    "FLEET_TELEMETRY_FLUSH_S": 1.0,
}

DEFAULT_PROFILE = {
    "idle_timeout_s": 60,
    "languages": ["vi", "en"],
    "departments": [],
    "printer": {"copies": 1, "paper_width_mm": 80, "cut": True},
}


def fleet_setting(name: str):
    app = current_app._get_current_object()  # once: a signed request reads three settings
    if name == "FLEET_TELEMETRY_FLUSH_S" and app.testing:
        return app.config.get(name, 0)
    return app.config.get(name, DEFAULTS[name])


def default_settings() -> dict:
    return {**DEFAULT_PROFILE, "heartbeat_interval_s": fleet_setting("FLEET_HEARTBEAT_INTERVAL_S")}
