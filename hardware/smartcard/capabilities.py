"""What the card says about itself: extended-length support from the ATR's historical bytes
(ISO 7816-4 card capabilities) or from EF.ATR/INFO (7F66 extended length information)."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedTlv

_CARD_CAPABILITIES = 0x7
_EXTENDED_LENGTH_BIT = 0x40
_EXTENDED_LENGTH_INFO = 0x7F66


@dataclass(frozen=True)
class CardCapabilities:
    extended_length: bool
    max_response: int = 256  # bytes of response data the card will send in one APDU

    @classmethod
    def short(cls) -> CardCapabilities:
        return cls(False, 256)


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ATR (ISO 7816-3 8.2), b'' if the ATR is malformed."""
    if len(atr) < 2:
        return b""
    count = atr[1] & 0x0F
    indicator = atr[1] >> 4
    index = 2
    while True:
        index += bin(indicator & 0x0F).count("1")
        if not indicator & 0x8:
            break
        if index - 1 >= len(atr):
            return b""
        indicator = atr[index - 1] >> 4
    return bytes(atr[index : index + count]) if index + count <= len(atr) else b""


def extended_length_from_atr(atr: bytes) -> bool | None:
    """True / False if the historical bytes carry card capabilities, None if they say nothing."""
    history = historical_bytes(atr)
    if not history or history[0] not in (0x00, 0x80):
        return None
    body = history[1:-3] if history[0] == 0x00 else history[1:]
    index = 0
    while index < len(body):
        tag, length = body[index] >> 4, body[index] & 0x0F
        value = body[index + 1 : index + 1 + length]
        if tag == _CARD_CAPABILITIES and len(value) >= 3:
            return bool(value[2] & _EXTENDED_LENGTH_BIT)
        index += 1 + length
    return None


def from_atr_info(content: bytes) -> CardCapabilities | None:
    """Parse EF.ATR/INFO; None if it has no extended length information."""
    try:
        for obj in tlv.iter_tlv(content):
            if obj.tag == _EXTENDED_LENGTH_INFO:
                numbers = [int.from_bytes(child.value, "big") for child in obj.children() if child.tag == 0x02]
                if len(numbers) >= 2:
                    return CardCapabilities(numbers[1] > 256, max(numbers[1], 1))
    except MalformedTlv:
        return None
    return None


def encode_atr(historical: bytes) -> bytes:
    """An ATR like a contactless reader's pseudo-ATR: 3B 8n 80 01 <historical> TCK."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])
