"""QR codes: ``decode(frame)`` finds them in camera frames; parsers turn the chip ID card's QR, the app's
signed identity QR and an e-document's link and signed payload into typed records."""

from hardware.qr.cccd import CccdQrRecord, format_cccd_qr, parse_cccd_qr
from hardware.qr.classify import QrKind, classify_qr
from hardware.qr.document import DocumentLink, DocumentQrClaims, parse_document_link, verify_document_qr
from hardware.qr.errors import (
    BadSignature,
    InvalidClaims,
    InvalidKeySet,
    MalformedToken,
    NotACccdQr,
    QrError,
    SignedQrError,
    TokenExpired,
    TokenNotYetValid,
    UnknownKey,
    UnreadableQr,
    WrongTokenType,
)
from hardware.qr.signed import IdentityQrClaims, public_jwk, sign_compact, verify_identity_qr

__all__ = [
    "BadSignature",
    "CccdQrRecord",
    "DocumentLink",
    "DocumentQrClaims",
    "IdentityQrClaims",
    "InvalidClaims",
    "InvalidKeySet",
    "MalformedToken",
    "NotACccdQr",
    "QrError",
    "QrKind",
    "SignedQrError",
    "TokenExpired",
    "TokenNotYetValid",
    "UnknownKey",
    "UnreadableQr",
    "WrongTokenType",
    "classify_qr",
    "decode",
    "decode_one",
    "format_cccd_qr",
    "parse_cccd_qr",
    "parse_document_link",
    "public_jwk",
    "sign_compact",
    "verify_document_qr",
    "verify_identity_qr",
]


def __getattr__(name: str):
    # decode() needs OpenCV and zbar; the parsers (used by the chip reader too) should not pay for them.
    if name in ("decode", "decode_one"):
        from hardware.qr import scan

        return getattr(scan, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
