"""Update settings with their defaults; any of them can be overridden in the app's configuration."""

from __future__ import annotations

from flask import current_app

DEFAULTS = {
    # TUF metadata lifetimes. A kiosk refuses metadata past its expiry (a freeze attack shows as expiry), so
    # the online roles are re-signed when less than half their lifetime is left.
    "UPDATE_TIMESTAMP_LIFETIME_H": 24,
    "UPDATE_SNAPSHOT_LIFETIME_H": 7 * 24,
    "UPDATE_TARGETS_LIFETIME_H": 30 * 24,
    "UPDATE_ROOT_LIFETIME_DAYS": 365,
    # A kiosk_app package: a gzip tarball of the kiosk_app folder with a VERSION file.
    "UPDATE_MAX_PACKAGE_BYTES": 32 * 1024 * 1024,
    "UPDATE_MAX_PACKAGE_ENTRIES": 2000,
    "UPDATE_MAX_UNPACKED_BYTES": 128 * 1024 * 1024,
    # Clinic hours in Vietnam time [start, end): rollouts marked "outside clinic hours" offer nothing then.
    "UPDATE_CLINIC_HOURS": (6, 18),
    # Wave health: updated kiosks vs the rest over the metric buckets since each kiosk confirmed the update.
    # The wave halts when a rate of the updated kiosks is more than MAX_DROP below the rest's (absolute), once
    # the updated kiosks have MIN_ATTEMPTS attempts of that kind.
    "UPDATE_HEALTH_MAX_DROP": 0.15,
    "UPDATE_HEALTH_MIN_ATTEMPTS": 10,
    "UPDATE_HEALTH_MAX_CRASHES": 1,  # crash restarts per updated kiosk (reported by its boot guard)
}


def update_setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])
