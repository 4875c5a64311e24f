"""Errors of QR decoding and of the parsers for the CCCD card QR and the app's signed identity QR."""

from __future__ import annotations

from hardware.errors import HardwareError


class QrError(HardwareError):
    """Base of every QR error."""

    user_message_vi = "Không đọc được mã QR. Vui lòng thử lại."
    user_message_en = "The QR code could not be read. Please try again."


class UnreadableQr(QrError):
    """No QR code was found, or its bytes are not text we can trust (empty, mangled, not UTF-8)."""


class NotACccdQr(QrError):
    """The payload is text but not the QR of a chip ID card (CCCD); the message says which part is wrong."""

    user_message_vi = "Mã QR không phải của thẻ Căn cước công dân."
    user_message_en = "This QR code is not from a citizen identity card."


class SignedQrError(QrError):
    """Base of the errors of the app's signed identity QR (a JWS compact token)."""

    user_message_vi = "Mã QR định danh không hợp lệ."
    user_message_en = "The identity QR code is not valid."


class MalformedToken(SignedQrError):
    """Not three base64url parts, or the header/payload is not a JSON object."""


class WrongTokenType(SignedQrError):
    """The header's ``typ`` or ``alg`` is not the one of our identity QR."""


class UnknownKey(SignedQrError):
    """The ``kid`` names no key of the trusted key set."""


class InvalidKeySet(SignedQrError):
    """The trusted key set (JWKS) itself is malformed: a configuration error, not the citizen's."""


class BadSignature(SignedQrError):
    """The Ed25519 signature does not match: tampered, or signed by another key."""


class InvalidClaims(SignedQrError):
    """The signature is good but a claim is missing or has the wrong type or value."""


class TokenExpired(SignedQrError):
    """``exp`` is past (beyond the leeway)."""

    user_message_vi = "Mã QR định danh đã hết hạn. Vui lòng làm mới mã trên ứng dụng."
    user_message_en = "The identity QR code has expired. Please refresh it in the app."


class TokenNotYetValid(SignedQrError):
    """``iat`` (or ``nbf``) is in the future (beyond the leeway): the phone's or the kiosk's clock is off."""
