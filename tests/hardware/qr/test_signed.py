import base64
import json
from datetime import UTC, datetime

import pytest

from hardware.qr import (
    BadSignature,
    InvalidClaims,
    InvalidKeySet,
    MalformedToken,
    QrKind,
    SignedQrError,
    TokenExpired,
    TokenNotYetValid,
    UnknownKey,
    WrongTokenType,
    classify_qr,
    public_jwk,
    sign_compact,
    verify_identity_qr,
)
from hardware.qr.signed import b64url_decode, b64url_encode

KID = "congdan-2024-01"
NOW = 1_720_000_030


def test_round_trip(signing_key, jwks, claims):
    token = sign_compact(claims, signing_key, KID)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": KID, "typ": "congdan-id+jws"}
    verified = verify_identity_qr(token, jwks, NOW)
    assert verified.personal_id == "001190012345"
    assert verified.full_name == "Nguyễn Thị Ánh Tuyết"
    assert verified.date_of_birth.isoformat() == "1990-03-12"
    assert (verified.account_level, verified.key_id, verified.token_id) == (2, KID, claims["jti"])
    assert verify_identity_qr(token.encode("ascii"), jwks, datetime.fromtimestamp(NOW, UTC)) == verified
    assert "001190012345" not in repr(verified)


def test_key_rotation_picks_the_key_by_kid(signing_key, other_key, claims):
    jwks = {"keys": [public_jwk(other_key, "old"), public_jwk(signing_key.public_key(), KID)]}
    assert verify_identity_qr(sign_compact(claims, signing_key, KID), jwks, NOW).key_id == KID


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampered_byte_in_any_part(signing_key, jwks, claims, part):
    token = sign_compact(claims, signing_key, KID)
    parts = token.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = b64url_encode(bytes(raw))
    # A flipped header byte may also change the kid or typ; payload and signature flips must fail the signature.
    with pytest.raises(SignedQrError if part == 0 else BadSignature):
        verify_identity_qr(".".join(parts), jwks, NOW)


def test_tampered_claim_is_a_bad_signature(signing_key, jwks, claims):
    header, _payload, signature = sign_compact(claims, signing_key, KID).split(".")
    forged = b64url_encode(json.dumps({**claims, "lvl": 2, "sub": "001190099999"}).encode())
    with pytest.raises(BadSignature):
        verify_identity_qr(f"{header}.{forged}.{signature}", jwks, NOW)


def test_signed_with_another_key(other_key, jwks, claims):
    with pytest.raises(BadSignature):
        verify_identity_qr(sign_compact(claims, other_key, KID), jwks, NOW)


def test_unknown_kid(signing_key, jwks, claims):
    with pytest.raises(UnknownKey, match="nobody"):
        verify_identity_qr(sign_compact(claims, signing_key, "nobody"), jwks, NOW)


def test_expired_with_leeway(signing_key, jwks, claims):
    token = sign_compact(claims, signing_key, KID)
    assert verify_identity_qr(token, jwks, claims["exp"] + 9, leeway_s=10)
    with pytest.raises(TokenExpired):
        verify_identity_qr(token, jwks, claims["exp"] + 10, leeway_s=10)
    with pytest.raises(TokenExpired):
        verify_identity_qr(token, jwks, claims["exp"], leeway_s=0)


def test_not_yet_valid(signing_key, jwks, claims):
    token = sign_compact(claims, signing_key, KID)
    assert verify_identity_qr(token, jwks, claims["iat"] - 10, leeway_s=10)
    with pytest.raises(TokenNotYetValid):
        verify_identity_qr(token, jwks, claims["iat"] - 11, leeway_s=10)
    with pytest.raises(TokenNotYetValid):
        verify_identity_qr(sign_compact({**claims, "nbf": claims["iat"] + 60}, signing_key, KID), jwks, NOW)


def test_wrong_typ_and_alg(signing_key, jwks, claims):
    with pytest.raises(WrongTokenType, match="typ"):
        verify_identity_qr(sign_compact(claims, signing_key, KID, typ="JWT"), jwks, NOW)
    header = b64url_encode(json.dumps({"alg": "none", "kid": KID, "typ": "congdan-id+jws"}).encode())
    _h, payload, signature = sign_compact(claims, signing_key, KID).split(".")
    with pytest.raises(WrongTokenType, match="alg"):
        verify_identity_qr(f"{header}.{payload}.{signature}", jwks, NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "a==.b.c",
        "e30.e30.e30",  # {} header: no typ -> WrongTokenType, checked below separately
        "!!!.???.***",
        b"\xff\xfe.a.b",
        "x" * 5000,
    ],
)
def test_malformed_tokens(jwks, token):
    with pytest.raises((MalformedToken, WrongTokenType)):
        verify_identity_qr(token, jwks, NOW)


