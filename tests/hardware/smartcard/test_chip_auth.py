"""Chip Authentication (ICAO 9303-11 6.2, BSI TR-03110 v1 / AES of v2): key agreement, session keys, secure
messaging after CA, DG14 interpretation, and the reader against genuine simulated chips.

Sources of the known-answer values: no published worked example of Chip Authentication itself could be
found (ICAO 9303-11 has worked examples for BAC, App. D, and PACE, App. G, I), so the CA computation is
checked with what is the same in both: App. G.1's ECDH key agreement on brainpoolP256r1 (terminal key
SK_EPH_IFD, chip key PK_EPH_IC) gives the shared secret, and the 9.7.1 KDF with counters 1 and 2 gives App.
G.1's KSenc / KSmac. The KDF for the other key sizes, DH and secure messaging after CA are cross-checked
against independent computations with the `cryptography` primitives (X9.63 KDF, ECDH, DH, AES-CBC, CMAC).
Whole CA exchanges of real passports (AT, DE, FR) are replayed byte for byte in test_chip_auth_traces.py."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import cmac, hashes
from cryptography.hazmat.primitives.asymmetric import dh
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from hardware.smartcard import chip_auth, crypto, key_agreement, tlv
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.channel import CardChannel
from hardware.smartcard.ec import BRAINPOOL_P256R1, SECP256R1
from hardware.smartcard.errors import MalformedData
from hardware.smartcard.lds.security_infos import parse_security_infos
from hardware.smartcard.reader import read_card
from hardware.smartcard.simulator import chip_ca_key
from hardware.smartcard.sm import AesCipher, SecureMessaging, TdesCipher
from hardware.smartcard.verdict import TrustLevel

H = bytes.fromhex

# ICAO 9303-11 Appendix G.1 (values as in tests/hardware/smartcard/test_pace.py)
SK_EPH_IFD = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
PK_EPH_IC = BRAINPOOL_P256R1.encode_point(
    (
        0x9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB,
        0x7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094,
    )
)
G1_SHARED_SECRET = H("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
G1_KS_ENC = H("F5F0E35C0D7161EE6724EE513A0D9A7F")
G1_KS_MAC = H("FE251C7858B356B24514B3BD5F4297D1")
ECDH_AES_128 = chip_auth.PROTOCOLS[chip_auth.ID_CA_ECDH + ".2"]


def _fixed(*scalars: int, size: int = 32):
    queue = [s.to_bytes(size, "big") for s in scalars]
    return lambda n: queue.pop(0)


def test_ca_session_keys_reproduce_icao_appendix_g1():
    agreement = key_agreement.EcdhAgreement(BRAINPOOL_P256R1)
    secret = agreement.shared_secret(SK_EPH_IFD, PK_EPH_IC)
    assert secret == G1_SHARED_SECRET
    cipher = ECDH_AES_128.session_cipher(secret)
    assert (cipher.ks_enc, cipher.ks_mac) == (G1_KS_ENC, G1_KS_MAC)


@pytest.mark.parametrize(
    ("suffix", "algorithm", "size"),
    [(2, hashes.SHA1(), 16), (3, hashes.SHA256(), 24), (4, hashes.SHA256(), 32)],
)
def test_aes_session_keys_match_an_independent_x963_kdf(suffix, algorithm, size):
    """The 9303-11 KDF is X9.63's with counters 1 and 2 and no shared info: Hash(K || 00000001) ..."""
    protocol = chip_auth.PROTOCOLS[f"{chip_auth.ID_CA_ECDH}.{suffix}"]
    cipher = protocol.session_cipher(G1_SHARED_SECRET)
    digest = algorithm.digest_size
    stream = X963KDF(algorithm, 2 * digest, None).derive(G1_SHARED_SECRET)
    assert (cipher.ks_enc, cipher.ks_mac) == (stream[:size], stream[digest : digest + size])


def test_3des_session_keys_match_an_independent_x963_kdf_with_parity():
    cipher = chip_auth.PROTOCOLS[chip_auth.ID_CA_DH + ".1"].session_cipher(G1_SHARED_SECRET)
    stream = X963KDF(hashes.SHA1(), 40, None).derive(G1_SHARED_SECRET)
    assert cipher.ks_enc == crypto.adjust_parity(stream[:16])
    assert cipher.ks_mac == crypto.adjust_parity(stream[20:36])
    assert all(bin(b).count("1") % 2 for b in cipher.ks_enc + cipher.ks_mac)


