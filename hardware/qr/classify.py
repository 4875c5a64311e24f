"""Tell what kind of QR a payload is, by its shape, before parsing it (so a damaged card QR still gets the
card parser's precise error instead of "unknown QR")."""

from __future__ import annotations

import re
from enum import Enum

from hardware.qr.document import DOCUMENT_TOKEN_TYPE, is_document_link
from hardware.qr.errors import MalformedToken
from hardware.qr.signed import IDENTITY_TOKEN_TYPE, MAX_TOKEN_CHARS, read_header

_CCCD_SHAPE = re.compile(r"\s*[0-9]{12}\|")
_JWS_SHAPE = re.compile(r"\s*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\s*")


class QrKind(str, Enum):
    CCCD = "cccd"  # the chip ID card's QR (Căn cước công dân)
    SIGNED_IDENTITY = "signed_identity"  # the app's signed identity QR
    DOCUMENT_LINK = "document_link"  # an e-document's verification link
    SIGNED_DOCUMENT = "signed_document"  # an e-document's signed payload, for offline checks
    UNKNOWN = "unknown"


def classify_qr(text: str) -> QrKind:
    if not isinstance(text, str):
        return QrKind.UNKNOWN
    if _CCCD_SHAPE.match(text) and text.count("|") >= 6:
        return QrKind.CCCD
    if len(text) <= MAX_TOKEN_CHARS and _JWS_SHAPE.fullmatch(text):
        try:
            header = read_header(text.strip())
        except MalformedToken:
            return QrKind.UNKNOWN
        if header.get("typ") == IDENTITY_TOKEN_TYPE:
            return QrKind.SIGNED_IDENTITY
        if header.get("typ") == DOCUMENT_TOKEN_TYPE:
            return QrKind.SIGNED_DOCUMENT
    if len(text) <= 300 and is_document_link(text):
        return QrKind.DOCUMENT_LINK
    return QrKind.UNKNOWN
