"""DG2: the face image inside the ISO/IEC 19794-5 container (JPEG or JPEG 2000), decoded to something
a screen can show."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from hardware.smartcard import tlv
from hardware.smartcard.errors import MalformedData, UnexpectedTag
from hardware.smartcard.lds import DATA_GROUPS

_GROUP_TEMPLATE = 0x7F61
_COUNT = 0x02
_TEMPLATE = 0x7F60
_HEADER = 0xA1
_BLOCKS = (0x5F2E, 0x7F2E)
_FACE_MAGIC = b"FAC\x00"
_GENERAL_HEADER = 14
_FACIAL_INFO = 20
_FEATURE_POINT = 8
_IMAGE_INFO = 12
_JPEG_MAGIC = b"\xff\xd8"
_JP2_MAGICS = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")


@dataclass(frozen=True)
class FaceImage:
    mime_type: str  # image/jpeg or image/jp2
    width: int
    height: int
    image_bytes: bytes

    def to_pil(self):
        """The decoded image (Pillow); MalformedData if the bytes are not a readable image."""
        from PIL import Image

        try:
            image = Image.open(io.BytesIO(self.image_bytes))
            image.load()
        except Exception as exc:
            raise MalformedData(f"the face image cannot be decoded: {exc}") from exc
        return image

    def to_png(self) -> bytes:
        out = io.BytesIO()
        self.to_pil().convert("RGB").save(out, format="PNG")
        return out.getvalue()


def parse(raw: bytes) -> list[FaceImage]:
    root = tlv.parse_single(raw, DATA_GROUPS[2].tag)
    group = root.child(_GROUP_TEMPLATE)
    faces = []
    for template in group.children():
        if template.tag == _COUNT:
            continue
        if template.tag != _TEMPLATE:
            raise UnexpectedTag(f"tag {template.tag:X} in the biometric group template", template.tag)
        block = next((t for t in template.children() if t.tag in _BLOCKS), None)
        if block is None:
            raise UnexpectedTag("biometric template without a data block (5F2E)", _BLOCKS[0])
        faces.extend(parse_facial_record_block(block.value))
    if not faces:
        raise MalformedData("DG2 holds no face image")
    return faces


def parse_facial_record_block(block: bytes) -> list[FaceImage]:
    """ISO/IEC 19794-5 facial record data: a general header, then one record per face."""
    if len(block) < _GENERAL_HEADER or block[:4] != _FACE_MAGIC:
        raise MalformedData("face container does not start with 'FAC'")
    count = struct.unpack(">H", block[12:14])[0]
    offset, faces = _GENERAL_HEADER, []
    for _ in range(count):
        if offset + _FACIAL_INFO > len(block):
            raise MalformedData("face record truncated")
        record_length, feature_points = struct.unpack(">IH", block[offset : offset + 6])
        record_end = offset + record_length
        info = offset + _FACIAL_INFO + feature_points * _FEATURE_POINT
        if record_end > len(block) or info + _IMAGE_INFO > record_end:
            raise MalformedData("face record length does not match its content")
        image_type, width, height = struct.unpack(">xBHH", block[info : info + 6])
        image = bytes(block[info + _IMAGE_INFO : record_end])
        faces.append(FaceImage(_mime_type(image_type, image), width, height, image))
        offset = record_end
    return faces


def _mime_type(image_data_type: int, image: bytes) -> str:
    if image.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if image.startswith(_JP2_MAGICS):
        return "image/jp2"
    if image_data_type in (0, 1):  # trust the header when the magic bytes are unusual
        return "image/jpeg" if image_data_type == 0 else "image/jp2"
    raise MalformedData(f"unknown face image data type {image_data_type}")


def encode(image: bytes, width: int, height: int, *, jpeg2000: bool = False) -> bytes:
    """A DG2 with one face, as a chip would hold it (used by the simulator)."""
    image_info = struct.pack(">BBHHBBHH", 1, 1 if jpeg2000 else 0, width, height, 1, 2, 0, 0)
    # record length, no feature points, then gender .. pose uncertainty all "unspecified" (14 zero bytes)
    facial_info = struct.pack(">IH", _FACIAL_INFO + _IMAGE_INFO + len(image), 0) + bytes(14)
    record = facial_info + image_info + image
    block = _FACE_MAGIC + b"010\x00" + struct.pack(">IH", _GENERAL_HEADER + len(record), 1) + record
    header = b"".join(
        tlv.encode(tag, value)
        for tag, value in ((0x80, b"\x01\x01"), (0x81, b"\x02"), (0x87, b"\x01\x01"), (0x88, b"\x00\x08"))
    )
    template = tlv.encode(_TEMPLATE, tlv.encode(_HEADER, header) + tlv.encode(0x5F2E, block))
    return tlv.encode(DATA_GROUPS[2].tag, tlv.encode(_GROUP_TEMPLATE, tlv.encode(_COUNT, b"\x01") + template))
