import io
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from hardware.camera import SimulatedCamera
from hardware.cli import main
from hardware.qr import decode, public_jwk, sign_compact

REPO = Path(__file__).resolve().parents[3]


def test_scan_qr_simulator_masks_the_id(capsys):
    assert main(["scan-qr", "--simulator", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "payload (cccd)" in out
    assert "0011******45" in out and "001190012345" not in out
    assert "Nguyễn Thị Ánh Tuyết" in out and "1990-03-12" in out


def test_scan_qr_image_with_a_verified_signed_qr(tmp_path, capsys):
    key = Ed25519PrivateKey.generate()
    now = int(time.time())
    token = sign_compact(
        {
            "iss": "congdan",
            "sub": "079203001122",
            "name": "Trần Văn Bình",
            "dob": "2003-06-05",
            "lvl": 2,
            "iat": now,
            "exp": now + 120,
            "jti": "t-1",
        },
        key,
        "k1",
    )
    frame = SimulatedCamera([token], seed=2).read()
    assert decode(frame) == [token]
    image = tmp_path / "signed.png"
    cv2.imwrite(str(image), frame)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public_jwk(key, "k1")]}))
    assert main(["scan-qr", "--image", str(image), "--jwks", str(jwks), "--show-personal-data"]) == 0
    out = capsys.readouterr().out
    assert "payload (signed_identity)" in out
    assert "verified with key k1" in out and "079203001122" in out and "account_level: 2" in out


def test_scan_qr_reports_invalid_card_qr(tmp_path, capsys):
    frame = SimulatedCamera(["001190012345||Lê Thị Hoa|12031991|Nữ|Huế|15042021"], seed=1).read()
    image = tmp_path / "bad.png"
    cv2.imwrite(str(image), frame)
    assert main(["scan-qr", "--image", str(image)]) == 0
    assert "invalid: NotACccdQr" in capsys.readouterr().out


def test_scan_qr_without_a_code(tmp_path, capsys):
    image = tmp_path / "blank.png"
    cv2.imwrite(str(image), np.full((100, 100), 255, np.uint8))
    assert main(["scan-qr", "--image", str(image)]) == 1
    assert "no QR code found" in capsys.readouterr().out


def test_scan_qr_missing_camera_is_an_error(capsys):
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    assert main(["scan-qr", "--camera", "63"]) == 1
    assert "cannot be opened" in capsys.readouterr().err


def test_print_ticket_demo_on_dummy_with_preview(tmp_path, capsys):
    preview = tmp_path / "ticket.png"
    assert main(["print-ticket", "--printer", "dummy", "--demo", "--preview", str(preview)]) == 0
    out = capsys.readouterr().out
    assert "dummy printer recorded" in out and "QT-20240715-NOI-0042" in out
    image = np.array(Image.open(io.BytesIO(preview.read_bytes())).convert("L"))
    assert decode(image) == ["QT-20240715-NOI-0042"]


def test_print_ticket_needs_a_printer(monkeypatch, capsys):
    monkeypatch.delenv("CONGDAN_PRINTER", raising=False)
    assert main(["print-ticket", "--demo"]) == 1
    assert "no printer given" in capsys.readouterr().err


def test_print_ticket_bad_spec(capsys):
    assert main(["print-ticket", "--printer", "lp", "--demo"]) == 1
    assert "not one of" in capsys.readouterr().err


def test_probe(monkeypatch, capsys):
    monkeypatch.setenv("CONGDAN_PRINTER", "dummy")
    monkeypatch.setenv("CONGDAN_CAMERA", "simulator")
    assert main(["probe", "--max-index", "0"]) == 0
    out = capsys.readouterr().out
    assert "cameras (indices below 0): none found" in out
    assert "configured camera: CameraSpec(kind='simulator'" in out
    assert "card readers:" in out
    assert "configured printer: dummy, status unknown" in out


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "scan-qr" in capsys.readouterr().out


def test_python_dash_m_hardware():
    result = subprocess.run(
        [sys.executable, "-m", "hardware", "print-ticket", "--printer", "dummy", "--demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "printed ticket" in result.stdout


def test_smartcard_commands_are_optional(monkeypatch):
    from hardware import cli

    def broken(commands):
        raise RuntimeError("half-built plug-in")

    fake = type(sys)("hardware.smartcard.cli")
    fake.add_commands = broken
    monkeypatch.setitem(sys.modules, "hardware.smartcard.cli", fake)
    parser = cli.build_parser()  # logs the failure, keeps our commands
    assert parser.parse_args(["scan-qr", "--simulator"]).simulator


@pytest.mark.parametrize("attribute", ["handler", "func"])
def test_smartcard_commands_are_dispatched(monkeypatch, capsys, attribute):
    def add_commands(commands):
        read_card = commands.add_parser("read-card")
        read_card.set_defaults(**{attribute: lambda args: print("read-card ran") or 0})

    fake = type(sys)("hardware.smartcard.cli")
    fake.add_commands = add_commands
    monkeypatch.setitem(sys.modules, "hardware.smartcard.cli", fake)
    assert main(["read-card"]) == 0
    assert "read-card ran" in capsys.readouterr().out
