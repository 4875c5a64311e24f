"""Fixtures for the chip-card tests: a test PKI, the demo citizen, simulated chips, and (session-scoped)
pcscd with the vpcd virtual reader serving a simulated chip."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hardware.smartcard.passive_auth import TrustStore
from hardware.smartcard.simulator import DemoCitizen, build_chip, build_test_pki
from hardware.smartcard.transport import SimulatedTransport

PCSCD_PID_FILE = Path("/run/pcscd/pcscd.pid")
VPCD_PORT = 35963  # reader "Virtual PCD 00 00" in Debian's /etc/reader.conf.d/vpcd


@pytest.fixture(scope="session")
def pki():
    return build_test_pki("ec")


@pytest.fixture(scope="session")
def citizen():
    return DemoCitizen()


@pytest.fixture(scope="session")
def trust_store(pki):
    return TrustStore([pki.csca_certificate])


@pytest.fixture()
def make_transport(citizen, pki):
    """Build a simulated chip with options and return a transport to it: make_transport(**chip_options)."""

    def make(**options):
        options.setdefault("citizen", citizen)
        options.setdefault("pki", pki)
        chip = build_chip(options.pop("citizen"), options.pop("pki"), **options)
        return SimulatedTransport(chip)

    return make


def _pcscd_running() -> bool:
    """A pcscd named by its pid file is alive. The process must be pcscd itself: a pid file left by a pcscd that
    was killed can name a process that reused its pid, and trusting it left the virtual reader unlisted."""
    try:
        pid = int(PCSCD_PID_FILE.read_text().strip())
        return Path(f"/proc/{pid}/comm").read_text().strip() == "pcscd"
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="session")
def vpcd_card(pki, citizen):
    """pcscd with the vpcd driver, and our simulated chip served on its first virtual reader.
    Yields (reader name, the chip's server)."""
    from hardware.smartcard.simulator.vpcd import VpcdCardServer

    pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
    if pcscd is None or not Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists():
        pytest.fail(
            "pcscd or the vsmartcard-vpcd driver is not installed: run `make test`, which installs "
            "pcscd, vsmartcard-vpcd and libpcsclite-dev"
        )
    pytest.importorskip("smartcard", reason="pyscard is not installed (pip install congdan[pcsc])")
    ours = None
    if not _pcscd_running():
        ours = subprocess.Popen(
            [pcscd, "--foreground", "--error"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = VpcdCardServer(lambda: build_chip(citizen, pki), port=VPCD_PORT)
    server.start()
    try:
        reader = _wait_for_card(timeout=15.0)
        yield reader, server
    finally:
        server.stop()
        if ours is not None:
            ours.send_signal(signal.SIGTERM)
            try:
                ours.wait(timeout=5)
            except subprocess.TimeoutExpired:
                ours.kill()
                ours.wait()
            if PCSCD_PID_FILE.exists() and not _pcscd_running():
                PCSCD_PID_FILE.unlink(missing_ok=True)


def _wait_for_card(timeout: float) -> str:
    """Poll until pcscd lists the virtual reader with a card in it (pcscd polls vpcd every ~0.4 s)."""
    from smartcard.Exceptions import CardConnectionException, NoCardException, SmartcardException
    from smartcard.pcsc.PCSCExceptions import BaseSCardException
    from smartcard.System import readers

    deadline = time.monotonic() + timeout
    last = "pcscd did not start"
    while time.monotonic() < deadline:
        try:
            for reader in readers():
                if "Virtual PCD 00 00" in str(reader):
                    connection = reader.createConnection()
                    try:
                        connection.connect()
                        connection.disconnect()
                        return str(reader)
                    except (NoCardException, CardConnectionException) as exc:
                        last = f"no card yet: {exc}"
                    finally:
                        connection.component.release()
            else:
                last = "the virtual reader is not listed yet"
        except (BaseSCardException, SmartcardException) as exc:
            last = f"pcscd not ready: {exc}"
        time.sleep(0.05)
    pytest.fail(f"the simulated card did not appear in the virtual reader within {timeout} s ({last})")
