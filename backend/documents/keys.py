"""The Ed25519 signing keys behind documents and identity QRs, and the JWKS that publishes them.

Keys come from the SIGNING_KEYS setting (JSON, for deployments that inject secrets through the
environment) or from a key file in the instance folder, generated on first use. Rotation adds a key and
makes it current; older public keys stay in the JWKS so documents they signed remain verifiable. A key
file entry without "d" is retired: it verifies, it no longer signs.

Format: {"current": "<kid>", "keys": [{"kid": "...", "x": "<b64url public>", "d": "<b64url seed>",
"created": "<ISO datetime>"}]}
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from flask import Flask, current_app

from backend.core import clock
from shared_schemas.signed import b64url_decode, b64url_encode, public_jwk

log = logging.getLogger(__name__)

KEY_FILE_NAME = "signing_keys.json"
_EXTENSION = "congdan.signing"


class KeyConfigError(RuntimeError):
    """The configured signing keys are unusable; the service refuses to sign rather than guess."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None
    created: str

    def to_json(self) -> dict:
        entry = {"kid": self.kid, "x": b64url_encode(self.public.public_bytes(Encoding.Raw,
                                                                              PublicFormat.Raw)),
                 "created": self.created}
        if self.private is not None:
            raw = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            entry["d"] = b64url_encode(raw)
        return entry


class KeyRing:
    """The current signing key plus every key still trusted for verification."""

    def __init__(self, keys: list[SigningKey], current_kid: str, *, path: Path | None = None):
        self.keys = {key.kid: key for key in keys}
        self.current_kid = current_kid
        self.path = path
        self._lock = threading.Lock()
        current = self.keys.get(current_kid)
        if current is None or current.private is None:
            raise KeyConfigError(f"the current signing key {current_kid!r} is missing or has no private part")

    @property
    def current(self) -> SigningKey:
        return self.keys[self.current_kid]

    def jwks(self) -> dict:
        return {"keys": [public_jwk(key.public, key.kid) for key in self.keys.values()]}

    def rotate(self) -> SigningKey:
        """Make a fresh key current; the old ones keep verifying. Persisted when the ring has a file."""
        with self._lock:
            key = _generate()
            self.keys[key.kid] = key
            self.current_kid = key.kid
            if self.path is not None:
                _write_atomically(self.path, self.to_json())
        log.info("signing key rotated; current kid %s", key.kid)
        return key

    def to_json(self) -> dict:
        return {"current": self.current_kid, "keys": [key.to_json() for key in self.keys.values()]}


def keyring(app: Flask | None = None) -> KeyRing:
    """The app's key ring, loaded once per app."""
    app = app or current_app
    ring = app.extensions.get(_EXTENSION)
    if ring is None:
        ring = app.extensions[_EXTENSION] = _load(app)
    return ring


def parse_keyring(document: dict, *, path: Path | None = None) -> KeyRing:
    try:
        keys = []
        for entry in document["keys"]:
            public = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["x"]))
            private = None
            if entry.get("d"):
                private = Ed25519PrivateKey.from_private_bytes(b64url_decode(entry["d"]))
            if private is not None and private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) != \
                    public.public_bytes(Encoding.Raw, PublicFormat.Raw):
                raise KeyConfigError(f"key {entry['kid']!r}: the private part does not match 'x'")
            keys.append(SigningKey(str(entry["kid"]), public, private, str(entry.get("created", ""))))
        return KeyRing(keys, str(document["current"]), path=path)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyConfigError(f"signing keys are malformed: {exc}") from None


def _load(app: Flask) -> KeyRing:
    configured = app.config.get("SIGNING_KEYS")
    if configured:
        document = json.loads(configured) if isinstance(configured, str) else configured
        return parse_keyring(document)
    if app.config.get("TESTING") and not app.config.get("SIGNING_KEY_FILE"):
        # Tests get a throwaway key per app instead of writing into the instance folder.
        key = _generate()
        return KeyRing([key], key.kid)
    path = Path(app.config.get("SIGNING_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME)
    if not path.exists():
        key = _generate()
        try:
            _write_new(path, {"current": key.kid, "keys": [key.to_json()]})
            log.warning("generated a new document signing key %s in %s", key.kid, path)
        except FileExistsError:
            pass  # another worker won the race: use its file
    return parse_keyring(json.loads(path.read_text(encoding="utf-8")), path=path)


def _generate() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    now = clock.now()
    kid = f"congdan-{now:%Y%m%d}-{b64url_encode(os.urandom(4))}"
    return SigningKey(kid, private.public_key(), private, now.isoformat(timespec="seconds"))


def _write_new(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)


def _write_atomically(path: Path, document: dict) -> None:
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    os.replace(temporary, path)
