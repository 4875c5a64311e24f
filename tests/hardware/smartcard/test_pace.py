"""PACE with ECDH Generic Mapping (ICAO 9303-11 4.4) and AES secure messaging.

The worked example is ICAO Doc 9303 Part 11, Appendix G.1 (PACE-ECDH-GM-AES-CBC-CMAC-128 on brainpoolP256r1,
MRZ T22000129 / 640812 / 101031). The values are the standard's, as asserted by gmrtd's pace_test.go
(TestDecryptNonce, TestDoECDH, TestDoGenericMappingEC, TestBuild7F49, TestDoPace_GM_ECDH), which also
gives the APDUs of the exchange. The AES secure messaging vector comes from the same file
(TestDoPace_CAM_ECDH: the session after the Appendix I example, SSC starting at zero)."""

from __future__ import annotations

import pytest

from hardware.smartcard import pace
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.ec import BRAINPOOL_P256R1, SECP256R1
from hardware.smartcard.errors import AccessDenied, MalformedData, SecurityStatusNotSatisfied
from hardware.smartcard.lds.security_infos import parse_security_infos
from hardware.smartcard.mrz import AccessKey
from hardware.smartcard.reader import EmrtdReader, read_card
from hardware.smartcard.sm import AesCipher, SecureMessaging
from hardware.smartcard.transport import SimulatedTransport

H = bytes.fromhex

