"""PACE with Chip Authentication Mapping. The worked example is ICAO Doc 9303 Part 11, Appendix I
(PACE-ECDH-CAM-AES-CBC-CMAC-128 on brainpoolP256r1, MRZ C11T002JM / 960812 / 231031), with the APDUs as
gmrtd's pace_test.go (TestDoPace_CAM_ECDH) gives them; EF.CardSecurity's SecurityInfos are the example's, as
read there under the session keys. Our MSE:Set AT also names the domain parameters (84 01 0D)."""

from __future__ import annotations

import contextlib

import pytest

from hardware.smartcard import pace, pace_cam, tlv
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.ec import BRAINPOOL_P256R1
from hardware.smartcard.errors import ChipAuthenticationFailed, MalformedData
from hardware.smartcard.lds.security_infos import parse_security_infos
from hardware.smartcard.mrz import AccessKey

H = bytes.fromhex

ACCESS_KEY = AccessKey("C11T002JM", "960812", "231031")
CARD_ACCESS = H("31143012060A04007F0007020204060202010202010D")
SK_MAP_IFD = 0x5D8BB87BD74D985A4B7D4325B9F7B976FE835122773400798914AA22738135CC
SK_EPH_IFD = 0x76ECFDAA9841C323A3F5FC5E88B88DB3EFF7E35EBF57A7E6946CB630006C2120
KS_ENC = H("0A9DA4DB03BDDE39FC5202BC44B2E89E")
KS_MAC = H("4B1C06491ED5140CA2B537D344C6C0B1")
CARD_SECURITY_INFOS = H(
    "31643062060904007F0007020201023052300C060704007F0007010202010D034200041872709494399E7470A6431BE25E83EEE24F"
    "EA568C2ED28DB48E05DB3A610DC884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E16F02010D"
)
LAST_ANSWER = (
    "7C3C86088596CF055C67C1A38A301EEA964DAAE372AC990E3EFDE6333353BFC89A6704D93DA8798CF77F5B7A54BD10CBA372B42BE0"
    "B9B5F28AA8DE2F4F929000"
)
EXCHANGE = [
    ("0022C1A412800A04007F0007020204060283010184010D", "9000"),
    ("10860000027C0000", "7C128010CB60E8E0D85B76A9BD304747C2AD42E29000"),
    (
        "10860000457C438141047F1D410ADB7DDB3B84BF1030800981A9105D7457B4A3ADE002384F3086C67EDE1AB889104A27DB6D842B"
        "019020FBF3CEACB0DC627F7BDCAC29969E19D0E553C100",
        "7C43824104A234236AA9B9621E8EFB73B5245C0E09D2576E5277183C1208BDD55280CAE8B304F365713A356E65A451E165ECC9AC"
        "0AC46E3771342C8FE5AEDD092685338E239000",
    ),
    (
        "10860000457C43834104446C934084D9DAB863944F219520076C29EE3F7AE6722B11FF319EC1C7728F955483400BFF60BF0C5929"
        "270009277DC2A515E12575010AD9BA916CF1BF86FEFC00",
        "7C4384410402AD566F3C6EC7F9324509AD50A51FA52030782A4968FCFEDF737DAEA993333111C3B9B4C2287789BD137E7F8AA882"
        "E2A3C633CCD6ECC2C63C57AD401A09C2E19000",
    ),
    ("008600000C7C0A8508E86BD06018A1CD3B00", LAST_ANSWER),
]


class ScriptedChip:
    atr = b""

    def __init__(self, exchange):
        self.exchange = [(H(c), H(r)) for c, r in exchange]

    def transmit(self, raw: bytes) -> bytes:
        command, response = self.exchange.pop(0)
        assert raw.hex().upper() == command.hex().upper()
        return response


def _keys(*scalars):
    queue = [s.to_bytes(32, "big") for s in scalars]
    return lambda n: queue.pop(0)


def _run(exchange):
    [info] = pace.supported_pace_infos(parse_security_infos(CARD_ACCESS[2:]))
    assert info.protocol.mapping == "CAM" and info.curve is BRAINPOOL_P256R1
    channel = CardChannel(ScriptedChip(exchange))
    outcome = pace.perform_pace(channel, ACCESS_KEY, info, random=_keys(SK_MAP_IFD, SK_EPH_IFD))
    return channel, outcome


def test_appendix_i_pace_cam_proves_the_chip():
    channel, outcome = _run(EXCHANGE)
    cipher = channel.secure_messaging.cipher
    assert (cipher.ks_enc, cipher.ks_mac, channel.secure_messaging.ssc) == (KS_ENC, KS_MAC, bytes(16))
    static = pace_cam.static_key(parse_security_infos(CARD_SECURITY_INFOS[2:]), BRAINPOOL_P256R1)
    assert pace_cam.verify(outcome, cipher, static)


def test_appendix_i_with_another_static_key_fails():
    channel, outcome = _run(EXCHANGE)
    other = BRAINPOOL_P256R1.multiply_generator(12345)
    assert not pace_cam.verify(outcome, channel.secure_messaging.cipher, other)


def test_tampered_chip_authentication_data_fails():
    answer = bytearray(H(LAST_ANSWER))
    answer[20] ^= 0x01  # inside A_IC (8A), after the token
    channel, outcome = _run(EXCHANGE[:-1] + [(EXCHANGE[-1][0], answer.hex())])
    static = pace_cam.static_key(parse_security_infos(CARD_SECURITY_INFOS[2:]), BRAINPOOL_P256R1)
    # A broken padding is refused as malformed: also a failure to prove the chip.
    with contextlib.suppress(MalformedData):
        assert not pace_cam.verify(outcome, channel.secure_messaging.cipher, static)


def test_cam_answer_without_chip_authentication_data_is_refused():
    token_only = "7C0A86088596CF055C67C1A39000"
    with pytest.raises(ChipAuthenticationFailed):
        _run(EXCHANGE[:-1] + [(EXCHANGE[-1][0], token_only)])


def test_chip_side_matches_the_terminal():
    curve = BRAINPOOL_P256R1
    static_private = 0x1234567890ABCDEF
    cipher = pace.PROTOCOLS[pace.ID_PACE_ECDH_CAM + ".2"].session_cipher(b"\x01" * 32)
    map_private = 987654321
    encrypted = pace_cam.encrypt_chip_auth_data(cipher, curve, map_private, static_private)
    outcome = pace.PaceOutcome(
        pace.PaceInfo(pace.PROTOCOLS[pace.ID_PACE_ECDH_CAM + ".2"], 13),
        curve.multiply_generator(map_private),
        encrypted,
    )
    assert pace_cam.verify(outcome, cipher, curve.multiply_generator(static_private))
    assert tlv.encode(0x8A, encrypted)[:2] == H("8A30")
