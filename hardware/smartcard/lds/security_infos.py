"""SecurityInfos (ICAO 9303-11 9.2), the SET that EF.CardAccess and DG14 hold: which protocols
(PACE, chip authentication, active authentication) the chip offers, with their parameters."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto.core import ObjectIdentifier

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedData, UnexpectedTag

ID_PACE = "0.4.0.127.0.7.2.2.4"
ID_CA = "0.4.0.127.0.7.2.2.3"
ID_PK = "0.4.0.127.0.7.2.2.1"
ID_AA = "2.23.136.1.1.5"


@dataclass(frozen=True)
class SecurityInfo:
    protocol: str
    required: tlv.Tlv | None
    optional: tlv.Tlv | None

    def integer(self, which: str = "required") -> int | None:
        obj = getattr(self, which)
        return int.from_bytes(obj.value, "big") if obj is not None and obj.tag == 0x02 and obj.value else None

    def oid(self, which: str = "optional") -> str | None:
        obj = getattr(self, which)
        return decode_oid(obj.value) if obj is not None and obj.tag == 0x06 else None


def decode_oid(value: bytes) -> str:
    try:
        return ObjectIdentifier.load(tlv.encode(0x06, value)).dotted
    except Exception as exc:
        raise MalformedData(f"bad object identifier: {exc}") from exc


def parse_security_infos(value: bytes) -> list[SecurityInfo]:
    """Parse the content of the SET (its outer 31 tag already removed)."""
    infos = []
    for entry in tlv.parse_all(value):
        if entry.tag != 0x30:
            raise UnexpectedTag(f"SecurityInfo with tag {entry.tag:X}", entry.tag)
        parts = entry.children()
        if not parts or parts[0].tag != 0x06:
            raise UnexpectedTag("SecurityInfo without its protocol identifier", 0x06)
        infos.append(
            SecurityInfo(
                decode_oid(parts[0].value),
                parts[1] if len(parts) > 1 else None,
                parts[2] if len(parts) > 2 else None,
            )
        )
    return infos
