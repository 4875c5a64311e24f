"""Compact JWS (RFC 7515) signed with Ed25519 and verified against a JWKS: the one implementation behind
the app's identity QR, the signed e-documents and the kiosk's offline checks.

Header ``{"alg":"EdDSA","kid":...,"typ":...}``. Pure: no Flask, no clock of its own (callers pass ``now``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import marshmallow as ma
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from marshmallow import fields

ALGORITHM = "EdDSA"
IDENTITY_TOKEN_TYPE = "congdan-id+jws"
DOCUMENT_TOKEN_TYPE = "congdan-doc+jws"
DEFAULT_LEEWAY_S = 10
#: A QR holds at most ~3 KB; refusing longer input bounds the work done on hostile payloads.
MAX_TOKEN_CHARS = 4096

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class JwsError(Exception):
    """Base of every signed-token error."""


class MalformedToken(JwsError):
    """Not three base64url parts, or the header/payload is not a JSON object."""


class WrongTokenType(JwsError):
    """The header's ``typ`` or ``alg`` is not the expected one."""


class UnknownKey(JwsError):
    """The ``kid`` names no key of the trusted key set."""


class InvalidKeySet(JwsError):
    """The trusted key set (JWKS) itself is malformed: a configuration error, not the holder's."""


class BadSignature(JwsError):
    """The Ed25519 signature does not match: tampered, or signed by another key."""


class InvalidClaims(JwsError):
    """The signature is good but a claim is missing or has the wrong type or value."""


class TokenExpired(JwsError):
    """``exp`` is past (beyond the leeway)."""


class TokenNotYetValid(JwsError):
    """``iat`` (or ``nbf``) is in the future (beyond the leeway): a clock is off."""


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature verified; ``claims`` is the signed payload."""

    header: dict[str, Any]
    claims: dict[str, Any]
    kid: str


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url (RFC 7515 §2); ValueError otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None
    # Canonical only: the last character's unused low bits must be zero, or two spellings of one token (a
    # signature edited in its final character) would both verify.
    if b64url_encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


def sign_compact(claims: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str, typ: str) -> str:
    """Serialize and sign ``claims`` as a JWS compact token."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": typ}
    signing_input = _encode_json(header) + "." + _encode_json(dict(claims))
    signature = private_key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey, kid: str) -> dict[str, str]:
    """The JWK (RFC 8037 OKP) of an Ed25519 key, for building a JWKS ``{"keys": [...]}``."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": ALGORITHM, "kid": kid, "x": b64url_encode(raw)}


def read_header(token: str) -> dict[str, Any]:
    """The unverified header of a token; MalformedToken if it is not one."""
    header_b64, _, _ = _split(token)
    return _decode_json(header_b64, "header")


def verify_signature(token: str | bytes, jwks: Mapping[str, Any], *, typ: str) -> VerifiedToken:
    """Check format, ``typ``/``alg``, key and signature; no claim is interpreted and no clock is read."""
    token = _as_text(token)
    header_b64, payload_b64, signature_b64 = _split(token.strip())
    header = _decode_json(header_b64, "header")
    if header.get("typ") != typ:
        raise WrongTokenType(f"header typ is {header.get('typ')!r}, expected {typ!r}")
    if header.get("alg") != ALGORITHM:
        raise WrongTokenType(f"header alg is {header.get('alg')!r}, expected {ALGORITHM!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedToken("header kid must be a non-empty string")
    public_key = find_key(jwks, kid)
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
    return VerifiedToken(header=header, claims=_decode_json(payload_b64, "payload"), kid=kid)


def check_lifetime(
    claims: Mapping[str, Any],
    now: float | datetime,
    *,
    leeway_s: float = DEFAULT_LEEWAY_S,
    max_lifetime_s: float | None = None,
    expected_issuer: str | None = None,
) -> None:
    """Check ``iss``, ``iat``, ``exp`` (and ``nbf``) of verified claims against the caller's clock."""
    now_s = unix_seconds(now)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer.strip():
        raise InvalidClaims("claim 'iss' must be a non-empty string")
    if expected_issuer is not None and issuer.strip() != expected_issuer:
        raise InvalidClaims(f"issuer {issuer!r} is not {expected_issuer!r}")
    issued_at, expires_at = claim_int(claims, "iat"), claim_int(claims, "exp")
    if expires_at <= issued_at or (max_lifetime_s is not None and expires_at - issued_at > max_lifetime_s):
        raise InvalidClaims("exp must follow iat within the allowed token lifetime")
    not_before = claims.get("nbf", issued_at)
    if not _is_int(not_before):
        raise InvalidClaims("claim 'nbf' must be an integer")
    if now_s + leeway_s < max(issued_at, not_before):
        raise TokenNotYetValid(f"token is valid from {max(issued_at, not_before)}, now is {now_s:.0f}")
    if now_s - leeway_s >= expires_at:
        raise TokenExpired(f"token expired at {expires_at}, now is {now_s:.0f}")


