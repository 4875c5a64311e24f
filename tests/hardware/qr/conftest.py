"""Fixtures for the QR tests: signing keys and a JWKS, sample card payloads, QR images."""

from __future__ import annotations

import io

import numpy as np
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from hardware.qr.signed import public_jwk

#: Female, born 1990 (digit 4 = 1: female in the 1900s, digits 5-6 = 90), registered in Hà Nội (001).
CARD_PAYLOAD = (
    "001190012345|012345678|Nguyễn Thị Ánh Tuyết|12031990|Nữ|"
    "Số 12 Phố Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Hà Nội|15042021"
)


def _qr_image(payload: str, *, scale: int = 4, encoding: str | None = "utf-8") -> np.ndarray:
    """A clean grey QR image; UTF-8 without ECI by default, as on the card."""
    code = segno.make(payload, error="m", micro=False, encoding=encoding)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return np.array(Image.open(buffer).convert("L"))


@pytest.fixture(scope="session")
def qr_image():
    """``qr_image(payload, scale=4, encoding="utf-8") -> grey numpy image``."""
    return _qr_image


@pytest.fixture(scope="session")
def card_payload() -> str:
    return CARD_PAYLOAD


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def jwks(signing_key: Ed25519PrivateKey) -> dict:
    return {"keys": [public_jwk(signing_key, "congdan-2024-01")]}


@pytest.fixture
def claims() -> dict:
    return {
        "iss": "https://id.congdan.example",
        "sub": "001190012345",
        "name": "Nguyễn Thị Ánh Tuyết",
        "dob": "1990-03-12",
        "lvl": 2,
        "iat": 1_720_000_000,
        "exp": 1_720_000_120,
        "jti": "b2c6a3a4-7d1f-4c55-9d0e-5d0f7f1c9a11",
    }
