"""Update test kit: kiosk_app packages built from this tree (optionally broken), a TUF fetcher over the Flask
test client (the bytes a real HTTP fetch would carry, with a hook for a man in the middle), and a simulated
kiosk: an enrolled fleet agent, its A/B slots on v1 and its update agent with the real TUF client."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from tuf.api.exceptions import DownloadHTTPError
from tuf.ngclient.fetcher import FetcherInterface

from kiosk_app.updater.agent import UpdateAgent, UpdateHooks
from kiosk_app.updater.slots import SlotStore
from kiosk_app.updater.verification import ReleaseVerifier
from tests.backend.fleet.fleet_data import enrolled_agent

KIOSK_APP = Path(__file__).resolve().parents[3] / "kiosk_app"
# A regression that breaks reading the chip: the release installs and imports, its health check fails.
BROKEN_CHIP_READS = b"""

def _broken_identify_by_chip(self):
    raise RuntimeError("chip reads broken in this release")


IdentityReader.identify_by_chip = _broken_identify_by_chip
"""


def kiosk_package(version: str, *, broken: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(KIOSK_APP.rglob("*")):
            relative = path.relative_to(KIOSK_APP.parent)
            if "__pycache__" in relative.parts or path.name == "VERSION" or path.is_dir():
                continue
            data = path.read_bytes()
            if broken and relative.as_posix() == "kiosk_app/services/devices.py":
                data += BROKEN_CHIP_READS
            _add(archive, relative.as_posix(), data)
        _add(archive, "kiosk_app/VERSION", f"{version}\n".encode())
    return buffer.getvalue()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    archive.addfile(info, io.BytesIO(data))


class ClientFetcher(FetcherInterface):
    """ngclient's fetcher over a Flask test client. `tamper(path, body)` may replace what is served."""

    def __init__(self, client, tamper: Callable[[str, bytes], bytes] | None = None) -> None:
        self.client, self.tamper = client, tamper
        self.fetched: list[str] = []

    def _fetch(self, url: str):
        path = urlparse(url).path
        self.fetched.append(path)
        response = self.client.get(path)
        if response.status_code != 200:
            raise DownloadHTTPError(f"HTTP {response.status_code} for {path}", response.status_code)
        body = response.get_data()
        return iter([self.tamper(path, body) if self.tamper else body])


class SimulatedKiosk:
    """A kiosk on v1 in its slot A, enrolled, with the update agent wired as the app would wire it."""

    def __init__(self, client, admin_headers, hospital_code: str, folder: Path, trusted_root: bytes, v1: bytes) -> None:
        self.fleet, self.hooks = enrolled_agent(client, admin_headers, hospital_code, folder / "identity")
        self.slots = SlotStore(folder / "software")
        self.slots.initialise(v1)
        self.fleet.app_version = self.slots.version_of("A")
        self.fetcher = ClientFetcher(client)
        self.restarts = 0
        self.idle = True

        def heartbeat(version: str) -> bool:
            self.fleet.app_version = version
            return self.fleet.heartbeat().accepted

        def restart() -> None:
            self.restarts += 1

        self.agent = UpdateAgent(
            self.slots,
            call=self.fleet.channel.call,
            verifier=ReleaseVerifier(folder / "identity", "http://kiosk.test", trusted_root, fetcher=self.fetcher),
            hooks=UpdateHooks(is_idle=lambda: self.idle, heartbeat=heartbeat, restart=restart),
        )

    @property
    def kiosk_id(self) -> str:
        return self.fleet.kiosk_id

    def running(self) -> str:
        return self.slots.version_of(self.slots.active_slot())

    def update_cycle(self) -> tuple[str, str]:
        """One check; when it switched, the restart: boot guard and health check."""
        outcome = self.agent.check_once()
        if outcome != "switched":
            return outcome, "running"
        return outcome, self.agent.after_start(self.slots.boot())
