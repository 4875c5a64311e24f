"""The kiosk's TUF client (python-tuf ngclient) against the backend's repository: it installs only what the
repository signed, and refuses altered packages, frozen (expired) metadata, older versions offered as newer,
metadata rollbacks and mix-and-match snapshots."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.database import utcnow
from backend.updates.models import Release
from kiosk_app.updater.verification import ReleaseVerifier, UpdateRefused
from tests.backend.updates.update_kit import ClientFetcher, kiosk_package


def verifier(client, tmp_path, trusted_root, tamper=None) -> tuple[ReleaseVerifier, ClientFetcher]:
    fetcher = ClientFetcher(client, tamper)
    return ReleaseVerifier(tmp_path / "kiosk", "http://kiosk.test", trusted_root, fetcher=fetcher), fetcher


def test_a_signed_release_is_fetched_and_verified(client, tmp_path, trusted_root, upload, v2_package):
    release = upload("2.0.0", v2_package)
    kiosk, fetcher = verifier(client, tmp_path, trusted_root)
    package = kiosk.fetch(release["target_name"], offered_version="2.0.0", running_version="1.0.0")
    assert package == v2_package
    assert any(path.endswith(f"/targets/{release['sha256']}.kiosk_app-2.0.0.tar.gz") for path in fetcher.fetched)
    assert any(path.endswith("/timestamp.json") for path in fetcher.fetched)


def test_a_package_altered_after_signing_is_refused(client, session, tmp_path, trusted_root, upload, v2_package):
    upload("2.0.0", v2_package)
    stored = session.query(Release).one()
    altered = bytearray(stored.package)
    altered[-10] ^= 0xFF
    stored.package = bytes(altered)  # the file on the server changes; the signed hash does not
    session.flush()
    kiosk, _ = verifier(client, tmp_path, trusted_root)
    with pytest.raises(UpdateRefused, match="LengthOrHashMismatch|hash"):
        kiosk.fetch(stored.target_name, offered_version="2.0.0", running_version="1.0.0")
    assert not list((tmp_path / "kiosk" / "downloads").glob("*2.0.0*"))


def test_a_package_swapped_in_transit_is_refused(client, tmp_path, trusted_root, upload, v2_package):
    release = upload("2.0.0", v2_package)
    evil = kiosk_package("2.0.0", broken=True)

    def man_in_the_middle(path: str, body: bytes) -> bytes:
        return evil if "/targets/" in path else body

    kiosk, _ = verifier(client, tmp_path, trusted_root, man_in_the_middle)
    with pytest.raises(UpdateRefused):
        kiosk.fetch(release["target_name"], offered_version="2.0.0", running_version="1.0.0")


def test_an_expired_timestamp_is_refused_as_a_freeze(
    app, client, tmp_path, trusted_root, upload, v2_package, monkeypatch
):
    release = upload("2.0.0", v2_package)
    # The repository (or an attacker replaying it) serves metadata signed three days ago: expired now.
    monkeypatch.setitem(app.config, "UPDATE_TIMESTAMP_LIFETIME_H", 24)
    monkeypatch.setitem(app.config, "CLOCK", lambda: utcnow() - timedelta(days=3))
    upload("2.0.1", kiosk_package("2.0.1"))  # re-signs targets, snapshot, timestamp "three days ago"
    kiosk, _ = verifier(client, tmp_path, trusted_root)
    with pytest.raises(UpdateRefused, match="Expired"):
        kiosk.fetch(release["target_name"], offered_version="2.0.0", running_version="1.0.0")


def test_an_older_version_offered_as_newer_is_refused(client, tmp_path, trusted_root, upload, v1_package, v2_package):
    old = upload("1.0.0", v1_package)
    upload("2.0.0", v2_package)
    kiosk, _ = verifier(client, tmp_path, trusted_root)
    # The offer lies about the version: the signed target says 1.0.0.
    with pytest.raises(UpdateRefused, match="signed release is '1.0.0'"):
        kiosk.fetch(old["target_name"], offered_version="2.0.0", running_version="2.0.0")
    # Honest about the version, but it is a downgrade.
    with pytest.raises(UpdateRefused, match="not newer"):
        kiosk.fetch(old["target_name"], offered_version="1.0.0", running_version="2.0.0")


def test_metadata_rolled_back_to_an_older_version_is_refused(client, tmp_path, trusted_root, upload, v2_package):
    upload("2.0.0", v2_package)
    old_timestamp = client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data()
    release = upload("2.0.1", kiosk_package("2.0.1"))
    kiosk, _ = verifier(client, tmp_path, trusted_root)
    kiosk.fetch(release["target_name"], offered_version="2.0.1", running_version="1.0.0")  # sees the newest

    def replay_old_timestamp(path: str, body: bytes) -> bytes:
        return old_timestamp if path.endswith("/timestamp.json") else body

    replayed, _ = verifier(client, tmp_path, trusted_root, replay_old_timestamp)
    with pytest.raises(UpdateRefused, match="BadVersionNumber|version"):
        replayed.fetch(release["target_name"], offered_version="2.0.1", running_version="1.0.0")


def test_a_snapshot_from_another_timestamp_is_refused(client, tmp_path, trusted_root, upload, v2_package):
    upload("2.0.0", v2_package)
    first_snapshot = client.get("/api/v1/fleet/updates/tuf/1.snapshot.json").get_data()
    release = upload("2.0.1", kiosk_package("2.0.1"))
    latest = json.loads(client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data())
    latest_snapshot = latest["signed"]["meta"]["snapshot.json"]["version"]

    def mix_and_match(path: str, body: bytes) -> bytes:
        return first_snapshot if path.endswith(f"/{latest_snapshot}.snapshot.json") else body

    kiosk, _ = verifier(client, tmp_path, trusted_root, mix_and_match)
    with pytest.raises(UpdateRefused):
        kiosk.fetch(release["target_name"], offered_version="2.0.1", running_version="1.0.0")


def test_metadata_signed_with_another_key_is_refused(app, client, tmp_path, trusted_root, upload, v2_package):
    """A server whose online keys were replaced (not listed in the root the kiosk trusts) is not believed."""
    release = upload("2.0.0", v2_package)
    stolen = json.loads(client.get("/api/v1/fleet/updates/tuf/timestamp.json").get_data())
    stolen["signatures"][0]["sig"] = "00" * 64

    def forged(path: str, body: bytes) -> bytes:
        return json.dumps(stolen).encode() if path.endswith("/timestamp.json") else body

    kiosk, _ = verifier(client, tmp_path, trusted_root, forged)
    with pytest.raises(UpdateRefused, match="Unsigned|signature|threshold"):
        kiosk.fetch(release["target_name"], offered_version="2.0.0", running_version="1.0.0")
