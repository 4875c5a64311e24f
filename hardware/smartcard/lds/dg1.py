"""DG1: the MRZ as stored on the chip (61 { 5F1F mrz })."""

from __future__ import annotations

from hardware.smartcard import tlv
from hardware.smartcard.errors import InvalidMrz
from hardware.smartcard.lds import DATA_GROUPS
from hardware.smartcard.mrz import Mrz, parse_mrz

_MRZ = 0x5F1F


def parse(raw: bytes) -> Mrz:
    root = tlv.parse_single(raw, DATA_GROUPS[1].tag)
    value = root.child(_MRZ).value
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError as exc:
        raise InvalidMrz("DG1 MRZ is not ASCII") from exc
    return parse_mrz(text)


def encode(mrz_text: str) -> bytes:
    return tlv.encode(DATA_GROUPS[1].tag, tlv.encode(_MRZ, mrz_text.encode("ascii")))
