"""The simulator's test PKI kept in a folder, so that separate processes (the demo backend and the demo
kiosk) share one CSCA: the backend trusts the CSCA certificate, the kiosk's software chip is signed by its
Document Signer. Made on first use; a test PKI for demos, never a real one."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hardware.smartcard.simulator.lds_factory import TestPki, build_test_pki

CSCA_CERTIFICATE = "csca.pem"  # the only file a verifier needs (point CSCA_STORE_DIR-style settings at it)
_PRIVATE = "private"  # the signing keys, in a subfolder a trust store never reads


@functools.lru_cache(maxsize=1)
def process_pki() -> TestPki:
    """One throwaway PKI per process: what in-process simulators and verifiers share when no folder is set."""
    return build_test_pki()


def load_or_create(folder: str | Path) -> TestPki:
    """The PKI stored in `folder`, made there (keys mode 0600) if it is not there yet."""
    folder = Path(folder)
    private = folder / _PRIVATE
    if not (private / "ds.pem").exists():
        _create(folder)
    for _ in range(100):  # another process may still be writing the set
        if (private / "ds.pem").exists():
            break
        time.sleep(0.02)
    return TestPki(
        csca_key=_load_key(private / "csca-key.pem"),
        csca_certificate=x509.load_pem_x509_certificate((folder / CSCA_CERTIFICATE).read_bytes()),
        ds_key=_load_key(private / "ds-key.pem"),
        ds_certificate=x509.load_pem_x509_certificate((private / "ds.pem").read_bytes()),
    )


def _create(folder: Path) -> None:
    pki = build_test_pki(csca_name="CSCA Simulator Vietnam (demo, not trusted for real cards)")
    private = folder / _PRIVATE
    private.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = serialization.Encoding.PEM
    files = {
        private / "csca-key.pem": pki.csca_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private / "ds-key.pem": pki.ds_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        folder / CSCA_CERTIFICATE: pki.csca_certificate.public_bytes(pem),
        private / "ds.pem": pki.ds_certificate.public_bytes(pem),  # written last: marks the set complete
    }
    try:
        for path, data in files.items():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    except FileExistsError:
        pass  # another process is making the same folder; its files win (read after it finishes)


def _load_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)