def find_key(jwks: Mapping[str, Any], kid: str) -> Ed25519PublicKey:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidKeySet("JWKS must be an object with a 'keys' list")
    for jwk in keys:
        if not isinstance(jwk, Mapping) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
            raise InvalidKeySet(f"key {kid!r} is not an Ed25519 OKP key")
        try:
            return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        except ValueError:
            raise InvalidKeySet(f"key {kid!r} has a malformed 'x'") from None
    raise UnknownKey(f"no trusted key with kid {kid!r}")


def claim_int(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if not _is_int(value):
        raise InvalidClaims(f"claim {name!r} must be an integer")
    return value


def unix_seconds(now: float | datetime) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError("now must be unix seconds or an aware datetime")
    return float(now)


def _as_text(token: str | bytes) -> str:
    if isinstance(token, (bytes, bytearray)):
        try:
            return bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise MalformedToken("token is not ASCII") from None
    if not isinstance(token, str):
        raise MalformedToken(f"token must be text, not {type(token).__name__}")
    return token


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        value = json.loads(b64url_decode(part).decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (ValueError, RecursionError):
        # ValueError covers bad base64, bad UTF-8, bad JSON and duplicate names.
        raise MalformedToken(f"{what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"{what} is not a JSON object")
    return value


# --- signed documents -------------------------------------------------------------------------------------


class ContentMismatch(BadSignature):
    """The token is genuine but the document content presented with it is not the one it was signed for."""


def canonical_content(content: Mapping[str, Any]) -> bytes:
    """The bytes a document's ``sha256`` claim covers: its fields as sorted, compact UTF-8 JSON."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_sha256(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_content(content)).hexdigest()


def verify_document_token(
    token: str | bytes,
    jwks: Mapping[str, Any],
    now: float | datetime,
    *,
    content: Mapping[str, Any] | None = None,
    leeway_s: float = DEFAULT_LEEWAY_S,
    expected_issuer: str | None = None,
) -> VerifiedToken:
    """Offline check of a document's QR token (and, given the document's fields, that they match it).

    Raises TokenExpired only after the signature and content verified, so "expired" always means
    "genuine but no longer valid"."""
    verified = verify_signature(token, jwks, typ=DOCUMENT_TOKEN_TYPE)
    for name in ("doc", "did", "hid", "sha256"):
        if not isinstance(verified.claims.get(name), str) or not verified.claims[name]:
            raise InvalidClaims(f"claim {name!r} must be a non-empty string")
    if content is not None and content_sha256(content) != verified.claims["sha256"]:
        raise ContentMismatch("the document content does not match the signed hash")
    check_lifetime(verified.claims, now, leeway_s=leeway_s, expected_issuer=expected_issuer)
    return verified


class JwkSchema(ma.Schema):
    """One public key of a JSON Web Key Set (RFC 7517; Ed25519 keys are OKP, RFC 8037)."""

    kty = fields.String(required=True)
    crv = fields.String()
    kid = fields.String(required=True)
    x = fields.String()
    use = fields.String()
    alg = fields.String()


class JwksSchema(ma.Schema):
    keys = fields.List(fields.Nested(JwkSchema), required=True)
