"""The app's signed identity QR: a JWS compact token (``header.payload.signature``, base64url) signed with
Ed25519, verified offline against a JWKS with an explicit clock.

Header ``{"alg":"EdDSA","kid":...,"typ":"congdan-id+jws"}``; claims ``iss sub name dob lvl iat exp jti``."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hardware.qr.errors import (
    BadSignature,
    InvalidClaims,
    InvalidKeySet,
    MalformedToken,
    TokenExpired,
    TokenNotYetValid,
    UnknownKey,
    WrongTokenType,
)
from shared_schemas import personal_id as personal_id_rules
from shared_schemas.text import mask_personal_id

logger = logging.getLogger(__name__)

IDENTITY_TOKEN_TYPE = "congdan-id+jws"
ALGORITHM = "EdDSA"
DEFAULT_LEEWAY_S = 10
#: A token is meant to live ~120 s; one claiming a much longer life was not minted by our app.
DEFAULT_MAX_LIFETIME_S = 600
#: A QR holds at most ~3 KB; refusing longer input bounds the work done on hostile payloads.
MAX_TOKEN_CHARS = 4096

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url (RFC 7515 §2); ValueError otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def sign_compact(
    claims: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str, typ: str = IDENTITY_TOKEN_TYPE
) -> str:
    """Serialize and sign ``claims`` as a JWS compact token (used by the backend and by tests)."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": typ}
    signing_input = _encode_json(header) + "." + _encode_json(dict(claims))
    signature = private_key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey, kid: str) -> dict[str, str]:
    """The JWK (RFC 8037 OKP) of an Ed25519 key, for building a JWKS ``{"keys": [...]}``."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64url_encode(raw)}


def read_header(token: str) -> dict[str, Any]:
    """The unverified header of a token; MalformedToken if it is not one."""
    header_b64, _, _ = _split(token)
    return _decode_json(header_b64, "header")


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
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise MalformedToken("token is not ASCII") from None
    if not isinstance(token, str):
        raise MalformedToken(f"token must be text, not {type(token).__name__}")
    now_s = _unix_seconds(now)
    header_b64, payload_b64, signature_b64 = _split(token.strip())
    header = _decode_json(header_b64, "header")
    if header.get("typ") != IDENTITY_TOKEN_TYPE:
        raise WrongTokenType(f"header typ is {header.get('typ')!r}, expected {IDENTITY_TOKEN_TYPE!r}")
    if header.get("alg") != ALGORITHM:
        raise WrongTokenType(f"header alg is {header.get('alg')!r}, expected {ALGORITHM!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedToken("header kid must be a non-empty string")
    public_key = _find_key(jwks, kid)
    try:
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise MalformedToken("signature is not base64url") from None
    if len(signature) != 64:
        raise BadSignature("an Ed25519 signature is 64 bytes")
    try:
        public_key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise BadSignature(f"signature does not verify with key {kid!r}") from None

    # Only signed content is interpreted beyond this point.
    claims = _decode_json(payload_b64, "payload")
    result = _typed_claims(claims, kid)
    if expected_issuer is not None and result.issuer != expected_issuer:
        raise InvalidClaims(f"issuer {result.issuer!r} is not {expected_issuer!r}")
    if result.expires_at <= result.issued_at or result.expires_at - result.issued_at > max_lifetime_s:
        raise InvalidClaims("exp must follow iat within the allowed token lifetime")
    not_before = claims.get("nbf", result.issued_at)
    if not _is_int(not_before):
        raise InvalidClaims("claim 'nbf' must be an integer")
    if now_s + leeway_s < max(result.issued_at, not_before):
        raise TokenNotYetValid(f"token is valid from {max(result.issued_at, not_before)}, now is {now_s:.0f}")
    if now_s - leeway_s >= result.expires_at:
        raise TokenExpired(f"token expired at {result.expires_at}, now is {now_s:.0f}")
    logger.debug("identity QR %s verified for %s", result.token_id, mask_personal_id(result.personal_id))
    return result


def _split(token: str) -> tuple[str, str, str]:
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedToken(f"token is {len(token)} characters long (at most {MAX_TOKEN_CHARS})")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("a JWS compact token has three non-empty '.'-separated parts")
    return parts[0], parts[1], parts[2]


def _encode_json(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    return b64url_encode(text.encode("utf-8"))


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _decode_json(part: str, what: str) -> dict[str, Any]:
    try:
        text = b64url_decode(part).decode("utf-8")
        value = json.loads(text, object_pairs_hook=_reject_duplicates)
    except (ValueError, RecursionError):
        # ValueError covers bad base64, bad UTF-8, bad JSON and duplicate names.
        raise MalformedToken(f"{what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"{what} is not a JSON object")
    return value


def _find_key(jwks: Mapping[str, Any], kid: str) -> Ed25519PublicKey:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidKeySet("JWKS must be an object with a 'keys' list")
    for jwk in keys:
        if not isinstance(jwk, Mapping) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
            raise InvalidKeySet(f"key {kid!r} is not an Ed25519 OKP key")
        try:
            raw = b64url_decode(jwk["x"])
            return Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise InvalidKeySet(f"key {kid!r} has a malformed 'x'") from None
    raise UnknownKey(f"no trusted key with kid {kid!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _typed_claims(claims: Mapping[str, Any], kid: str) -> IdentityQrClaims:
    def text(name: str) -> str:
        value = claims.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidClaims(f"claim {name!r} must be a non-empty string")
        return unicodedata.normalize("NFC", value.strip())

    def integer(name: str) -> int:
        value = claims.get(name)
        if not _is_int(value):
            raise InvalidClaims(f"claim {name!r} must be an integer")
        return value

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
    level = integer("lvl")
    if level not in (1, 2):
        raise InvalidClaims("claim 'lvl' must be 1 or 2")
    return IdentityQrClaims(
        issuer=text("iss"),
        personal_id=personal_id,
        full_name=text("name"),
        date_of_birth=date_of_birth,
        account_level=level,
        issued_at=integer("iat"),
        expires_at=integer("exp"),
        token_id=text("jti"),
        key_id=kid,
    )


def _unix_seconds(now: float | datetime) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError("now must be unix seconds or an aware datetime")
    return float(now)
