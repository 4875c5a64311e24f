"""Each app worker's cache of enrolled kiosks: key, status and what a heartbeat answer needs (whether commands
wait, the configuration it should run), so a signed heartbeat is checked without loading the kiosk. Changes an
admin makes (suspend, command, profile) move the fleet revision; every worker looks at it at most once per
FLEET_DIRECTORY_CHECK_S and, when it moved, reloads the whole directory at once (a handful of queries, not a few
per kiosk), so a suspension reaches all workers within seconds. A kiosk enrolled since is loaded on its own."""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.fleet import kiosk_keys
from backend.fleet.models import Command, ConfigurationProfile, FleetRevision, Kiosk
from backend.fleet.settings import default_settings, fleet_setting

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

    @functools.cached_property
    def verifier(self) -> bytes | None:
        """The registered key, parsed at its first use and kept with the entry (None: not an Ed25519 key)."""
        return kiosk_keys.parse_public_key(self.public_key)

    def signed(self, signature_b64: str, message: bytes) -> bool:
        """Whether `signature_b64` is this kiosk's registered key's Ed25519 signature over `message` (checked
        as backend/fleet/kiosk_keys.py says)."""
        return self.verifier is not None and kiosk_keys.verify(self.verifier, signature_b64, message)


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
    return KnownKiosk(row.id, row.hospital_code, row.public_key, row.status, bool(pending), version, settings)


def load_all(session: Session) -> dict[str, KnownKiosk]:
    """Every enrolled kiosk, in five queries whatever the fleet's size: what `load_kiosk` gives for one (the
    same profile rule as profiles.effective_profile: the kiosk's latest version, else its hospital's latest,
    else the default, version 0). A worker that follows a new revision reloads its directory this way at once,
    instead of loading each kiosk again on its next heartbeat (with 5,000 kiosks, 5,000 x 4 queries)."""
    pending = set(session.scalars(sa.select(Command.kiosk_id).where(Command.state.in_(PENDING_STATES)).distinct()))
    from backend.fleet.profiles import latest_profile_ids  # profiles move the revision this module follows

    own, by_hospital = latest_profile_ids(session)
    profile = ConfigurationProfile
    wanted = set(own.values()) | set(by_hospital.values())
    settings = dict(session.execute(sa.select(profile.id, profile.settings).where(profile.id.in_(wanted))).all())
    default = default_settings()
    entries = {}
    for row in session.execute(sa.select(Kiosk.id, Kiosk.hospital_code, Kiosk.public_key, Kiosk.status)):
        version = own.get(row.id) or by_hospital.get(row.hospital_code) or 0
        entries[row.id] = KnownKiosk(
            row.id,
            row.hospital_code,
            row.public_key,
            row.status,
            row.id in pending,
            version,
            settings[version] if version else default,
        )
    return entries


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
        """Drop one kiosk (or all, which reloads the whole directory at the next lookup)."""
        with self._lock:
            if kiosk_id is None:
                self._entries = {}
                self._revision = None
                self._checked_at = -math.inf
            else:
                self._entries.pop(kiosk_id, None)

    def _follow_revision(self, session: Session) -> None:
        moment = time.monotonic()
        if moment - self._checked_at < self._check_every_s:
            return
        with self._lock:
            self._checked_at = moment
        revision = current_revision(session)
        if revision == self._revision:
            return
        # Read after the revision, in the same transaction: what is loaded is never older than the revision it
        # is filed under (a change committed in between moves the revision again, and the next look reloads).
        entries = load_all(session)
        with self._lock:
            self._entries, self._revision = entries, revision


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
