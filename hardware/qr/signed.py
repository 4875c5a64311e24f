"""The app's signed identity QR: a JWS compact token (``header.payload.signature``, base64url) signed with
Ed25519, verified offline against a JWKS with an explicit clock.

Header ``{"alg":"EdDSA","kid":...,"typ":"congdan-id+jws"}``; claims ``iss sub name dob lvl iat exp jti``.
The JWS machinery itself lives in :mod:`shared_schemas.signed` (shared with the backend, which mints these
tokens); this module types the identity claims and maps errors onto the hardware error tree."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware.qr import errors
from hardware.qr.errors import InvalidClaims
from shared_schemas import personal_id as personal_id_rules
from shared_schemas import signed as jws
from shared_schemas.signed import (  # noqa: F401 - re-exported: the public API of this module
    ALGORITHM,
    IDENTITY_TOKEN_TYPE,
    MAX_TOKEN_CHARS,
    b64url_decode,
    b64url_encode,
    public_jwk,
)
from shared_schemas.text import mask_personal_id

logger = logging.getLogger(__name__)

DEFAULT_LEEWAY_S = jws.DEFAULT_LEEWAY_S
#: A token is meant to live ~120 s; one claiming a much longer life was not minted by our app.
DEFAULT_MAX_LIFETIME_S = 600

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The shared errors, as the hardware error tree names them (callers catch hardware.qr errors).
_ERRORS: dict[type[jws.JwsError], type[errors.SignedQrError]] = {
    jws.MalformedToken: errors.MalformedToken,
    jws.WrongTokenType: errors.WrongTokenType,
    jws.UnknownKey: errors.UnknownKey,
    jws.InvalidKeySet: errors.InvalidKeySet,
    jws.BadSignature: errors.BadSignature,
    jws.InvalidClaims: errors.InvalidClaims,
    jws.TokenExpired: errors.TokenExpired,
    jws.TokenNotYetValid: errors.TokenNotYetValid,
}


@dataclass(frozen=True)
class IdentityQrClaims:
    """The verified claims of an identity QR."""

    issuer: str
    personal_id: str
    full_name: str
    date_of_birth: date
    account_level: int
    issued_at: int
    expires_at: int
    token_id: str
    key_id: str

    def __repr__(self) -> str:  # keep personal data out of logs and tracebacks
        return f"IdentityQrClaims(personal_id={mask_personal_id(self.personal_id)!r}, jti={self.token_id!r}, ...)"


def sign_compact(
    claims: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str, typ: str = IDENTITY_TOKEN_TYPE
) -> str:
    """Serialize and sign ``claims`` as a JWS compact token (used by the backend and by tests)."""
    return jws.sign_compact(claims, private_key, kid, typ)


def read_header(token: str) -> dict[str, Any]:
    """The unverified header of a token; MalformedToken if it is not one."""
    with _hardware_errors():
        return jws.read_header(token)


def verify_identity_qr(
    token: str | bytes,
    jwks: Mapping[str, Any],
    now: float | datetime,
    *,
    leeway_s: float = DEFAULT_LEEWAY_S,
    max_lifetime_s: float = DEFAULT_MAX_LIFETIME_S,
    expected_issuer: str | None = None,
) -> IdentityQrClaims:
    """Verify an identity QR offline. ``now`` is unix seconds or an aware datetime (the caller's clock)."""
    jws.unix_seconds(now)  # a bad clock is the caller's bug: fail before looking at the token
    with _hardware_errors():
        verified = jws.verify_signature(token, jwks, typ=IDENTITY_TOKEN_TYPE)
        result = _typed_claims(verified.claims, verified.kid)
        jws.check_lifetime(
            verified.claims, now, leeway_s=leeway_s, max_lifetime_s=max_lifetime_s, expected_issuer=expected_issuer
        )
    logger.debug("identity QR %s verified for %s", result.token_id, mask_personal_id(result.personal_id))
    return result


class _hardware_errors:
    """Re-raise shared JWS errors as their hardware.qr counterparts (same message)."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, _tb):
        if exc is not None and isinstance(exc, jws.JwsError) and not isinstance(exc, errors.SignedQrError):
            raise _ERRORS.get(type(exc), errors.SignedQrError)(str(exc)) from None
        return False


def _typed_claims(claims: Mapping[str, Any], kid: str) -> IdentityQrClaims:
    def text(name: str) -> str:
        value = claims.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidClaims(f"claim {name!r} must be a non-empty string")
        return unicodedata.normalize("NFC", value.strip())

    personal_id = text("sub")
    try:
        personal_id_rules.parse(personal_id)
    except personal_id_rules.PersonalIdError:
        raise InvalidClaims("claim 'sub' must be a 12-digit personal ID") from None
    dob_text = text("dob")
    try:
        if not _ISO_DATE.fullmatch(dob_text):
            raise ValueError(dob_text)
        date_of_birth = date.fromisoformat(dob_text)
    except ValueError:
        raise InvalidClaims("claim 'dob' must be a date YYYY-MM-DD") from None
    try:
        personal_id_rules.validate(personal_id, date_of_birth=date_of_birth)
    except personal_id_rules.PersonalIdError as exc:
        raise InvalidClaims(f"claim 'sub' does not match 'dob': {exc}") from None
    level = claims.get("lvl")
    if not isinstance(level, int) or isinstance(level, bool) or level not in (1, 2):
        raise InvalidClaims("claim 'lvl' must be 1 or 2")
    try:
        issued_at, expires_at = jws.claim_int(claims, "iat"), jws.claim_int(claims, "exp")
    except jws.InvalidClaims as exc:
        raise InvalidClaims(str(exc)) from None
    return IdentityQrClaims(
        issuer=text("iss"),
        personal_id=personal_id,
        full_name=text("name"),
        date_of_birth=date_of_birth,
        account_level=level,
        issued_at=issued_at,
        expires_at=expires_at,
        token_id=text("jti"),
        key_id=kid,
    )
