"""An e-document's two QR codes as the scanner sees them: the verification link and the signed payload."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from hardware.cli import main
from hardware.qr import (
    BadSignature,
    MalformedToken,
    QrKind,
    TokenExpired,
    classify_qr,
    decode,
    parse_document_link,
    public_jwk,
    verify_document_qr,
)
from shared_schemas import signed as jws


def _token(key, *, iat=None, exp_in=3600, **extra):
    now = int(time.time()) if iat is None else iat
    claims = {
        "iss": "https://congdan.gov.vn",
        "doc": "residence-confirmation",
        "did": "6f1c-doc",
        "hid": "0011******45",
        "iat": now,
        "exp": now + exp_in,
        "sha256": "ab" * 32,
        **extra,
    }
    return jws.sign_compact(claims, key, "k1", jws.DOCUMENT_TOKEN_TYPE)


@pytest.mark.parametrize(
    "text, url",
    [
        ("HTTPS://CONGDAN.GOV.VN/V/AB3D5F7H.K9M2P4Q6", "https://congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6"),
        ("https://congdan.gov.vn/v/ab3d5f7h.k9m2p4q6", "https://congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6"),
        ("http://127.0.0.1:5000/congdan/v/AB3D5F7H.K9M2P4Q6", "http://127.0.0.1:5000/congdan/v/AB3D5F7H.K9M2P4Q6"),
    ],
)
def test_links_are_recognised_and_normalised(text, url):
    assert classify_qr(text) is QrKind.DOCUMENT_LINK
    assert parse_document_link(text).url == url


@pytest.mark.parametrize(
    "text",
    [
        "https://congdan.gov.vn/v/AB3D5F7H",
        "https://congdan.gov.vn/v/AB3D5F7U.K9M2P4Q6",
        "ftp://congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6",
        "congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6",
        "https://congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6 extra",
        "",
    ],
)
def test_other_text_is_not_a_link(text):
    assert classify_qr(text) is not QrKind.DOCUMENT_LINK
    with pytest.raises(MalformedToken):
        parse_document_link(text)


def test_signed_payload_verifies_offline_and_fails_when_altered_or_expired():
    key = Ed25519PrivateKey.generate()
    jwks = {"keys": [public_jwk(key, "k1")]}
    token = _token(key)
    assert classify_qr(token) is QrKind.SIGNED_DOCUMENT
    claims = verify_document_qr(token, jwks, time.time())
    assert (claims.doc_type, claims.document_id, claims.holder, claims.key_id) == (
        "residence-confirmation",
        "6f1c-doc",
        "0011******45",
        "k1",
    )
    header, payload, signature = token.split(".")
    altered = jws.b64url_encode(jws.b64url_decode(payload).replace(b"0011", b"0012"))
    with pytest.raises(BadSignature):
        verify_document_qr(f"{header}.{altered}.{signature}", jwks, time.time())
    with pytest.raises(TokenExpired):
        verify_document_qr(_token(key, iat=int(time.time()) - 7200, exp_in=60), jwks, time.time())


def test_scan_qr_recognises_both_codes_of_a_document(tmp_path, capsys):
    key = Ed25519PrivateKey.generate()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public_jwk(key, "k1")]}))
    for name, payload in (("link", "HTTPS://CONGDAN.GOV.VN/V/AB3D5F7H.K9M2P4Q6"), ("signed", _token(key))):
        buffer = io.BytesIO()
        segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
        image = tmp_path / f"{name}.png"
        image.write_bytes(buffer.getvalue())
        assert decode(np.asarray(Image.open(image).convert("L"))) == [payload]
        assert main(["scan-qr", "--image", str(image), "--jwks", str(jwks)]) == 0
    out = capsys.readouterr().out
    assert "payload (document_link)" in out and "open https://congdan.gov.vn/v/AB3D5F7H.K9M2P4Q6" in out
    assert "payload (signed_document)" in out and "verified with key k1" in out
    assert "doc_type:      residence-confirmation" in out and "unknown" not in out
