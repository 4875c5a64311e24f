"""EF.COM: LDS and Unicode versions and the list of data groups present."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.smartcard import tlv
from hardware.smartcard.lds import DATA_GROUPS, EF_COM, data_group_for_tag

_LDS_VERSION = 0x5F01
_UNICODE_VERSION = 0x5F36
_TAG_LIST = 0x5C


@dataclass(frozen=True)
class EfCom:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]
    unknown_tags: tuple[int, ...] = ()


def parse(raw: bytes) -> EfCom:
    root = tlv.parse_single(raw, EF_COM.tag)
    lds_version = root.find(_LDS_VERSION)
    unicode_version = root.find(_UNICODE_VERSION)
    tag_list = root.child(_TAG_LIST).value
    groups, unknown = [], []
    for tag in tag_list:
        try:
            groups.append(data_group_for_tag(tag))
        except ValueError:
            unknown.append(tag)  # a future data group: keep going, the caller may log it
    return EfCom(
        lds_version.value.decode("ascii", "replace") if lds_version else "",
        unicode_version.value.decode("ascii", "replace") if unicode_version else "",
        tuple(groups),
        tuple(unknown),
    )


def encode(data_groups: list[int], lds_version: str = "0107", unicode_version: str = "040000") -> bytes:
    tags = bytes(DATA_GROUPS[n].tag for n in data_groups)
    body = (
        tlv.encode(_LDS_VERSION, lds_version.encode())
        + tlv.encode(_UNICODE_VERSION, unicode_version.encode())
        + tlv.encode(_TAG_LIST, tags)
    )
    return tlv.encode(EF_COM.tag, body)
