"""BER-TLV as used by ISO 7816-4 and the ICAO LDS: parse and encode, pure bytes in / out.

Tags are kept as the integer of their encoded bytes (``0x5F1F``, ``0x7F61``), the way ICAO writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from hardware.smartcard.errors import MalformedTlv, UnexpectedTag

#: Longest length field we accept (84 xx xx xx xx); anything longer cannot fit a chip file.
_MAX_LENGTH_BYTES = 4


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        return bool(_first_tag_byte(self.tag) & 0x20)

    def children(self) -> list[Tlv]:
        if not self.constructed:
            raise UnexpectedTag(f"tag {self.tag:X} is primitive, it has no children", self.tag)
        return parse_all(self.value)

    def child(self, tag: int) -> Tlv:
        """The first child with ``tag``; UnexpectedTag if there is none."""
        for tlv in self.children():
            if tlv.tag == tag:
                return tlv
        raise UnexpectedTag(f"tag {tag:X} missing inside {self.tag:X}", tag)

    def find(self, tag: int) -> Tlv | None:
        for tlv in self.children():
            if tlv.tag == tag:
                return tlv
        return None

    def encode(self) -> bytes:
        return encode(self.tag, self.value)


def _first_tag_byte(tag: int) -> int:
    size = max(1, (tag.bit_length() + 7) // 8)
    return tag >> (8 * (size - 1))


def read_tag(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Decode the tag at ``offset``: (tag, offset after it)."""
    if offset >= len(data):
        raise MalformedTlv("TLV truncated: tag expected")
    first = data[offset]
    tag = first
    offset += 1
    if first & 0x1F == 0x1F:
        while True:
            if offset >= len(data):
                raise MalformedTlv("TLV truncated inside a multi-byte tag")
            byte = data[offset]
            offset += 1
            tag = (tag << 8) | byte
            if not byte & 0x80:
                break
            if tag > 0xFFFFFF:
                raise MalformedTlv("TLV tag longer than 3 bytes")
    return tag, offset


def read_length(data: bytes, offset: int) -> tuple[int, int]:
    """Decode the length at ``offset``: (length, offset after it). Indefinite length is rejected."""
    if offset >= len(data):
        raise MalformedTlv("TLV truncated: length expected")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    count = first & 0x7F
    if count == 0:
        raise MalformedTlv("indefinite TLV length is not allowed")
    if count > _MAX_LENGTH_BYTES:
        raise MalformedTlv(f"TLV length field of {count} bytes is too long")
    if offset + count > len(data):
        raise MalformedTlv("TLV truncated inside the length field")
    return int.from_bytes(data[offset : offset + count], "big"), offset + count


def read_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """(tag, value length, header size) of the object at ``offset``, without needing its value."""
    tag, after_tag = read_tag(data, offset)
    length, after_length = read_length(data, after_tag)
    return tag, length, after_length - offset


def parse_one(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """Decode one object at ``offset``: (object, offset after it)."""
    tag, after_tag = read_tag(data, offset)
    length, start = read_length(data, after_tag)
    end = start + length
    if end > len(data):
        raise MalformedTlv(f"TLV {tag:X} announces {length} bytes but only {len(data) - start} follow")
    return Tlv(tag, bytes(data[start:end])), end


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    offset = 0
    while offset < len(data):
        tlv, offset = parse_one(data, offset)
        yield tlv


def parse_all(data: bytes) -> list[Tlv]:
    """Decode a concatenation of objects that must fill ``data`` exactly."""
    return list(iter_tlv(data))


def parse_single(data: bytes, expected_tag: int | None = None, *, allow_trailing: bool = True) -> Tlv:
    """Decode the object a file consists of, checking its tag. Chips may pad files after the object."""
    tlv, end = parse_one(data)
    if expected_tag is not None and tlv.tag != expected_tag:
        raise UnexpectedTag(f"expected tag {expected_tag:X}, found {tlv.tag:X}", tlv.tag)
    if not allow_trailing and end != len(data):
        raise MalformedTlv(f"{len(data) - end} unexpected bytes after TLV {tlv.tag:X}")
    return tlv


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    if length < 0:
        raise ValueError("negative TLV length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)