ACCESS_KEY = AccessKey("T22000129", "640812", "101031")
CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")
K_PI = H("89DED1B26624EC1E634C1989302849DD")
NONCE_Z = H("95A3A016522EE98D01E76CB6B98B42C3")
NONCE_S = H("3F00C4D39D153F2B2A214A078D899B22")
SK_MAP_IFD = 0x7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99
PK_MAP_IFD = (
    0x7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E,
    0x544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D,
)
SK_MAP_IC = 0x498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560
PK_MAP_IC = (
    0x824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57,
    0x30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54,
)
SHARED_H = (
    0x60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5,
    0x0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181,
)
MAPPED_G = (
    0x8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2,
    0x8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522,
)
SK_EPH_IFD = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
PK_EPH_IFD = (
    0x2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C,
    0x3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462,
)
PK_EPH_IC = (
    0x9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB,
    0x7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094,
)
KS_ENC = H("F5F0E35C0D7161EE6724EE513A0D9A7F")
KS_MAC = H("FE251C7858B356B24514B3BD5F4297D1")
T_PCD = H("C2B0BD78D94BA866")
T_PICC = H("3ABB9674BCE93C08")
#: The exchange of TestDoPace_GM_ECDH; our MSE:Set AT also names the domain parameters (84 01 0D).
EXCHANGE = [
    ("0022C1A412800A04007F0007020204020283010184010D", "9000"),
    ("10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
    (
        "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218"
        "799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
        "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B"
        "58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
    ),
    (
        "10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF"
        "10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
        "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F"
        "018F9CB852E111B768B326904B59A0193776F0949000",
    ),
    ("008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"),
]
PROTOCOL = pace.PROTOCOLS[pace.ID_PACE_ECDH_GM_AES_CBC_CMAC_128]


def _keys(*scalars: int):
    """A ``random`` that hands out these private keys, in order (32 bytes each)."""
    queue = [s.to_bytes(32, "big") for s in scalars]
    return lambda n: queue.pop(0)


class ScriptedChip:
    """Answers exactly the worked example's APDUs, failing on any other command."""

    atr = b""

    def __init__(self, exchange):
        self.exchange = [(H(c), H(r)) for c, r in exchange]

    def reset(self):
        pass

    def process(self, raw: bytes) -> bytes:
        command, response = self.exchange.pop(0)
        assert raw.hex().upper() == command.hex().upper()
        return response


# -- Appendix G.1, step by step ----------------------------------------------------------------------


def test_card_access_pace_info():
    [info] = pace.supported_pace_infos(parse_security_infos(CARD_ACCESS[2:]))
    assert (info.protocol.oid, info.parameter_id, info.curve) == (
        "0.4.0.127.0.7.2.2.4.2.2",
        13,
        BRAINPOOL_P256R1,
    )
    assert pace.encode_card_access([info]) == CARD_ACCESS


def test_password_key_and_nonce():
    assert PROTOCOL.password_key(ACCESS_KEY) == K_PI
    assert PROTOCOL.decrypt_nonce(K_PI, NONCE_Z) == NONCE_S
    assert PROTOCOL.encrypt_nonce(K_PI, NONCE_S) == NONCE_Z


def test_generic_mapping_both_sides():
    curve = BRAINPOOL_P256R1
    assert curve.multiply(SK_MAP_IFD, curve.g) == PK_MAP_IFD
    assert curve.multiply(SK_MAP_IC, curve.g) == PK_MAP_IC
    assert curve.multiply(SK_MAP_IFD, PK_MAP_IC) == SHARED_H
    assert pace.mapped_generator(curve, NONCE_S, SK_MAP_IFD, PK_MAP_IC) == MAPPED_G
    assert pace.mapped_generator(curve, NONCE_S, SK_MAP_IC, PK_MAP_IFD) == MAPPED_G
    assert curve.multiply(SK_EPH_IFD, MAPPED_G) == PK_EPH_IFD


def test_session_keys_and_tokens():
    cipher = PROTOCOL.session_cipher(pace.shared_secret(BRAINPOOL_P256R1, SK_EPH_IFD, PK_EPH_IC))
    assert (cipher.ks_enc, cipher.ks_mac) == (KS_ENC, KS_MAC)
    assert PROTOCOL.token(cipher, BRAINPOOL_P256R1, PK_EPH_IC) == T_PCD
    assert PROTOCOL.token(cipher, BRAINPOOL_P256R1, PK_EPH_IFD) == T_PICC


def test_worked_example_exchange():
    channel = CardChannel(SimulatedTransport(ScriptedChip(EXCHANGE)))
    [info] = pace.supported_pace_infos(parse_security_infos(CARD_ACCESS[2:]))
    pace.perform_pace(channel, ACCESS_KEY, info, random=_keys(SK_MAP_IFD, SK_EPH_IFD))
    session = channel.secure_messaging
    assert isinstance(session.cipher, AesCipher)
    assert (session.cipher.ks_enc, session.cipher.ks_mac, session.ssc) == (KS_ENC, KS_MAC, bytes(16))


def test_wrong_chip_token_is_access_denied():
    exchange = EXCHANGE[:-1] + [(EXCHANGE[-1][0], "7C0A86083ABB9674BCE93C099000")]
    channel = CardChannel(SimulatedTransport(ScriptedChip(exchange)))
    [info] = pace.supported_pace_infos(parse_security_infos(CARD_ACCESS[2:]))
    with pytest.raises(AccessDenied, match="token"):
        pace.perform_pace(channel, ACCESS_KEY, info, random=_keys(SK_MAP_IFD, SK_EPH_IFD))
    assert channel.secure_messaging is None


def test_chip_point_off_the_curve_is_rejected():
    bad = EXCHANGE[2][1].replace("824FBA91", "824FBA92")
    exchange = EXCHANGE[:2] + [(EXCHANGE[2][0], bad)]
    channel = CardChannel(SimulatedTransport(ScriptedChip(exchange)))
    [info] = pace.supported_pace_infos(parse_security_infos(CARD_ACCESS[2:]))
    with pytest.raises(MalformedData, match="not on brainpoolP256r1"):
        pace.perform_pace(channel, ACCESS_KEY, info, random=_keys(SK_MAP_IFD, SK_EPH_IFD))


def test_aes_secure_messaging_vector():
    """gmrtd TestDoPace_CAM_ECDH: SELECT EF.CardSecurity and its first READ BINARY under AES SM."""
    terminal = SecureMessaging(
        AesCipher(H("0A9DA4DB03BDDE39FC5202BC44B2E89E"), H("4B1C06491ED5140CA2B537D344C6C0B1")), bytes(16)
    )
    select = terminal.wrap_command(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, H("011D")))
    assert select.to_bytes() == H("0CA4020C1D8711013824F3CB16CAA40DDFF8459C215CC4988E08158449671FCC718300")
    assert terminal.unwrap_response(ResponseAPDU.from_bytes(H("990290008E085E007CA87260A77F9000"))).sw == 0x9000
    read = terminal.wrap_command(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=4))
    assert read.to_bytes() == H("0CB000000D9701048E081049244EED15563D00")
    answer = terminal.unwrap_response(
        ResponseAPDU.from_bytes(H("8711017B0085CFF0A3845B7F1B02E72BBE6395990290008E083CF26FAD48F7888B9000"))
    )
    assert answer.sw == 0x9000 and len(answer.data) == 4


