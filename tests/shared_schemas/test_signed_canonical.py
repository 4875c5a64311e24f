"""Compact tokens decode only from canonical base64url: a signature edited in the unused low bits of its last
character is a different spelling of the same bytes, and must not verify as the original (found by the QR fuzz)."""

from __future__ import annotations

import pytest

from shared_schemas.signed import b64url_decode, b64url_encode


def test_canonical_text_round_trips():
    raw = bytes(range(64))  # a signature's length: 86 characters, the last carrying 2 bits
    assert b64url_decode(b64url_encode(raw)) == raw


def test_the_same_bytes_spelt_with_other_padding_bits_are_refused():
    text = b64url_encode(bytes(range(64)))
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(text[-1])
    variant = text[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 0b0100]
    assert variant != text
    with pytest.raises(ValueError, match="canonical"):
        b64url_decode(variant)
