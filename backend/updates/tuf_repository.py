"""The TUF repository of kiosk releases (python-tuf's Metadata API): root, targets, snapshot and timestamp
roles with consistent snapshots. The root key is offline: only `sign_root` (run by the CLI with a key file)
uses it. The targets, snapshot and timestamp keys are online, one per role, generated into the instance
folder on first start (backend/core/keys.py), so the server signs new releases and fresh timestamps itself."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner
from sqlalchemy.orm import Session
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from backend.core.keys import RingSource, keyring
from backend.errors import Conflict
from backend.updates.models import Release, TufMetadata
from backend.updates.settings import update_setting

ONLINE_ROLES = ("targets", "snapshot", "timestamp")
_SOURCES = {
    role: RingSource(
        extension=f"congdan.updates.{role}",
        ring_setting=None,
        file_setting=f"UPDATE_{role.upper()}_KEY_FILE",
        file_name=f"update_{role}_key",
        seed_setting=f"UPDATE_{role.upper()}_KEY",
        seed_file=True,
        kid_prefix=f"tuf-{role}",
        label=f"update {role}",
    )
    for role in ONLINE_ROLES
}
_LIFETIME_SETTING = {
    "targets": "UPDATE_TARGETS_LIFETIME_H",
    "snapshot": "UPDATE_SNAPSHOT_LIFETIME_H",
    "timestamp": "UPDATE_TIMESTAMP_LIFETIME_H",
}
_SERIALIZER = JSONSerializer(compact=True)


class RepositoryNotInitialised(Conflict):
    """No root has been signed yet: run the key ceremony (`flask updates root-sign`)."""


def online_signer(role: str) -> CryptoSigner:
    return CryptoSigner(keyring(None, _SOURCES[role]).current.private)


def latest(session: Session, role: str) -> TufMetadata | None:
    return session.scalars(
        sa.select(TufMetadata).where(TufMetadata.role == role).order_by(TufMetadata.version.desc()).limit(1)
    ).first()


def stored(session: Session, role: str, version: int | None) -> TufMetadata | None:
    if version is None:
        return latest(session, role)
    return session.get(TufMetadata, (role, version))


def _store(session: Session, metadata: Metadata, now: datetime) -> TufMetadata:
    row = TufMetadata(
        role=metadata.signed.type,
        version=metadata.signed.version,
        body=metadata.to_bytes(_SERIALIZER).decode("utf-8"),
        expires_at=metadata.signed.expires,
        signed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _expiry(now: datetime, role: str) -> datetime:
    return (now + timedelta(hours=int(update_setting(_LIFETIME_SETTING[role])))).replace(microsecond=0)


def sign_root(*, session: Session, root_keys: list[Ed25519PrivateKey], now: datetime) -> TufMetadata:
    """Sign the next root version: the first key becomes the root key, the online keys are (re)listed, and
    every key given signs (when rotating the root key, pass the new key first and the old one after it, so
    that kiosks trusting the old root accept the new one). Then re-sign the online roles under it."""
    previous = latest(session, "root")
    version = previous.version + 1 if previous else 1
    root = Root(
        version=version,
        expires=(now + timedelta(days=int(update_setting("UPDATE_ROOT_LIFETIME_DAYS")))).replace(microsecond=0),
        consistent_snapshot=True,
    )
    signers = [CryptoSigner(key) for key in root_keys]
    root.add_key(signers[0].public_key, "root")
    for role in ONLINE_ROLES:
        root.add_key(online_signer(role).public_key, role)
    metadata = Metadata(root)
    for signer in signers:
        metadata.sign(signer, append=True)
    row = _store(session, metadata, now)
    publish(session=session, now=now)
    return row


def _require_root(session: Session) -> None:
    if latest(session, "root") is None:
        raise RepositoryNotInitialised("The update repository has no root yet: run the root key ceremony first.")


def target_file(release: Release) -> TargetFile:
    return TargetFile(
        length=release.length,
        hashes={"sha256": release.sha256},
        path=release.target_name,
        unrecognized_fields={"custom": {"version": release.version}},
    )


def publish(*, session: Session, now: datetime) -> None:
    """Sign a new targets version listing every release, then a new snapshot and timestamp."""
    _require_root(session)
    previous = latest(session, "targets")
    targets = Targets(version=(previous.version + 1) if previous else 1, expires=_expiry(now, "targets"))
    for release in session.scalars(sa.select(Release).order_by(Release.id)):
        targets.targets[release.target_name] = target_file(release)
    metadata = Metadata(targets)
    metadata.sign(online_signer("targets"))
    _store(session, metadata, now)
    _sign_snapshot(session, now)


def _sign_snapshot(session: Session, now: datetime) -> None:
    previous = latest(session, "snapshot")
    targets = latest(session, "targets")
    snapshot = Snapshot(version=(previous.version + 1) if previous else 1, expires=_expiry(now, "snapshot"))
    snapshot.meta["targets.json"] = MetaFile(version=targets.version)
    metadata = Metadata(snapshot)
    metadata.sign(online_signer("snapshot"))
    _store(session, metadata, now)
    _sign_timestamp(session, now)


def _sign_timestamp(session: Session, now: datetime) -> None:
    previous = latest(session, "timestamp")
    snapshot = latest(session, "snapshot")
    body = snapshot.body.encode("utf-8")
    timestamp = Timestamp(
        version=(previous.version + 1) if previous else 1,
        expires=_expiry(now, "timestamp"),
        snapshot_meta=MetaFile(
            version=snapshot.version, length=len(body), hashes={"sha256": hashlib.sha256(body).hexdigest()}
        ),
    )
    metadata = Metadata(timestamp)
    metadata.sign(online_signer("timestamp"))
    _store(session, metadata, now)


def _half_life_left(row: TufMetadata, role: str, now: datetime) -> bool:
    lifetime = timedelta(hours=int(update_setting(_LIFETIME_SETTING[role])))
    return row.expires_at - now > lifetime / 2


def refresh(*, session: Session, now: datetime) -> list[str]:
    """Re-sign the online roles that passed half their lifetime (a role re-signed re-signs those below it).
    Returns the roles signed. Called before metadata is served and by `flask updates refresh`."""
    if latest(session, "root") is None:
        return []
    if not _half_life_left(latest(session, "targets"), "targets", now):
        publish(session=session, now=now)
        return list(ONLINE_ROLES)
    if not _half_life_left(latest(session, "snapshot"), "snapshot", now):
        _sign_snapshot(session, now)
        return ["snapshot", "timestamp"]
    if not _half_life_left(latest(session, "timestamp"), "timestamp", now):
        _sign_timestamp(session, now)
        return ["timestamp"]
    return []
