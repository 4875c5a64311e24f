"""The read-card command."""

import argparse
import io

from hardware.smartcard.cli import add_commands


def _run(*argv):
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["read-card", *argv])
    out = io.StringIO()
    return args.func(args, out), out.getvalue()


def test_read_card_simulator(tmp_path):
    face = tmp_path / "face.png"
    code, text = _run("--simulator", "--face-out", str(face))
    assert code == 0, text
    assert "Nguyễn Văn An" in text and "Passive authentication: PASSED" in text
    assert face.read_bytes().startswith(b"\x89PNG")


def test_read_card_with_qr_key(citizen):
    code, text = _run("--simulator", "--qr", citizen.qr_text())
    assert code == 0, text


def test_wrong_key_is_a_readable_error():
    code, text = _run("--simulator", "--mrz-doc", "000000000", "--mrz-dob", "900101", "--mrz-expiry", "300101")
    assert code == 2
    assert "Không mở được chip" in text


def test_untrusted_store(tmp_path, pki):
    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp_path / "csca.pem").write_bytes(pki.csca_certificate.public_bytes(Encoding.PEM))
    code, text = _run("--simulator", "--trust-store", str(tmp_path))
    assert code == 1 and "NOT VERIFIED" in text and "[failed ] signer_trusted" in text


def test_trust_store_folder(tmp_path, pki):
    import pytest
    from cryptography.hazmat.primitives.serialization import Encoding

    from hardware.smartcard.errors import TrustStoreError
    from hardware.smartcard.passive_auth import TrustStore

    (tmp_path / "a.pem").write_bytes(pki.csca_certificate.public_bytes(Encoding.PEM))
    (tmp_path / "b.der").write_bytes(pki.ds_certificate.public_bytes(Encoding.DER))
    (tmp_path / "notes.txt").write_text("ignored")
    assert len(TrustStore.from_directory(tmp_path).certificates) == 2
    with pytest.raises(TrustStoreError):
        TrustStore.from_directory(tmp_path / "missing")
    (tmp_path / "c.cer").write_bytes(b"not a certificate")
    with pytest.raises(TrustStoreError):
        TrustStore.from_directory(tmp_path)


def test_read_card_with_a_qr_that_is_not_a_card_qr():
    code, text = _run("--simulator", "--qr", "001090123456|x|y")
    assert code == 2 and "not a card QR code" in text
