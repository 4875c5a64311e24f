"""The two QR codes on an issued e-document: the short verification link a phone opens
(``https://<host>/v/<short id>.<key>``) and the signed payload (a JWS, typ ``congdan-doc+jws``) that an offline
verifier checks against the JWKS without the network."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hardware.qr.errors import MalformedToken
from hardware.qr.signed import _hardware_errors
from shared_schemas import signed as jws

DOCUMENT_TOKEN_TYPE = jws.DOCUMENT_TOKEN_TYPE
_CODE = "[0-9A-HJKMNP-TV-Z]{8}"  # Crockford base32, as the backend mints them
_LINK = re.compile(rf"\s*(https?://[^\s/]+(?:/[^\s]*?)?)/v/({_CODE})\.({_CODE})\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentLink:
    """A parsed verification link: where to open it, and the document's short id."""

    url: str
    base_url: str
    short_id: str


@dataclass(frozen=True)
class DocumentQrClaims:
    """The verified claims of a document's signed QR (offline)."""

    issuer: str
    doc_type: str
    document_id: str
    holder: str  # the holder's masked personal ID
    issued_at: int
    expires_at: int
    content_sha256: str
    key_id: str


def parse_document_link(text: str) -> DocumentLink:
    """The link from its QR text (which may be upper-cased to pack tighter); MalformedToken otherwise."""
    match = _LINK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise MalformedToken("not a document verification link")
    base, short_id, key = match.group(1), match.group(2).upper(), match.group(3).upper()
    scheme, _, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    # Scheme and host are case-insensitive; a base path is kept as printed (upper case only when it had none).
    base = f"{scheme.lower()}://{host.lower()}{slash}{path}"
    return DocumentLink(url=f"{base}/v/{short_id}.{key}", base_url=base, short_id=short_id)


def is_document_link(text: str) -> bool:
    try:
        parse_document_link(text)
    except MalformedToken:
        return False
    return True


def verify_document_qr(
    token: str | bytes, jwks: Mapping[str, Any], now: float | datetime, *, leeway_s: float = jws.DEFAULT_LEEWAY_S
) -> DocumentQrClaims:
    """Verify a document's signed QR offline: signature by a key of the JWKS, claims, validity period.
    An expired document raises TokenExpired (the signature was good)."""
    with _hardware_errors():
        verified = jws.verify_document_token(token, jwks, now, leeway_s=leeway_s)
        claims = verified.claims
        return DocumentQrClaims(
            issuer=str(claims.get("iss", "")),
            doc_type=claims["doc"],
            document_id=claims["did"],
            holder=claims["hid"],
            issued_at=jws.claim_int(claims, "iat"),
            expires_at=jws.claim_int(claims, "exp"),
            content_sha256=claims["sha256"],
            key_id=verified.kid,
        )
