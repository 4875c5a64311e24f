"""DG15: the active authentication public key (SubjectPublicKeyInfo, RSA or EC)."""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedData
from hardware.smartcard.lds import DATA_GROUPS


def parse(raw: bytes) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    root = tlv.parse_single(raw, DATA_GROUPS[15].tag)
    try:
        key = serialization.load_der_public_key(root.value)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise MalformedData(f"DG15 does not hold a public key: {exc}") from exc
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise MalformedData(f"DG15 key type {type(key).__name__} is not supported")
    return key


def encode(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return tlv.encode(DATA_GROUPS[15].tag, spki)
