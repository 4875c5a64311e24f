"""DG14: the chip's SecurityInfos for chip authentication and active authentication parameters."""

from __future__ import annotations

from hardware.smartcard import tlv
from hardware.smartcard.lds import DATA_GROUPS
from hardware.smartcard.lds.security_infos import SecurityInfo, parse_security_infos


def parse(raw: bytes) -> list[SecurityInfo]:
    root = tlv.parse_single(raw, DATA_GROUPS[14].tag)
    return parse_security_infos(root.child(0x31).value)


def encode(security_infos_der: bytes) -> bytes:
    """``security_infos_der``: the DER SET OF SecurityInfo."""
    return tlv.encode(DATA_GROUPS[14].tag, security_infos_der)
