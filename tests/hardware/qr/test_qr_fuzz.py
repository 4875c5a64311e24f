"""Random and mutated input into the QR parsers and the signed-QR verifier: only typed errors come out."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.qr import QrError, QrKind, classify_qr, parse_cccd_qr, sign_compact, verify_identity_qr
from hardware.qr.signed import b64url_encode

FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_720_000_030

CARD = (
    "001190012345|012345678|Nguyễn Thị Ánh Tuyết|12031990|Nữ|"
    "Số 12 Phố Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Hà Nội|15042021"
)

_field_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
_digits = st.text(alphabet="0123456789", max_size=14)


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    raw = bytearray(data)
    for kind, position, value in edits:
        if not raw:
            raw.append(value)
            continue
        position %= len(raw)
        if kind == 0:
            raw[position] = value
        elif kind == 1:
            del raw[position]
        else:
            raw.insert(position, value)
    return bytes(raw)


_edits = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6)


def _parse_card(payload: str | bytes) -> None:
    try:
        parse_cccd_qr(payload)
    except QrError:
        pass


@FUZZ
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_card_parser_random_input(payload):
    _parse_card(payload)
    if isinstance(payload, str):
        assert classify_qr(payload) in QrKind


@FUZZ
@given(st.lists(st.one_of(_field_text, _digits), min_size=0, max_size=10))
def test_card_parser_random_fields(fields):
    _parse_card("|".join(fields))


@FUZZ
@given(_edits)
def test_card_parser_mutated_bytes(edits):
    _parse_card(_mutate(CARD.encode("utf-8"), edits))


@FUZZ
@given(st.integers(0, 6), st.one_of(_field_text, _digits))
def test_card_parser_one_field_replaced(index, value):
    fields = CARD.split("|")
    fields[index] = value
    _parse_card("|".join(fields))


def _verify(token, jwks) -> None:
    try:
        verify_identity_qr(token, jwks, NOW)
    except QrError:
        pass


@FUZZ
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_verifier_random_input(jwks, token):
    _verify(token, jwks)


@FUZZ
@given(_edits)
def test_verifier_mutated_token(signing_key, jwks, edits):
    claims = {
        "iss": "i",
        "sub": "001190012345",
        "name": "Ánh",
        "dob": "1990-03-12",
        "lvl": 1,
        "iat": NOW - 5,
        "exp": NOW + 100,
        "jti": "j",
    }
    token = sign_compact(claims, signing_key, "congdan-2024-01").encode("ascii")
    mutated = _mutate(token, edits)
    try:
        verify_identity_qr(mutated, jwks, NOW)
    except QrError:
        return
    assert mutated == token or mutated.strip() == token  # only an unchanged token may verify


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["iss", "sub", "name", "dob", "lvl", "iat", "exp", "jti", "nbf", "x"]),
        _json_values,
        max_size=10,
    )
)
def test_verifier_signed_random_claims(signing_key, jwks, claims):
    # Correctly signed, arbitrary claims: the claim checks, not the signature, must reject them.
    _verify(sign_compact(claims, signing_key, "congdan-2024-01"), jwks)


@FUZZ
@given(_json_values, _json_values)
def test_verifier_random_json_header_and_payload(jwks, header, payload):
    token = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload)) + "." + "A" * 86
    _verify(token, jwks)


def test_deeply_nested_json_is_a_typed_error(jwks):
    # Deeper than the json module's recursion limit, short enough to pass the length check.
    deep = b64url_encode(b"[" * 1200 + b"]" * 1200)
    assert len(deep) < 4000
    try:
        verify_identity_qr(f"{deep}.e30.AAAA", jwks, NOW)
    except QrError as exc:
        assert "header" in str(exc)
