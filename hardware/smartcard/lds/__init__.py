"""The ICAO Logical Data Structure: which file holds what, and pure parsers / encoders per file."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.smartcard.errors import UnexpectedTag


@dataclass(frozen=True)
class LdsFile:
    name: str
    tag: int
    fid: int
    sfi: int

    @property
    def data_group(self) -> int | None:
        return int(self.name[2:]) if self.name.startswith("DG") else None


_DG_TAGS = {
    1: 0x61,
    2: 0x75,
    3: 0x63,
    4: 0x76,
    5: 0x65,
    6: 0x66,
    7: 0x67,
    8: 0x68,
    9: 0x69,
    10: 0x6A,
    11: 0x6B,
    12: 0x6C,
    13: 0x6D,
    14: 0x6E,
    15: 0x6F,
    16: 0x70,
}

EF_COM = LdsFile("COM", 0x60, 0x011E, 0x1E)
EF_SOD = LdsFile("SOD", 0x77, 0x011D, 0x1D)
#: Under the master file, readable before access control.
EF_CARD_ACCESS = LdsFile("CardAccess", 0x31, 0x011C, 0x1C)
EF_ATR_INFO = LdsFile("ATR/INFO", 0x00, 0x2F01, 0x01)

DATA_GROUPS = {n: LdsFile(f"DG{n}", tag, 0x0100 + n, n) for n, tag in _DG_TAGS.items()}
#: Application identifier of the eMRTD application.
EMRTD_AID = bytes.fromhex("A0000002471001")


def data_group_for_tag(tag: int) -> int:
    for number, lds_file in DATA_GROUPS.items():
        if lds_file.tag == tag:
            return number
    raise UnexpectedTag(f"tag {tag:X} is not a data group tag", tag)