def test_aes_secure_messaging_round_trip_both_sides():
    cipher = AesCipher(KS_ENC, KS_MAC)
    terminal, chip = SecureMessaging(cipher, bytes(16)), SecureMessaging(cipher, bytes(16))
    command = CommandAPDU(0x00, 0xB0, 0x81, 0x00, le=300)
    assert chip.unwrap_command(terminal.wrap_command(command)) == CommandAPDU(
        0x00, 0xB0, 0x81, 0x00, le=300, extended=True
    )
    data = bytes(range(200)) * 3
    assert terminal.unwrap_response(chip.wrap_response(ResponseAPDU(data, 0x9000))).data == data


# -- against the simulated chip ----------------------------------------------------------------------


@pytest.mark.parametrize("parameter_id, curve", [(13, BRAINPOOL_P256R1), (12, SECP256R1)])
def test_read_with_pace(make_transport, citizen, trust_store, parameter_id, curve):
    transport = make_transport(pace=parameter_id, bac_enabled=False)
    reader = EmrtdReader(transport)
    result = reader.read(citizen.access_key(), trust_store)
    result.verify()
    assert result.access_control == "PACE"
    assert isinstance(reader.channel.secure_messaging.cipher, AesCipher)
    assert result.mrz.personal_id == citizen.personal_id
    assert len(result.raw_files["DG2"]) > 10_000
    assert result.active_auth.status.value == "passed"
    # READ EF.CardAccess, MSE:Set AT, 4 x GENERAL AUTHENTICATE, SELECT, 7 files, INTERNAL AUTHENTICATE
    assert result.stats.apdus == 1 + 1 + 4 + 1 + 7 + 1


def test_short_length_pace_read(make_transport, citizen, trust_store):
    result = read_card(make_transport(pace=13, extended_length=False, aa=None), citizen.access_key(), trust_store)
    assert result.access_control == "PACE" and result.passive_auth.passed


def test_pace_wrong_password_is_access_denied_without_bac(make_transport):
    transport = make_transport(pace=13)
    sent = []
    original = transport.chip.process
    transport.chip.process = lambda raw: sent.append(raw[1]) or original(raw)
    with pytest.raises(AccessDenied):
        read_card(transport, AccessKey("000000000", "900101", "300101"))
    assert 0x86 in sent and 0x84 not in sent  # GENERAL AUTHENTICATE tried, GET CHALLENGE (BAC) never


def test_pace_twelve_digit_key_fallback(make_transport, citizen, trust_store):
    from hardware.smartcard.mrz import access_keys_from_qr

    transport = make_transport(pace=13, bac_twelve_digits=True, bac_enabled=False)
    result = read_card(transport, access_keys_from_qr(citizen.qr_record()), trust_store)
    assert result.access_control == "PACE"


def test_announced_but_unsupported_pace_falls_back_to_bac(make_transport, citizen, trust_store):
    info = pace.PaceInfo(PROTOCOL, 13)
    transport = make_transport(card_access=pace.encode_card_access([info]))  # the chip answers 6D00 to MSE
    assert read_card(transport, citizen.access_key(), trust_store).access_control == "BAC"


def test_pace_options_we_do_not_run_mean_bac(make_transport, citizen, trust_store):
    dh_gm = pace.PaceInfo(pace.PaceProtocol("0.4.0.127.0.7.2.2.4.1.2", "AES", 128), 13)  # DH, not ECDH
    transport = make_transport(card_access=pace.encode_card_access([dh_gm]))
    assert read_card(transport, citizen.access_key(), trust_store).access_control == "BAC"


def test_pace_only_chip_refuses_bac(make_transport, citizen):
    with pytest.raises(SecurityStatusNotSatisfied):
        read_card(make_transport(pace=13, bac_enabled=False), citizen.access_key(), use_pace=False)


def test_chip_refuses_out_of_order_general_authenticate(make_transport):
    chip = make_transport(pace=13).chip
    assert chip.process(H("10860000027C0000")) == H("6985")  # no MSE:Set AT first
    info = pace.PaceInfo(PROTOCOL, 13)
    assert chip.process(CommandAPDU(0x00, 0x22, 0xC1, 0xA4, pace.set_at_data(info)).to_bytes()) == H("9000")
    assert chip.process(H("10860000457C438341" + "04" + "00" * 64 + "00")) == H("6A80")
