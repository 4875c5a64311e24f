"""Fetching a release the TUF way (python-tuf's ngclient): the kiosk trusts the root.json it shipped with (and
the roots that root signed after it), walks timestamp -> snapshot -> targets, and downloads the package only
through the verified target info (length and SHA-256). So it refuses a package altered after signing, metadata
past its expiry (a freeze), a lower metadata version than it has seen (a rollback), and metadata of one
snapshot mixed with another's. On top of TUF, the version the signed target names must be the offered one and
newer than the running one: an old release offered as new is refused too."""

from __future__ import annotations

import logging
from pathlib import Path

from tuf.api import exceptions as tuf_errors
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

log = logging.getLogger(__name__)

METADATA_PATH = "/api/v1/fleet/updates/tuf/"
TARGETS_PATH = "/api/v1/fleet/updates/tuf/targets/"


class UpdateRefused(Exception):
    """The offered release failed verification; nothing was installed."""


def version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


class ReleaseVerifier:
    def __init__(
        self, data_dir: Path | str, base_url: str, trusted_root: bytes, *, fetcher: FetcherInterface | None = None
    ) -> None:
        self.metadata_dir = Path(data_dir) / "tuf-metadata"
        self.download_dir = Path(data_dir) / "downloads"
        self.base_url = base_url.rstrip("/")
        self.trusted_root, self.fetcher = trusted_root, fetcher

    def _updater(self) -> Updater:
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        self.download_dir.mkdir(parents=True, exist_ok=True)
        # After the first run ngclient keeps the newest root it verified in its folder: start from that.
        cached = (self.metadata_dir / "root.json").exists()
        return Updater(
            metadata_dir=str(self.metadata_dir),
            metadata_base_url=self.base_url + METADATA_PATH,
            target_dir=str(self.download_dir),
            target_base_url=self.base_url + TARGETS_PATH,
            fetcher=self.fetcher,
            bootstrap=None if cached else self.trusted_root,
        )

    def fetch(self, target_name: str, *, offered_version: str, running_version: str) -> bytes:
        """The verified package bytes, or UpdateRefused."""
        try:
            updater = self._updater()
            updater.refresh()
            info = updater.get_targetinfo(target_name)
            if info is None:
                raise UpdateRefused(f"{target_name} is not among the signed releases")
            signed_version = str((info.custom or {}).get("version", ""))
            if signed_version != offered_version:
                raise UpdateRefused(f"the signed release is {signed_version!r}, the offer said {offered_version!r}")
            if version_key(signed_version) <= version_key(running_version):
                raise UpdateRefused(f"{signed_version} is not newer than the running {running_version}")
            path = updater.find_cached_target(info) or updater.download_target(info)
        except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as exc:
            raise UpdateRefused(f"{type(exc).__name__}: {exc}"[:250]) from exc
        return Path(path).read_bytes()
