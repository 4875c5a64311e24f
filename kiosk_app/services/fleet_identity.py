"""The kiosk's fleet identity store: its Ed25519 device key (made once, on first use), the enrollment the
backend answered (kiosk id, pinned signing keys, hospital) and the fleet state that must survive a restart
(configuration, lock, commands already run). One JSON file, mode 0600, replaced atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from shared_schemas.signed import b64url_decode, b64url_encode

STATE_FILE = "fleet_identity.json"


class DeviceIdentity:
    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / STATE_FILE
        self.state = self._load()
        self.private_key = Ed25519PrivateKey.from_private_bytes(b64url_decode(self.state["private_key"]))

    def _load(self) -> dict:
        if self.path.exists():
            return json.loads(self.path.read_text(encoding="utf-8"))
        private = Ed25519PrivateKey.generate()
        state = {
            "private_key": b64url_encode(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
            "public_key": b64url_encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "kiosk_id": None,
            "signing_keys": None,
            "config_version": None,
            "settings": None,
            "locked": False,
            "lock_message": None,
            "executed": {},
        }
        self.save(state)
        return state

    def save(self, state: dict | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state or self.state, handle)
        os.replace(temporary, self.path)

    def update(self, **values) -> None:
        self.state.update(values)
        self.save()

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @property
    def kiosk_id(self) -> str | None:
        return self.state["kiosk_id"]

    @property
    def public_key(self) -> str:
        return self.state["public_key"]
