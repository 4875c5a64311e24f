"""Random and mutated bytes into the new parsers of chip authentication: DG14 SecurityInfos (with their
SubjectPublicKeyInfos), GENERAL AUTHENTICATE answers, and the chip's CA commands. Only typed errors
(SmartcardError subclasses) may come out; the chip answers everything with a status word."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.smartcard import chip_auth, tlv
from hardware.smartcard.apdu import CommandAPDU
from hardware.smartcard.errors import SmartcardError
from hardware.smartcard.lds import dg14
from hardware.smartcard.simulator import chip_ca_key

FUZZ = settings(
    max_examples=int(os.environ.get("CONGDAN_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_GENUINE = {
    kind: dg14.encode(tlv.encode(0x31, chip_ca_key(kind, "AES-128", key_id=1)[1]))
    for kind in ("ecdh", "ecdh-explicit", "dh")
}
_CHIP_CA = chip_ca_key("ecdh", "AES-128")[0]


def _interpret(raw: bytes) -> None:
    try:
        offer = chip_auth.interpret_dg14(dg14.parse(raw))
    except SmartcardError:
        return
    for option in offer.options:  # whatever was accepted must be usable
        option.key.agreement.shared_secret(5, option.key.public)


def _mutate(data, raw: bytes) -> bytes:
    mutated = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "length"]))
        position = data.draw(st.integers(0, max(0, len(mutated) - 1)))
        if kind == "flip" and mutated:
            mutated[position] ^= data.draw(st.integers(1, 255))
        elif kind == "cut":
            del mutated[position : position + data.draw(st.integers(1, 32))]
        elif kind == "insert":
            mutated[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "length" and len(mutated) > position + 1:
            mutated[position + 1] = data.draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF]))
    return bytes(mutated)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_dg14_random_bytes(raw):
    _interpret(raw)


@FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(_GENUINE)))
def test_dg14_mutated(data, kind):
    _interpret(_mutate(data, _GENUINE[kind]))


@FUZZ
@given(raw=st.binary(max_size=120) | st.binary(max_size=60).map(lambda b: tlv.encode(0x7C, b)))
def test_general_authenticate_answer(raw):
    try:
        chip_auth.parse_general_authenticate_answer(raw)
    except SmartcardError:
        pass


@FUZZ
@given(
    ins_p=st.sampled_from([(0x22, 0x41, 0xA6), (0x22, 0x41, 0xA4), (0x86, 0x00, 0x00)]),
    data=st.binary(max_size=120),
)
def test_chip_side_ca_commands(ins_p, data):
    ins, p1, p2 = ins_p
    chip = _CHIP_CA
    chip.reset()
    command = CommandAPDU(0x00, ins, p1, p2, data)
    if ins == 0x86:
        chip._armed = True  # as after a valid MSE:Set AT
        response, _ = chip.general_authenticate(command)
    elif p2 == 0xA6:
        response, _ = chip.set_kat(command)
    else:
        response = chip.set_at(command)
    assert 0x6000 <= response.sw <= 0x9FFF


_CAM_CHIP = None


def _card_security() -> bytes:
    global _CAM_CHIP
    if _CAM_CHIP is None:
        from hardware.smartcard.lds.card_security import EF_CARD_SECURITY
        from hardware.smartcard.simulator import build_chip

        _CAM_CHIP = build_chip(aa=None, pace=13, cam=True).mf_files[EF_CARD_SECURITY.fid]
    return _CAM_CHIP


def _card_security_key(raw: bytes) -> None:
    from hardware.smartcard import pace_cam
    from hardware.smartcard.ec import BRAINPOOL_P256R1
    from hardware.smartcard.lds import card_security

    try:
        pace_cam.static_key(card_security.parse(raw).security_infos, BRAINPOOL_P256R1)
    except SmartcardError:
        pass


@FUZZ
@given(data=st.data())
def test_card_security_mutated(data):
    _card_security_key(_mutate(data, _card_security()))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_card_security_random(raw):
    _card_security_key(raw)


@FUZZ
@given(encrypted=st.binary(max_size=64))
def test_cam_chip_authentication_data(encrypted):
    from hardware.smartcard import pace, pace_cam

    info = pace.PaceInfo(pace.PROTOCOLS[pace.ID_PACE_ECDH_CAM + ".2"], 13)
    cipher = info.protocol.session_cipher(b"\x05" * 32)
    outcome = pace.PaceOutcome(info, info.curve.g, encrypted)
    try:
        assert not pace_cam.verify(outcome, cipher, info.curve.multiply_generator(7))
    except SmartcardError:
        pass
