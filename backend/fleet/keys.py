"""The backend's Ed25519 key that signs kiosk configuration profiles and commands.

A kiosk pins the public half (received at enrollment) and applies only what it signed. The key comes
from FLEET_SIGNING_KEY (a base64url 32-byte seed, for deployments that inject secrets), else from a file in
the instance folder generated on first use; tests get a throwaway key per app. Separate from the document
signing key so that a leaked or rotated one does not affect the other."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from flask import Flask, current_app

from shared_schemas.signed import b64url_decode, b64url_encode, public_jwk

log = logging.getLogger(__name__)

KEY_FILE_NAME = "fleet_signing_key"
_EXTENSION = "congdan.fleet.signing"


@dataclass(frozen=True)
class FleetKey:
    kid: str
    private: Ed25519PrivateKey

    def jwks(self) -> dict:
        return {"keys": [public_jwk(self.private, self.kid)]}


def fleet_key(app: Flask | None = None) -> FleetKey:
    app = app or current_app
    key = app.extensions.get(_EXTENSION)
    if key is None:
        key = app.extensions[_EXTENSION] = _load(app)
    return key


def from_seed(seed: bytes) -> FleetKey:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return FleetKey("fleet-" + b64url_encode(hashlib.sha256(raw_public).digest()[:6]), private)


def _load(app: Flask) -> FleetKey:
    configured = app.config.get("FLEET_SIGNING_KEY")
    if configured:
        return from_seed(b64url_decode(configured))
    if app.config.get("TESTING") and not app.config.get("FLEET_SIGNING_KEY_FILE"):
        return from_seed(os.urandom(32))
    path = Path(app.config.get("FLEET_SIGNING_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME)
    if not path.exists():
        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(b64url_encode(seed))
            log.warning("generated a new fleet signing key in %s", path)
        except FileExistsError:
            pass  # another worker won the race: use its file
    return from_seed(b64url_decode(path.read_text(encoding="ascii").strip()))
