"""Each app worker's cache of enrolled kiosks: key, status and what a heartbeat answer needs (whether commands
wait, the configuration it should run), so a signed heartbeat is checked without loading the kiosk. Changes an
admin makes (suspend, command, profile) move the fleet revision; every worker looks at it at most once per
FLEET_DIRECTORY_CHECK_S and drops its cache when it moved, so a suspension reaches all workers within seconds."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from sqlalchemy.orm import Session

from backend.fleet.models import Command, FleetRevision, Kiosk
from backend.fleet.settings import fleet_setting
from shared_schemas.signed import b64url_decode

PENDING_STATES = ("queued", "delivered")
_EXTENSION = "congdan.fleet_directory"


@dataclass(frozen=True)
class KnownKiosk:
    """What the heartbeat path needs of a kiosk, as of the last time this worker loaded it."""

    id: str
    hospital_code: str
    public_key: str
    status: str
    has_pending_commands: bool
    config_version: int
    settings: dict
    # The registered key, parsed once per load instead of once per request (None: not a valid Ed25519 key).
    verifier: Ed25519PublicKey | None = field(default=None, compare=False, repr=False)

    def signed(self, signature_b64: str, message: bytes) -> bool:
        """Whether `signature_b64` is this kiosk's registered key's Ed25519 signature over `message`."""
        if self.verifier is None:
            return False
        try:
            self.verifier.verify(b64url_decode(signature_b64), message)
        except (ValueError, InvalidSignature):
            return False
        return True


def _verifier(public_key: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(public_key))
    except ValueError:
        return None


def load_kiosk(session: Session, kiosk_id: str) -> KnownKiosk | None:
    row = session.execute(
        sa.select(Kiosk.id, Kiosk.hospital_code, Kiosk.public_key, Kiosk.status).where(Kiosk.id == kiosk_id)
    ).first()
    if row is None:
        return None
    pending = session.scalar(
        sa.select(sa.exists().where(Command.kiosk_id == kiosk_id, Command.state.in_(PENDING_STATES)))
    )
    from backend.fleet.profiles import effective_profile  # profiles move the revision this module follows

    version, settings = effective_profile(session, row.id, row.hospital_code)
    key = _verifier(row.public_key)
    return KnownKiosk(row.id, row.hospital_code, row.public_key, row.status, bool(pending), version, settings, key)


def current_revision(session: Session) -> int:
    return session.scalar(sa.select(FleetRevision.value).where(FleetRevision.id == 1)) or 0


class KioskDirectory:
    def __init__(self, check_every_s: float) -> None:
        self._check_every_s = check_every_s
        self._entries: dict[str, KnownKiosk] = {}
        self._revision: int | None = None
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def lookup(self, session: Session, kiosk_id: str) -> KnownKiosk | None:
        self._follow_revision(session)
        entry = self._entries.get(kiosk_id)
        if entry is None:
            # Unknown kiosks are not remembered: an attacker's made-up ids must not fill the cache.
            entry = load_kiosk(session, kiosk_id)
            if entry is not None:
                self._entries[kiosk_id] = entry
        return entry

    def forget(self, kiosk_id: str | None = None) -> None:
        """Drop one kiosk (or all): the next lookup reads the database again."""
        with self._lock:
            if kiosk_id is None:
                self._entries.clear()
                self._checked_at = -math.inf
            else:
                self._entries.pop(kiosk_id, None)

    def _follow_revision(self, session: Session) -> None:
        moment = time.monotonic()
        if moment - self._checked_at < self._check_every_s:
            return
        revision = current_revision(session)
        with self._lock:
            self._checked_at = moment
            if revision != self._revision:
                self._entries.clear()
                self._revision = revision


def kiosk_directory() -> KioskDirectory:
    app = current_app._get_current_object()
    directory = app.extensions.get(_EXTENSION)
    if directory is None:
        directory = app.extensions.setdefault(_EXTENSION, KioskDirectory(fleet_setting("FLEET_DIRECTORY_CHECK_S")))
    return directory


def fleet_changed(session: Session) -> None:
    """A kiosk's status, commands or profile changed: every worker's cache must be dropped (this one at once,
    the others when they next look at the revision)."""
    moved = session.execute(
        sa.update(FleetRevision).where(FleetRevision.id == 1).values(value=FleetRevision.value + 1)
    ).rowcount
    if not moved:
        session.add(FleetRevision(id=1, value=1))
        session.flush()
    kiosk_directory().forget()
