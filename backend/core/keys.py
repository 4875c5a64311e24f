"""The one Ed25519 key ring: the keys that sign documents and identity QRs (DOCUMENT_KEYS) and those that sign
kiosk profiles and commands (backend/fleet/keys.py), each with the JWKS that publishes them. Each purpose has its
own ring, so that a leaked or rotated key of one does not affect the other.

Keys come from the SIGNING_KEYS setting (JSON, for deployments that inject secrets through the
environment) or from a key file in the instance folder, generated on first use. Rotation adds a key and
makes it current; older public keys stay in the JWKS so documents they signed remain verifiable. A key
file entry without "d" is retired: it verifies, it no longer signs.

Format: {"current": "<kid>", "keys": [{"kid": "...", "x": "<b64url public>", "d": "<b64url seed>",
"created": "<ISO datetime>"}]}. A ring may instead come from a bare 32-byte seed (base64url, in a setting or
a file: the fleet key's historical form); its one key's kid is derived from the public key.
"""

from __future__ import annotations

import hashlib
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


@dataclass(frozen=True)
class RingSource:
    """Where a purpose's ring comes from: settings names, the instance file, and the seed form if any."""

    extension: str  # where the loaded ring is kept in app.extensions
    ring_setting: str | None  # JSON ring in the config (SIGNING_KEYS)
    file_setting: str  # the config key naming the key file
    file_name: str  # the default file in the instance folder
    seed_setting: str | None = None  # a bare seed in the config (FLEET_SIGNING_KEY)
    seed_file: bool = False  # the file holds a bare seed, not a JSON ring
    kid_prefix: str = "congdan"
    label: str = "document"


DOCUMENT_KEYS = RingSource(
    extension="congdan.signing",
    ring_setting="SIGNING_KEYS",
    file_setting="SIGNING_KEY_FILE",
    file_name="signing_keys.json",
)
KEY_FILE_NAME = DOCUMENT_KEYS.file_name


class KeyConfigError(RuntimeError):
    """The configured signing keys are unusable; the service refuses to sign rather than guess."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None
    created: str

    def to_json(self) -> dict:
        entry = {
            "kid": self.kid,
            "x": b64url_encode(self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "created": self.created,
        }
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


def keyring(app: Flask | None = None, source: RingSource = DOCUMENT_KEYS) -> KeyRing:
    """The app's key ring for `source` (documents and identity QRs by default), loaded once per app."""
    app = app or current_app
    ring = app.extensions.get(source.extension)
    if ring is None:
        ring = app.extensions[source.extension] = _load(app, source)
    return ring


def ring_from_seed(seed: bytes, kid_prefix: str) -> KeyRing:
    """A one-key ring from a 32-byte seed; the kid is derived from the public key, so it is stable."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    kid = f"{kid_prefix}-" + b64url_encode(
        hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).digest()[:6]
    )
    return KeyRing([SigningKey(kid, public, private, "")], kid)


def parse_keyring(document: dict, *, path: Path | None = None) -> KeyRing:
    try:
        keys = []
        for entry in document["keys"]:
            public = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["x"]))
            private = None
            if entry.get("d"):
                private = Ed25519PrivateKey.from_private_bytes(b64url_decode(entry["d"]))
            if private is not None and private.public_key().public_bytes(
                Encoding.Raw, PublicFormat.Raw
            ) != public.public_bytes(Encoding.Raw, PublicFormat.Raw):
                raise KeyConfigError(f"key {entry['kid']!r}: the private part does not match 'x'")
            keys.append(SigningKey(str(entry["kid"]), public, private, str(entry.get("created", ""))))
        return KeyRing(keys, str(document["current"]), path=path)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyConfigError(f"signing keys are malformed: {exc}") from None


def _load(app: Flask, source: RingSource) -> KeyRing:
    if source.seed_setting and app.config.get(source.seed_setting):
        return ring_from_seed(b64url_decode(app.config[source.seed_setting]), source.kid_prefix)
    configured = app.config.get(source.ring_setting) if source.ring_setting else None
    if configured:
        document = json.loads(configured) if isinstance(configured, str) else configured
        return parse_keyring(document)
    if app.config.get("TESTING") and not app.config.get(source.file_setting):
        # Tests get a throwaway key per app instead of writing into the instance folder.
        if source.seed_file:
            return ring_from_seed(os.urandom(32), source.kid_prefix)
        key = _generate()
        return KeyRing([key], key.kid)
    path = Path(app.config.get(source.file_setting) or Path(app.instance_path) / source.file_name)
    if source.seed_file:
        return _seed_file_ring(path, source)
    if not path.exists():
        key = _generate()
        try:
            _write_new(path, {"current": key.kid, "keys": [key.to_json()]})
            log.warning("generated a new %s signing key %s in %s", source.label, key.kid, path)
        except FileExistsError:
            pass  # another worker won the race: use its file
    return parse_keyring(json.loads(path.read_text(encoding="utf-8")), path=path)


def _seed_file_ring(path: Path, source: RingSource) -> KeyRing:
    if not path.exists():
        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(b64url_encode(seed))
            log.warning("generated a new %s signing key in %s", source.label, path)
        except FileExistsError:
            pass  # another worker won the race: use its file
    return ring_from_seed(b64url_decode(path.read_text(encoding="ascii").strip()), source.kid_prefix)


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