def test_rfc5114_group_is_a_prime_order_subgroup():
    group = key_agreement.RFC5114_2048_224
    assert group.p.bit_length() == 2048 and group.q.bit_length() == 224
    assert (group.p - 1) % group.q == 0 and pow(group.g, group.q, group.p) == 1


def test_dh_shared_secret_matches_cryptography():
    group = key_agreement.RFC5114_2048_224
    ours = key_agreement.DhAgreement(group)
    numbers = dh.DHParameterNumbers(group.p, group.g, group.q)
    theirs = numbers.parameters().generate_private_key()
    private, public = ours.generate(os.urandom)
    their_public = theirs.public_key().public_numbers().y.to_bytes(group.size, "big")
    peer = dh.DHPublicNumbers(int.from_bytes(public, "big"), numbers).public_key()
    assert ours.shared_secret(private, their_public) == theirs.exchange(peer)


def test_dh_public_key_outside_the_subgroup_is_refused():
    ours = key_agreement.DhAgreement(key_agreement.RFC5114_2048_224)
    for bad in (b"\x01", (ours.group.p - 1).to_bytes(256, "big"), b"\x02"):
        with pytest.raises(MalformedData):
            ours.shared_secret(5, bad)


class _Recorder:
    """A transport that records commands and answers 9000 (plain, before any session)."""

    atr = b""

    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []

    def transmit(self, raw):
        self.sent.append(raw)
        return self.answers.pop(0)


def _independent_aes_wrap(ks_enc, ks_mac, ssc, header, data):
    """ICAO 9303-11 9.8 built from cryptography's AES and CMAC, not from hardware.smartcard.sm."""

    def pad(b):
        return b + b"\x80" + b"\x00" * ((16 - (len(b) + 1) % 16) % 16)

    iv = Cipher(algorithms.AES(ks_enc), modes.ECB()).encryptor().update(ssc)
    enc = Cipher(algorithms.AES(ks_enc), modes.CBC(iv)).encryptor()
    do87 = tlv.encode(0x87, b"\x01" + enc.update(pad(data)) + enc.finalize())
    mac = cmac.CMAC(algorithms.AES(ks_mac))
    mac.update(pad(ssc + pad(header) + do87))
    return header + bytes([len(do87) + 10]) + do87 + b"\x8e\x08" + mac.finalize()[:8] + b"\x00"


def test_aes_ca_exchange_and_secure_messaging_restarted_with_ssc_zero():
    """MSE:Set AT + GENERAL AUTHENTICATE carry the G.1 terminal key; afterwards SM runs on G.1's KSenc /
    KSmac with SSC 0, so the first command is protected with SSC 1 exactly as an independent wrap gives."""
    transport = _Recorder([H("9000"), H("7C009000")])
    channel = CardChannel(transport)
    key = key_agreement.StaticPublicKey(key_agreement.EcdhAgreement(BRAINPOOL_P256R1), PK_EPH_IC)
    option = chip_auth.CaOption(ECDH_AES_128, key, None)
    result = chip_auth.perform_chip_authentication(channel, option, random=_fixed(SK_EPH_IFD))
    assert result.passed
    set_at, general = transport.sent
    assert set_at == H("002241A40C800A04007F00070202030202")
    ephemeral = BRAINPOOL_P256R1.encode_point(BRAINPOOL_P256R1.multiply_generator(SK_EPH_IFD))
    assert general == H("00860000") + bytes([2 + 2 + 65]) + tlv.encode(0x7C, tlv.encode(0x80, ephemeral)) + b"\x00"
    session = channel.secure_messaging
    assert (session.cipher.ks_enc, session.cipher.ks_mac, session.ssc) == (G1_KS_ENC, G1_KS_MAC, bytes(16))
    wrapped = session.wrap_command(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, H("0101")))
    expected = _independent_aes_wrap(G1_KS_ENC, G1_KS_MAC, (1).to_bytes(16, "big"), H("0CA4020C"), H("0101"))
    assert wrapped.to_bytes() == expected


