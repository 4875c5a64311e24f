"""BER-TLV and APDU encoding, and the status-word table."""

import pytest

from hardware.smartcard import tlv
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU, check_status, status_error
from hardware.smartcard.errors import (
    AccessDenied,
    FileNotFound,
    MalformedTlv,
    SecureMessagingError,
    SecurityStatusNotSatisfied,
    UnexpectedTag,
    UnsupportedCommand,
    WrongLength,
)


@pytest.mark.parametrize(
    "tag, value, encoded",
    [
        (0x5F1F, b"AB", "5F1F024142"),
        (0x61, b"\x00" * 0x80, "618180" + "00" * 0x80),
        (0x75, b"\x01" * 0x1234, "75821234" + "01" * 0x1234),
        (0x7F61, b"", "7F6100"),
    ],
)
def test_encode_and_parse(tag, value, encoded):
    assert tlv.encode(tag, value) == bytes.fromhex(encoded)
    parsed = tlv.parse_single(bytes.fromhex(encoded), tag)
    assert parsed == tlv.Tlv(tag, value)


def test_constructed_children():
    inner = tlv.encode(0x5F01, b"0107") + tlv.encode(0x5C, b"\x61\x75")
    root = tlv.parse_single(tlv.encode(0x60, inner) + b"\x00\x00")  # trailing padding after the object
    assert root.constructed
    assert root.child(0x5C).value == b"\x61\x75"
    assert root.find(0x5F36) is None
    with pytest.raises(UnexpectedTag):
        root.child(0x5F36)
    with pytest.raises(UnexpectedTag):
        root.child(0x5C).children()


@pytest.mark.parametrize("data", ["", "5F", "5F1F", "6105AABB", "6180", "6185FFFFFFFFFF", "61820100", "9F8F8F8F0100"])
def test_malformed(data):
    with pytest.raises(MalformedTlv):
        tlv.parse_all(bytes.fromhex(data)) if data else tlv.parse_single(b"")


def test_indefinite_length_rejected():
    with pytest.raises(MalformedTlv, match="indefinite"):
        tlv.parse_single(bytes.fromhex("61800000"))


def test_unexpected_outer_tag():
    with pytest.raises(UnexpectedTag) as info:
        tlv.parse_single(tlv.encode(0x62, b""), 0x61)
    assert info.value.tag == 0x62


@pytest.mark.parametrize(
    "command, encoded",
    [
        (CommandAPDU(0, 0xA4, 4, 0x0C, bytes.fromhex("A0000002471001")), "00A4040C07A0000002471001"),
        (CommandAPDU(0, 0x84, 0, 0, le=8), "0084000008"),
        (CommandAPDU(0, 0xB0, 0x9E, 0, le=256), "00B09E0000"),
        (CommandAPDU(0, 0xB0, 0, 0, le=65536), "00B00000000000"),
        (CommandAPDU(0, 0xB0, 0, 0, le=1000), "00B000000003E8"),
        (CommandAPDU(0x0C, 0xB0, 0, 0, b"\x01" * 300, 65536), "0CB00000" + "00012C" + "01" * 300 + "0000"),
        (CommandAPDU(0, 0x0E, 0, 0), "000E0000"),
    ],
)
def test_command_round_trip(command, encoded):
    raw = bytes.fromhex(encoded)
    assert command.to_bytes() == raw
    decoded = CommandAPDU.from_bytes(raw)
    assert (decoded.cla, decoded.ins, decoded.p1, decoded.p2, decoded.data, decoded.le) == (
        command.cla,
        command.ins,
        command.p1,
        command.p2,
        command.data,
        command.le,
    )


@pytest.mark.parametrize("raw", ["00A4", "00A4040C05AABB", "00B000000000", "00B00000000005AABB"])
def test_command_bad_length(raw):
    with pytest.raises(WrongLength):
        CommandAPDU.from_bytes(bytes.fromhex(raw))


@pytest.mark.parametrize(
    "sw, error",
    [
        (0x6300, AccessDenied),
        (0x63C2, AccessDenied),
        (0x6982, SecurityStatusNotSatisfied),
        (0x6A82, FileNotFound),
        (0x6D00, UnsupportedCommand),
        (0x6700, WrongLength),
        (0x6C10, WrongLength),
        (0x6988, SecureMessagingError),
    ],
)
def test_status_table(sw, error):
    with pytest.raises(error) as info:
        check_status(ResponseAPDU(b"", sw), "READ")
    assert f"{sw:04X}" in str(info.value)
    assert info.value.user_message  # every error has a kiosk message
    assert isinstance(status_error(sw), error)


def test_success_words():
    assert check_status(ResponseAPDU(b"x", 0x9000)).data == b"x"
    assert check_status(ResponseAPDU(b"x", 0x6282)).data == b"x"
