"""LDS files: EF.COM, DG1, DG2 (JPEG and JPEG 2000 in ISO 19794-5), DG13, DG15, EF.SOD."""

import datetime as dt
import io
import unicodedata

import pytest
from PIL import Image

from hardware.smartcard import tlv
from hardware.smartcard.errors import InvalidMrz, MalformedData, UnexpectedTag
from hardware.smartcard.lds import com, dg1, dg2, dg13, dg15, sod
from hardware.smartcard.simulator.lds_factory import face_jpeg


def test_ef_com_round_trip():
    parsed = com.parse(com.encode([1, 2, 3, 13, 14, 15]))
    assert parsed.data_groups == (1, 2, 3, 13, 14, 15)
    assert parsed.lds_version == "0107"


def test_ef_com_of_the_icao_example():
    # ICAO 9303-11 Appendix D.4: the decrypted EF.COM
    parsed = com.parse(bytes.fromhex("60145F0104303130365F36063034303030305C026175"))
    assert (parsed.lds_version, parsed.unicode_version, parsed.data_groups) == ("0106", "040000", (1, 2))


def test_ef_com_unknown_group_tag_is_kept_aside():
    raw = tlv.encode(0x60, tlv.encode(0x5C, b"\x61\x99"))
    parsed = com.parse(raw)
    assert parsed.data_groups == (1,) and parsed.unknown_tags == (0x99,)


def test_dg1(citizen):
    mrz = dg1.parse(dg1.encode(citizen.mrz()))
    assert mrz.personal_id == citizen.personal_id
    raw = dg1.encode(citizen.mrz())
    assert raw[:5] == bytes.fromhex("615D5F1F5A")  # card.md: 61 5D 5F1F 5A + 90 characters


def test_dg1_wrong_tag_and_bad_mrz(citizen):
    with pytest.raises(UnexpectedTag):
        dg1.parse(b"\x62" + dg1.encode(citizen.mrz())[1:])
    with pytest.raises(InvalidMrz):
        dg1.parse(tlv.encode(0x61, tlv.encode(0x5F1F, b"\xff" * 90)))


def test_dg2_jpeg_to_png():
    image, width, height = face_jpeg()
    assert 10_000 < len(image) <= 15_500
    faces = dg2.parse(dg2.encode(image, width, height))
    assert len(faces) == 1
    face = faces[0]
    assert (face.mime_type, face.width, face.height, face.image_bytes) == ("image/jpeg", width, height, image)
    png = face.to_png()
    assert png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).size == (width, height)


def test_dg2_jpeg2000():
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 150, 120)).save(out, format="JPEG2000")
    face = dg2.parse(dg2.encode(out.getvalue(), 60, 80, jpeg2000=True))[0]
    assert face.mime_type == "image/jp2"
    assert face.to_pil().size == (60, 80)


def test_dg2_corrupt_image_is_typed():
    face = dg2.parse(dg2.encode(b"\xff\xd8garbage", 10, 10))[0]
    with pytest.raises(MalformedData):
        face.to_png()


def test_dg2_bad_container():
    raw = dg2.encode(b"\xff\xd8x", 1, 1).replace(b"FAC\x00", b"FAX\x00")
    with pytest.raises(MalformedData):
        dg2.parse(raw)


def test_dg13_round_trip(citizen):
    data = dg13.parse(dg13.encode(citizen.personal_data()))
    assert data == citizen.personal_data()
    assert data.sex == "Nam" and data.nationality == "Việt Nam"
    assert data.parse_date(data.birth_date) == dt.date(1990, 1, 1)


def _field(number, *values):
    return tlv.encode(0x30, tlv.encode(0x02, bytes([number])) + b"".join(values))


def _dg13(*fields):
    body = tlv.encode(0x02, b"\x01") + tlv.encode(0x06, dg13.DG13_OID) + tlv.encode(0x31, b"".join(fields))
    return tlv.encode(0x6D, tlv.encode(0x30, body))


def test_dg13_by_number_not_position_and_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Nữ")
    raw = _dg13(
        _field(4, tlv.encode(0x0C, "Nữ".encode())),
        _field(2, tlv.encode(0x0C, decomposed.encode())),
        _field(1, tlv.encode(0x13, b"079190000001")),
        _field(13, tlv.encode(0x30, tlv.encode(0x0C, "Cha A".encode()) + tlv.encode(0x0C, "Mẹ B".encode()))),
        _field(12, tlv.encode(0x0C, "Không thời hạn".encode())),
        _field(16, tlv.encode(0x13, b"ABCDEFGH01234567")),
        _field(21, tlv.encode(0x0C, b"future")),
    )
    data = dg13.parse(raw)
    assert data.full_name == "Nguyễn Thị Nữ" and unicodedata.is_normalized("NFC", data.full_name)
    assert data.personal_id == "079190000001"
    assert (data.father_name, data.mother_name) == ("Cha A", "Mẹ B")  # both parents in one SEQUENCE
    assert data.parse_date(data.expiry_date) is None
    assert data.field_16_raw == b"ABCDEFGH01234567"
    assert data.other_fields == {21: ("future",)}
    assert data.place_of_origin is None


def test_dg13_unexpected_value_type():
    with pytest.raises(UnexpectedTag):
        dg13.parse(_dg13(_field(2, tlv.encode(0x04, b"octets"))))
    with pytest.raises(UnexpectedTag):
        dg13.parse(tlv.encode(0x6D, tlv.encode(0x30, tlv.encode(0x02, b"\x01"))))
    with pytest.raises(MalformedData):
        dg13.parse(_dg13(_field(2, tlv.encode(0x0C, b"\xff\xfe"))))


def test_dg15_round_trip():
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert dg15.parse(dg15.encode(key)) == key
    with pytest.raises(MalformedData):
        dg15.parse(tlv.encode(0x6F, b"\x30\x03\x02\x01\x01"))


def test_sod_round_trip(pki):
    groups = {1: b"\x61\x00", 2: b"\x75\x00"}
    security_object = sod.parse(sod.encode(groups, pki.ds_key, pki.ds_certificate))
    assert security_object.hash_algorithm == "sha256"
    assert security_object.data_group_hashes[1] == security_object.digest(groups[1])
    assert security_object.document_signer == pki.ds_certificate
    assert security_object.signature_algorithm == "ecdsa"


@pytest.mark.parametrize("raw", [b"\x77\x03\x30\x01\x00", b"\x77\x00", tlv.encode(0x77, b"\x30\x80" + b"\x00" * 4)])
def test_sod_malformed(raw):
    with pytest.raises(MalformedData):
        sod.parse(raw)
