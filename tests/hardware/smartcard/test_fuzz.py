"""Random and mutated bytes into the parsers and the secure-messaging unwrap: only typed errors
(SmartcardError subclasses) may come out. Bounded example counts keep this to a few seconds."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.smartcard import tlv
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.errors import SmartcardError
from hardware.smartcard.lds import com, dg1, dg2, dg13, dg14, dg15, sod
from hardware.smartcard.simulator.lds_factory import DemoCitizen, build_lds, build_test_pki, face_jpeg
from hardware.smartcard.sm import SecureMessaging, TdesCipher

FUZZ = settings(
    max_examples=int(os.environ.get("CONGDAN_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
KS_ENC = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8")

PARSERS = {
    "COM": com.parse,
    "DG1": dg1.parse,
    "DG2": dg2.parse,
    "DG13": dg13.parse,
    "DG14": dg14.parse,
    "DG15": dg15.parse,
    "SOD": sod.parse,
}


def _parse_faces(raw):
    for face in dg2.parse(raw):
        face.to_pil()


PARSERS["DG2"] = _parse_faces


@pytest.fixture(scope="module")
def genuine_files():
    from cryptography.hazmat.primitives.asymmetric import ec

    small_face = face_jpeg(2_000)
    files = build_lds(
        DemoCitizen(), build_test_pki(), ec.generate_private_key(ec.SECP256R1()).public_key(), face=small_face
    )
    return {lds_file.name: raw for lds_file, raw in files.items() if lds_file.name in PARSERS}


def _only_typed_errors(parser, raw):
    try:
        parser(raw)
    except SmartcardError:
        pass


@FUZZ
@given(name=st.sampled_from(sorted(PARSERS)), raw=st.binary(max_size=300))
def test_random_bytes(name, raw):
    _only_typed_errors(PARSERS[name], raw)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(PARSERS)))
def test_mutated_files(genuine_files, data, name):
    raw = bytearray(genuine_files[name])
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "length"]))
        position = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if kind == "flip" and raw:
            raw[position] ^= data.draw(st.integers(1, 255))
        elif kind == "cut":
            del raw[position : position + data.draw(st.integers(1, 64))]
        elif kind == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "length" and len(raw) > 3:
            raw[1] = data.draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x85, 0xFF]))
    _only_typed_errors(PARSERS[name], bytes(raw))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_tlv_parser(raw):
    try:
        for obj in tlv.parse_all(raw):
            if obj.constructed:
                obj.children()
    except SmartcardError:
        pass


def _genuine_response(data: bytes) -> bytes:
    chip = SecureMessaging(TdesCipher(KS_ENC, KS_MAC), bytes(8))
    chip._next_ssc()  # the command's step
    return chip.wrap_response(ResponseAPDU(data, 0x9000)).to_bytes()


@FUZZ
@given(
    raw=st.binary(min_size=2, max_size=120) | st.binary(max_size=60).map(_genuine_response),
    flips=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 255)), max_size=3),
)
def test_secure_messaging_unwrap(raw, flips):
    mutated = bytearray(raw)
    for position, mask in flips:
        if position < len(mutated) - 2:
            mutated[position] ^= mask
    terminal = SecureMessaging(TdesCipher(KS_ENC, KS_MAC), bytes(8))
    terminal.wrap_command(CommandAPDU(0, 0xB0, 0, 0, le=4))
    try:
        terminal.unwrap_response(ResponseAPDU.from_bytes(bytes(mutated)))
    except SmartcardError:
        pass


@FUZZ
@given(raw=st.binary(max_size=80))
def test_chip_side_unwrap_and_the_chip(raw):
    chip = _chip()
    response = chip.process(raw)  # a chip answers anything with a status word, never an exception
    assert len(response) >= 2


_CHIP = []


def _chip():
    if not _CHIP:
        from hardware.smartcard.simulator import build_chip

        _CHIP.append(build_chip(aa=None))
    _CHIP[0].reset()
    return _CHIP[0]
