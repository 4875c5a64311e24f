"""DG13: Vietnam-specific personal data on the CCCD chip.

Layout (card.md):
``6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8, SET { SEQUENCE { INTEGER n, value } ... } } }``.
Fields are found by their number ``n``, never by position; strings are PrintableString or UTF8String."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedData, UnexpectedTag
from hardware.smartcard.lds import DATA_GROUPS

_SEQUENCE, _SET, _INTEGER, _OID = 0x30, 0x31, 0x02, 0x06
_UTF8, _PRINTABLE, _IA5 = 0x0C, 0x13, 0x16
#: 1.0.10646.1.0.8 (ISO/IEC 10646 UTF-8), DER encoded.
DG13_OID = bytes.fromhex("28D316010008")

FIELD_NAMES = {
    1: "personal_id",
    2: "full_name",
    3: "birth_date",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "place_of_residence",
    10: "identifying_characteristics",
    11: "issue_date",
    12: "expiry_date",
    14: "spouse_name",
    15: "old_id_number",
}


@dataclass(frozen=True)
class Dg13PersonalData:
    """Personal data of the card holder (thông tin nhân thân), NFC-normalised."""

    personal_id: str | None = None
    full_name: str | None = None
    birth_date: str | None = None  # as printed, e.g. 01/01/1990
    sex: str | None = None  # Nam / Nữ
    nationality: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    place_of_origin: str | None = None  # quê quán
    place_of_residence: str | None = None  # nơi thường trú
    identifying_characteristics: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None  # may read "Không thời hạn"
    father_name: str | None = None
    mother_name: str | None = None
    spouse_name: str | None = None
    old_id_number: str | None = None
    field_16_raw: bytes | None = None  # meaning unknown (open point): kept as the chip holds it
    other_fields: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @staticmethod
    def parse_date(value: str | None) -> dt.date | None:
        """dd/mm/yyyy to a date; None for anything else (such as "Không thời hạn")."""
        if not value:
            return None
        try:
            return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            return None


def _string(obj: tlv.Tlv) -> str:
    if obj.tag not in (_UTF8, _PRINTABLE, _IA5):
        raise UnexpectedTag(f"DG13 value with tag {obj.tag:X}, expected a string", obj.tag)
    try:
        text = obj.value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedData("DG13 string is not valid UTF-8") from exc
    return unicodedata.normalize("NFC", text)


def _strings(values: list[tlv.Tlv]) -> list[str]:
    """Strings of a field, flattening nested SEQUENCEs (parents' names come one or both per SEQUENCE)."""
    out: list[str] = []
    for value in values:
        if value.tag in (_SEQUENCE, _SET):
            out.extend(_strings(value.children()))
        else:
            out.append(_string(value))
    return out


def _fields(objects: list[tlv.Tlv], found: dict[int, list[tlv.Tlv]]) -> None:
    for obj in objects:
        if obj.tag == _SET:
            _fields(obj.children(), found)
        elif obj.tag == _SEQUENCE:
            children = obj.children()
            if not children or children[0].tag != _INTEGER:
                raise UnexpectedTag("DG13 field without its number", children[0].tag if children else None)
            number = int.from_bytes(children[0].value, "big") if children[0].value else -1
            found.setdefault(number, []).extend(children[1:])
        elif obj.tag in (_INTEGER, _OID):
            continue
        else:
            raise UnexpectedTag(f"tag {obj.tag:X} in DG13", obj.tag)


def parse(raw: bytes) -> Dg13PersonalData:
    root = tlv.parse_single(raw, DATA_GROUPS[13].tag)
    body = root.children()
    if len(body) == 1 and body[0].tag == _SEQUENCE:
        body = body[0].children()
    header = [obj for obj in body if obj.tag in (_INTEGER, _OID)]
    if len(header) < 2 or header[1].tag != _OID:
        raise UnexpectedTag("DG13 does not start with a version and an object identifier", _OID)
    found: dict[int, list[tlv.Tlv]] = {}
    _fields([obj for obj in body if obj.tag not in (_INTEGER, _OID)], found)
    values: dict[str, object] = {}
    other: dict[int, tuple[str, ...]] = {}
    for number, objects in found.items():
        if number == 16:
            values["field_16_raw"] = b"".join(obj.value for obj in objects)
            continue
        strings = _strings(objects)
        if number == 13:
            values["father_name"] = strings[0] if strings else None
            values["mother_name"] = strings[1] if len(strings) > 1 else None
        elif number in FIELD_NAMES:
            values[FIELD_NAMES[number]] = " ".join(strings) if strings else None
        else:
            other[number] = tuple(strings)
    return Dg13PersonalData(**values, other_fields=other)


def encode(data: Dg13PersonalData, *, printable_numbers: bool = True) -> bytes:
    """A DG13 as the CCCD holds it (for the simulator): digits as PrintableString, text as UTF8String."""

    def string(value: str) -> bytes:
        ascii_digits = printable_numbers and value.replace("/", "").isdigit()
        return tlv.encode(_PRINTABLE if ascii_digits else _UTF8, value.encode("utf-8"))

    def entry(number: int, payload: bytes) -> bytes:
        return tlv.encode(_SEQUENCE, tlv.encode(_INTEGER, bytes([number])) + payload)

    entries = []
    for number, name in sorted(FIELD_NAMES.items()):
        value = getattr(data, name)
        if value is not None:
            entries.append(entry(number, string(value)))
        if number == 12 and (data.father_name or data.mother_name):
            parents = b"".join(
                tlv.encode(_SEQUENCE, string(name or "")) for name in (data.father_name, data.mother_name)
            )
            entries.append(entry(13, parents))
    if data.field_16_raw is not None:
        entries.append(entry(16, tlv.encode(_PRINTABLE, data.field_16_raw)))
    body = tlv.encode(_INTEGER, b"\x01") + tlv.encode(_OID, DG13_OID) + tlv.encode(_SET, b"".join(entries))
    return tlv.encode(DATA_GROUPS[13].tag, tlv.encode(_SEQUENCE, body))