def test_3des_ca_uses_mse_set_kat_and_restarts_with_an_8_byte_ssc():
    transport = _Recorder([H("9000")])
    channel = CardChannel(transport)
    key = key_agreement.StaticPublicKey(key_agreement.EcdhAgreement(BRAINPOOL_P256R1), PK_EPH_IC)
    protocol = chip_auth.PROTOCOLS[chip_auth.ID_CA_ECDH + ".1"]
    chip_auth.perform_chip_authentication(channel, chip_auth.CaOption(protocol, key, 7), random=_fixed(SK_EPH_IFD))
    ephemeral = BRAINPOOL_P256R1.encode_point(BRAINPOOL_P256R1.multiply_generator(SK_EPH_IFD))
    assert transport.sent[0] == H("002241A6") + bytes([67 + 3]) + tlv.encode(0x91, ephemeral) + H("840107")
    session = channel.secure_messaging
    assert isinstance(session.cipher, TdesCipher) and session.ssc == bytes(8)
    assert session.cipher == TdesCipher.from_seed(G1_SHARED_SECRET)


def test_long_command_is_chained_in_short_links_each_protected():
    """A 2048-bit DH key does not fit a short APDU: ISO 7816-4 chaining, CLA bit 0x10 on all but the last."""
    from hardware.smartcard.channel import SHORT_CHAINED_CHUNK

    cipher = AesCipher(G1_KS_ENC, G1_KS_MAC)
    transport = _Recorder([])
    chip = SecureMessaging(cipher, bytes(16))

    def answer(raw):
        command = chip.unwrap_command(CommandAPDU.from_bytes(raw))
        received.append(command)
        return chip.wrap_response(ResponseAPDU(b"", 0x9000)).to_bytes()

    received = []
    transport.transmit = lambda raw: (transport.sent.append(raw), answer(raw))[1]
    channel = CardChannel(transport)
    channel.secure_messaging = SecureMessaging(cipher, bytes(16))
    data = bytes(range(256)) * 2 + b"\x01\x02"
    channel.send_chained(CommandAPDU(0x00, 0x22, 0x41, 0xA6, data), extended=False)
    assert [c.cla for c in received] == [0x10, 0x10, 0x00]
    assert b"".join(c.data for c in received) == data
    assert all(len(c.data) <= SHORT_CHAINED_CHUNK for c in received)
    assert all(len(raw) <= 5 + 255 + 1 for raw in transport.sent)  # every link is a short APDU


def test_refusal_keeps_the_old_session_and_says_refused():
    transport = _Recorder([H("6A80")])
    channel = CardChannel(transport)
    key = key_agreement.StaticPublicKey(key_agreement.EcdhAgreement(BRAINPOOL_P256R1), PK_EPH_IC)
    result = chip_auth.perform_chip_authentication(channel, chip_auth.CaOption(ECDH_AES_128, key))
    assert result.status is chip_auth.CaStatus.REFUSED and channel.secure_messaging is None


# -- DG14 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ecdh", "ecdh-explicit", "ecdh-brainpool", "dh"])
@pytest.mark.parametrize("cipher", ["3DES", "AES-128", "AES-192", "AES-256"])
def test_dg14_round_trip(kind, cipher):
    chip, infos = chip_ca_key(kind, cipher, key_id=3)
    offer = chip_auth.interpret_dg14(parse_security_infos(infos))
    assert offer.chip_authentication_declared and not offer.problems
    (option,) = offer.options
    assert option.protocol is chip.protocol and option.key_id == 3
    assert option.key.public == chip.agreement.public_from_private(chip.private)


def test_dg14_public_key_alone_means_3des():
    _, infos = chip_ca_key("ecdh", "AES-128")
    only_key = tlv.parse_all(infos)[0].encode()
    (option,) = chip_auth.interpret_dg14(parse_security_infos(only_key)).options
    assert option.protocol.name == "CA-ECDH-3DES-CBC-CBC"


