"""The CSCA trust store the backend verifies chip ID cards against, loaded once per app.

CSCA_STORE_DIR names a folder of CSCA certificates (PEM or DER; the country's master list, extracted).
Without it, development and testing trust the card simulator's demo CSCA (kept in the instance folder and
shared with `make kiosk`); production trusts nothing, and every chip read is refused with that reason."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from hardware.smartcard.passive_auth import TrustStore

log = logging.getLogger(__name__)

_EXTENSION = "congdan.csca"
SIMULATOR_PKI_FOLDER = "simulator-pki"


def simulator_pki_dir(app: Flask) -> Path:
    return Path(app.config.get("SIMULATOR_PKI_DIR") or Path(app.instance_path) / SIMULATOR_PKI_FOLDER)


def trust_store(app: Flask | None = None) -> TrustStore | None:
    app = app or current_app
    if _EXTENSION not in app.extensions:
        app.extensions[_EXTENSION] = _load(app)
    return app.extensions[_EXTENSION]


def _load(app: Flask) -> TrustStore | None:
    folder = app.config.get("CSCA_STORE_DIR")
    if folder:
        return TrustStore.from_directory(folder)
    if app.config.get("ENV_NAME") == "production":
        log.warning("CSCA_STORE_DIR is not set: chip ID cards cannot be verified")
        return None
    from hardware.smartcard.simulator.pki_files import load_or_create

    pki = load_or_create(simulator_pki_dir(app))
    log.warning("trusting the card simulator's demo CSCA (set CSCA_STORE_DIR for real cards)")
    return TrustStore([pki.csca_certificate])