def test_header_must_be_an_object(jwks):
    token = ".".join([b64url_encode(b"[1,2]"), b64url_encode(b"{}"), b64url_encode(bytes(64))])
    with pytest.raises(MalformedToken, match="header is not a JSON object"):
        verify_identity_qr(token, jwks, NOW)


def test_duplicate_header_names_are_rejected(jwks):
    header = b'{"typ":"congdan-id+jws","alg":"EdDSA","kid":"x","kid":"congdan-2024-01"}'
    token = ".".join([b64url_encode(header), b64url_encode(b"{}"), b64url_encode(bytes(64))])
    with pytest.raises(MalformedToken):
        verify_identity_qr(token, jwks, NOW)


def test_padded_base64_is_rejected(signing_key, jwks, claims):
    header, payload, signature = sign_compact(claims, signing_key, KID).split(".")
    with pytest.raises(MalformedToken):
        verify_identity_qr(f"{header}.{payload}.{signature}==", jwks, NOW)
    std = base64.b64encode(b64url_decode(signature)).decode()
    if std != signature:  # standard alphabet (+/) instead of base64url
        with pytest.raises(MalformedToken):
            verify_identity_qr(f"{header}.{payload}.{std}", jwks, NOW)


def test_short_signature(signing_key, jwks, claims):
    header, payload, _signature = sign_compact(claims, signing_key, KID).split(".")
    with pytest.raises(BadSignature, match="64 bytes"):
        verify_identity_qr(f"{header}.{payload}.{b64url_encode(bytes(32))}", jwks, NOW)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sub": "00119001234"}, "sub"),
        ({"sub": 1190012345}, "sub"),
        ({"dob": "12/03/1990"}, "dob"),
        ({"dob": "1990-02-30"}, "dob"),
        ({"dob": "1991-03-12"}, "does not match 'dob'"),
        ({"lvl": 3}, "lvl"),
        ({"lvl": True}, "lvl"),
        ({"iat": "1720000000"}, "iat"),
        ({"exp": 1_720_000_000.5}, "exp"),
        ({"exp": 1_719_999_999}, "lifetime"),
        ({"exp": 1_720_086_400}, "lifetime"),
        ({"name": ""}, "name"),
        ({"jti": None}, "jti"),
        ({"nbf": "soon"}, "nbf"),
    ],
)
def test_invalid_claims(signing_key, jwks, claims, change, message):
    with pytest.raises(InvalidClaims, match=message):
        verify_identity_qr(sign_compact({**claims, **change}, signing_key, KID), jwks, NOW)


def test_missing_claim(signing_key, jwks, claims):
    del claims["iss"]
    with pytest.raises(InvalidClaims, match="iss"):
        verify_identity_qr(sign_compact(claims, signing_key, KID), jwks, NOW)


def test_payload_must_be_an_object(signing_key, jwks):
    header = b64url_encode(json.dumps({"alg": "EdDSA", "kid": KID, "typ": "congdan-id+jws"}).encode())
    payload = b64url_encode(b'"just a string"')
    signature = b64url_encode(signing_key.sign(f"{header}.{payload}".encode()))
    with pytest.raises(MalformedToken, match="payload is not a JSON object"):
        verify_identity_qr(f"{header}.{payload}.{signature}", jwks, NOW)


def test_expected_issuer(signing_key, jwks, claims):
    token = sign_compact(claims, signing_key, KID)
    assert verify_identity_qr(token, jwks, NOW, expected_issuer=claims["iss"])
    with pytest.raises(InvalidClaims, match="issuer"):
        verify_identity_qr(token, jwks, NOW, expected_issuer="https://evil.example")


@pytest.mark.parametrize(
    "bad_jwks",
    [
        {},
        {"keys": "nope"},
        {"keys": [{"kid": KID, "kty": "EC", "crv": "P-256", "x": "AA"}]},
        {"keys": [{"kid": KID, "kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]},
    ],
)
def test_malformed_key_set(signing_key, claims, bad_jwks):
    with pytest.raises(InvalidKeySet):
        verify_identity_qr(sign_compact(claims, signing_key, KID), bad_jwks, NOW)


def test_naive_datetime_clock_is_refused(signing_key, jwks, claims):
    with pytest.raises(ValueError, match="aware"):
        verify_identity_qr(sign_compact(claims, signing_key, KID), jwks, datetime(2024, 7, 3))


def test_classify(signing_key, claims, card_payload):
    assert classify_qr(card_payload) is QrKind.CCCD
    assert classify_qr(sign_compact(claims, signing_key, KID)) is QrKind.SIGNED_IDENTITY
    assert classify_qr(sign_compact(claims, signing_key, KID, typ="JWT")) is QrKind.UNKNOWN
    assert classify_qr("https://dichvucong.gov.vn") is QrKind.UNKNOWN
    assert classify_qr("a.b.c") is QrKind.UNKNOWN
    # A damaged card QR is still classified as one, so the card parser can say what is wrong.
    assert classify_qr(card_payload.replace("12031990", "1203")) is QrKind.CCCD