def test_dg14_with_an_unsupported_curve_declares_ca_it_cannot_run():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    spki = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    from asn1crypto.core import ObjectIdentifier

    info = tlv.encode(0x30, ObjectIdentifier(chip_auth.ID_PK_ECDH).dump() + spki)
    offer = chip_auth.interpret_dg14(parse_security_infos(info))
    assert offer.chip_authentication_declared and not offer.options and "not supported" in offer.problems[0]


def test_general_authenticate_answer_must_be_dynamic_authentication_data():
    assert chip_auth.parse_general_authenticate_answer(H("7C00")) == {}
    with pytest.raises(MalformedData):
        chip_auth.parse_general_authenticate_answer(H("7D00"))


# -- the reader against genuine simulated chips ----------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"ca": "ecdh", "ca_cipher": "AES-128"},
        {"ca": "ecdh-brainpool", "ca_cipher": "AES-256", "pace": 13},
        {"ca": "ecdh-explicit", "ca_cipher": "AES-192", "pace": 12},
        {"ca": "dh", "ca_cipher": "3DES"},
        {"ca": "dh", "ca_cipher": "AES-128", "aa": None},
        {"ca": "ecdh", "ca_cipher": "3DES", "pace": 12, "extended_length": False},
        {"ca": "dh", "ca_cipher": "3DES", "extended_length": False},  # 2048-bit key: command chaining
        {"ca": "dh", "ca_cipher": "AES-256", "pace": 13, "extended_length": False},
    ],
)
def test_genuine_chip_with_chip_authentication_is_verified(make_transport, citizen, trust_store, options):
    result = read_card(make_transport(**options), citizen.access_key(), trust_store)
    assert result.verdict.level is TrustLevel.VERIFIED, result.verdict
    assert result.chip_auth.passed and "chip authentication" in result.verdict.reason
    assert result.mrz.personal_id == citizen.personal_id
    assert result.personal_data.full_name == "Nguyễn Văn An"


def test_chip_authentication_switches_cipher_suite_mid_read(make_transport, citizen, trust_store):
    """BAC (3DES) opens the chip, CA-AES continues: the read chunks follow the new block size."""
    transport = make_transport(ca="ecdh", ca_cipher="AES-128", extended_length=False)
    result = read_card(transport, citizen.access_key(), trust_store)
    assert result.access_control == "BAC" and result.verdict.verified


def test_chip_ca_unit_refuses_out_of_order_and_wrong_key_id():
    chip, _ = chip_ca_key("ecdh", "AES-128", key_id=1)
    assert chip.general_authenticate(CommandAPDU(0, 0x86, 0, 0, H("7C00")))[0].sw == 0x6985
    wrong_id = tlv.encode(0x80, H("04007F00070202030202")) + H("840102")
    assert chip.set_at(CommandAPDU(0, 0x22, 0x41, 0xA4, wrong_id)).sw == 0x6A80
    assert chip.set_kat(CommandAPDU(0, 0x22, 0x41, 0xA6, H("9100")))[0].sw == 0x6985  # AES chip: no KAT


def test_sm_restart_both_sides_agree():
    chip, _ = chip_ca_key("ecdh", "AES-256")
    terminal_private, terminal_public = chip.agreement.generate(os.urandom)
    chip.set_at(CommandAPDU(0, 0x22, 0x41, 0xA4, tlv.encode(0x80, H("04007F00070202030204"))))
    answer, session = chip.general_authenticate(
        CommandAPDU(0, 0x86, 0, 0, tlv.encode(0x7C, tlv.encode(0x80, terminal_public)))
    )
    assert answer == ResponseAPDU(H("7C00"), 0x9000)
    secret = chip.agreement.shared_secret(terminal_private, chip.agreement.public_from_private(chip.private))
    terminal = SecureMessaging(AesCipher.from_seed(secret, 256), bytes(16))
    command = CommandAPDU(0x00, 0xB0, 0x81, 0x00, le=64)
    assert session.unwrap_command(terminal.wrap_command(command)).p1 == 0x81


def test_secp256r1_is_also_supported():
    agreement = key_agreement.EcdhAgreement(SECP256R1)
    a, pa = agreement.generate(os.urandom)
    b, pb = agreement.generate(os.urandom)
    assert agreement.shared_secret(a, pb) == agreement.shared_secret(b, pa)
