"""The ring whose Ed25519 key signs kiosk configuration profiles and commands (backend/core/keys.py holds the
mechanism). A kiosk pins the public half (received at enrollment) and applies only what it signed. The key comes
from FLEET_SIGNING_KEY (a base64url 32-byte seed, for deployments that inject secrets), else from a file in the
instance folder generated on first use; tests get a throwaway key per app. Separate from the document signing
ring so that a leaked or rotated one does not affect the other."""

from __future__ import annotations

from flask import Flask

from backend.core.keys import KeyRing, RingSource, keyring

FLEET_KEYS = RingSource(
    extension="congdan.fleet.signing",
    ring_setting=None,
    file_setting="FLEET_SIGNING_KEY_FILE",
    file_name="fleet_signing_key",
    seed_setting="FLEET_SIGNING_KEY",
    seed_file=True,
    kid_prefix="fleet",
    label="fleet",
)


def fleet_keys(app: Flask | None = None) -> KeyRing:
    return keyring(app, FLEET_KEYS)
