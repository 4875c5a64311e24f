"""Reading the simulated chip end to end (in-process transport): access control, file reading,
the chip's refusals and faults, passive and active authentication."""

import datetime as dt

import pytest

from hardware.smartcard import read_card
from hardware.smartcard.apdu import CommandAPDU, ResponseAPDU
from hardware.smartcard.errors import (
    AccessDenied,
    ActiveAuthenticationFailed,
    CardRemoved,
    DocumentExpired,
    FileNotFound,
    HashMismatch,
    SecureMessagingError,
    SecurityStatusNotSatisfied,
    UnexpectedTag,
    UntrustedSigner,
)
from hardware.smartcard.lds import DATA_GROUPS, EF_COM
from hardware.smartcard.mrz import AccessKey, access_keys_from_qr
from hardware.smartcard.passive_auth import CheckStatus, TrustStore
from hardware.smartcard.reader import EmrtdReader
from hardware.smartcard.simulator import ChipFaults, DemoCitizen, build_test_pki
from hardware.smartcard.simulator.lds_factory import build_lds

#: READ EF.CardAccess (which offers no PACE), SELECT eMRTD, GET CHALLENGE, EXTERNAL AUTHENTICATE.
OPEN_BAC = 4


def test_full_read(make_transport, citizen, trust_store):
    transport = make_transport()
    result = read_card(transport, citizen.access_key(), trust_store)
    assert result.access_control == "BAC"
    assert result.com.data_groups == (1, 2, 3, 13, 14, 15)
    assert result.mrz.document_number == citizen.document_number
    assert result.personal_data == citizen.personal_data()
    assert result.face_image.mime_type == "image/jpeg"
    assert result.face_image.to_png().startswith(b"\x89PNG")
    assert result.passive_auth.passed
    assert result.passive_auth.data_group_hashes == {1: True, 2: True, 13: True, 14: True, 15: True}
    assert result.active_auth.passed
    assert not result.document_expired
    assert 3 not in result.raw_files  # behind extended access control: not requested
    assert "Nguyễn" not in repr(result)


def test_apdu_count_is_near_minimum(make_transport, citizen, trust_store):
    """READ EF.CardAccess + SELECT + GET CHALLENGE + EXT AUTH, one READ per file with extended length
    (COM, SOD, DG1, DG2, DG13, DG14, DG15), INTERNAL AUTHENTICATE."""
    result = read_card(make_transport(), citizen.access_key(), trust_store)
    assert result.stats.apdus == OPEN_BAC + 7 + 1


def test_short_length_card_reads_in_e7_chunks(make_transport, citizen, trust_store):
    transport = make_transport(extended_length=False, aa=None)
    result = read_card(transport, citizen.access_key(), trust_store)
    dg2_size = len(result.raw_files["DG2"])
    sizes = [len(result.raw_files[name]) for name in ("COM", "SOD", "DG1", "DG2", "DG13", "DG14")]
    expected_reads = sum(-(-size // 0xE7) for size in sizes)
    assert dg2_size > 10_000
    assert result.stats.apdus == OPEN_BAC + expected_reads
    assert result.active_auth.status.value == "not supported"


def test_capabilities_from_ef_atr_info(citizen, pki, make_transport):
    atr_info = bytes.fromhex("7F660802020FFF02020800")  # max command 4095, max response 2048 bytes
    transport = make_transport(atr_historical=b"", atr_info=atr_info)
    reader = EmrtdReader(transport)
    caps = reader.detect_capabilities()
    assert caps.extended_length and caps.max_response == 2048
    result = reader.read(citizen.access_key())
    assert len(result.raw_files["DG2"]) > 10_000


def test_qr_key_twelve_digit_fallback(make_transport, citizen, trust_store):
    keys = access_keys_from_qr(citizen.qr_record())
    result = read_card(make_transport(bac_twelve_digits=True), keys, trust_store)
    assert result.mrz.personal_id == citizen.personal_id


def test_qr_key_nine_digits_first(make_transport, citizen, trust_store):
    keys = access_keys_from_qr(citizen.qr_record())
    transport = make_transport()
    read_card(transport, keys, trust_store)
    assert transport.chip.apdu_count == OPEN_BAC + 7 + 1  # no fallback attempt was needed


def test_wrong_key(make_transport, citizen):
    with pytest.raises(AccessDenied) as info:
        read_card(make_transport(), AccessKey("000000000", "900101", "300101"))
    assert "MRZ" in info.value.user_message


def test_files_need_bac(make_transport):
    reader = EmrtdReader(make_transport())
    reader.detect_capabilities()
    reader.select_application()
    with pytest.raises(SecurityStatusNotSatisfied):
        reader.read_file(EF_COM)


def test_dg3_needs_eac_and_dg11_is_absent(make_transport, citizen):
    reader = EmrtdReader(make_transport())
    reader.open(citizen.access_key())
    with pytest.raises(SecurityStatusNotSatisfied):
        reader.read_file(DATA_GROUPS[3])
    with pytest.raises(FileNotFound):
        reader.read_file(DATA_GROUPS[11])
    assert reader.read_file(DATA_GROUPS[1])[:2] == b"\x61\x5d"  # the session survives refusals


def test_reader_records_unavailable_groups(make_transport, citizen, trust_store):
    result = read_card(make_transport(), citizen.access_key(), trust_store, data_groups=[1, 2, 3, 11])
    assert "extended access control" in result.unavailable[3]
    assert 11 not in result.unavailable  # not listed in EF.COM, so not asked for


def test_select_master_file_answers_6d00(make_transport):
    transport = make_transport()
    response = ResponseAPDU.from_bytes(transport.transmit(CommandAPDU(0, 0xA4, 0, 0x0C, b"\x3f\x00").to_bytes()))
    assert response.sw == 0x6D00


def test_plain_command_ends_the_session(make_transport, citizen):
    reader = EmrtdReader(make_transport())
    reader.open(citizen.access_key())
    raw = reader.transport.transmit(CommandAPDU(0, 0xB0, 0x9E, 0, le=4).to_bytes())
    assert raw == b"\x69\x87"
    with pytest.raises(SecureMessagingError):
        reader.read_file(EF_COM)


def test_select_files_when_sfi_is_off(make_transport, citizen, trust_store):
    result = read_card(make_transport(), citizen.access_key(), trust_store, use_sfi=False)
    assert result.stats.apdus == OPEN_BAC + 2 * 7 + 1


@pytest.mark.parametrize(
    "fault",
    [
        ChipFaults(wrong_mac=True, after_apdus=3),
        ChipFaults(truncated_response=True, after_apdus=3),
        ChipFaults(unknown_tag=True, after_apdus=3),
    ],
)
def test_misbehaving_chip(make_transport, citizen, fault):
    with pytest.raises(SecureMessagingError) as info:
        read_card(make_transport(faults=fault), citizen.access_key())
    assert info.value.user_message_en


def test_card_removed_mid_read(make_transport, citizen):
    with pytest.raises(CardRemoved):
        read_card(make_transport(faults=ChipFaults(remove_after_apdus=7)), citizen.access_key())


def test_card_taken_away(make_transport, citizen):
    transport = make_transport()
    reader = EmrtdReader(transport)
    reader.open(citizen.access_key())
    transport.present = False
    with pytest.raises(CardRemoved):
        reader.read_file(EF_COM)


def test_tampered_data_group(citizen, pki, make_transport, trust_store):
    files = build_lds(citizen, pki, tamper_data_group=13)
    with pytest.raises(HashMismatch) as info:
        read_card(make_transport(files=files, aa=None), citizen.access_key(), trust_store)
    result = info.value.card_read_result
    assert result.passive_auth.data_group_hashes[13] is False
    assert result.passive_auth.data_group_hashes[1] is True
    assert result.passive_auth.check("sod_signature").status is CheckStatus.PASSED


def test_tampered_data_group_not_strict(citizen, pki, make_transport, trust_store):
    files = build_lds(citizen, pki, tamper_data_group=2)
    result = read_card(make_transport(files=files, aa=None), citizen.access_key(), trust_store, strict=False)
    assert not result.passive_auth.passed
    assert [check.name for check in result.passive_auth.failed] == ["dg2_hash"]


def test_unknown_tag_in_a_data_group(citizen, pki, make_transport):
    files = build_lds(citizen, pki, retag_data_group=13)
    with pytest.raises(HashMismatch) as info:  # altered after signing: reported as altered
        read_card(make_transport(files=files, aa=None), citizen.access_key())
    assert isinstance(info.value.__cause__, UnexpectedTag)


def test_unknown_tag_in_a_signed_data_group(citizen, pki, make_transport, trust_store):
    from hardware.smartcard import tlv
    from hardware.smartcard.lds import EF_SOD, sod

    files = build_lds(citizen, pki)
    files[DATA_GROUPS[13]] = tlv.encode(0x6D, tlv.encode(0x30, tlv.encode(0x02, b"\x01") + tlv.encode(0x04, b"?")))
    groups = {lds_file.data_group: raw for lds_file, raw in files.items() if lds_file.data_group}
    files[EF_SOD] = sod.encode(groups, pki.ds_key, pki.ds_certificate)
    with pytest.raises(UnexpectedTag):  # genuine but not understood
        read_card(make_transport(files=files, aa=None), citizen.access_key(), trust_store)


def test_debug_trace_is_redacted(make_transport, citizen, trust_store, caplog):
    import logging

    with caplog.at_level(logging.DEBUG, logger="hardware.smartcard"):
        read_card(make_transport(), citizen.access_key(), trust_store)
    trace = caplog.text
    assert "READ BINARY" in trace and "SW=9000" in trace
    for secret in (citizen.document_number, citizen.personal_id, "NGUYEN", "Nguy", "900101"):
        assert secret not in trace


def test_untrusted_signer(make_transport, citizen):
    other = TrustStore([build_test_pki("ec", csca_name="CSCA Test Vietnam").csca_certificate])
    with pytest.raises(UntrustedSigner):
        read_card(make_transport(), citizen.access_key(), other)


def test_no_trust_store_is_reported_not_hidden(make_transport, citizen):
    result = read_card(make_transport(), citizen.access_key())
    assert not result.passive_auth.passed
    assert result.passive_auth.check("signer_trusted").status is CheckStatus.SKIPPED
    assert result.passive_auth.check("sod_signature").status is CheckStatus.PASSED


def test_rsa_pki_and_rsa_active_authentication(citizen, make_transport):
    pki = build_test_pki("rsa")
    result = read_card(make_transport(pki=pki, aa="rsa"), citizen.access_key(), TrustStore([pki.csca_certificate]))
    assert result.passive_auth.passed and result.active_auth.passed


def test_cloned_chip_fails_active_authentication(citizen, pki, make_transport, trust_store):
    from cryptography.hazmat.primitives.asymmetric import ec

    genuine_key = ec.generate_private_key(ec.SECP256R1())
    files = build_lds(citizen, pki, genuine_key.public_key())
    transport = make_transport(files=files)  # the chip signs with another (its own fresh) key
    with pytest.raises(ActiveAuthenticationFailed):
        read_card(transport, citizen.access_key(), trust_store)


def test_expired_document(pki, make_transport, trust_store):
    old = DemoCitizen(personal_id="001080123456", birth_date=dt.date(1980, 1, 1), issue_date=dt.date(2016, 1, 1))
    with pytest.raises(DocumentExpired) as info:
        read_card(make_transport(citizen=old), old.access_key(), trust_store)
    assert info.value.card_read_result.passive_auth.passed


def test_not_an_emrtd(make_transport, citizen):
    transport = make_transport()
    transport.chip.process = lambda raw: b"\x6a\x82"
    with pytest.raises(FileNotFound, match="not a chip ID card"):
        read_card(transport, citizen.access_key())


def test_card_without_sfi_support(make_transport, citizen, trust_store):
    transport = make_transport()
    chip = transport.chip
    original = chip._read_binary

    def no_sfi(command):
        if command.p1 & 0x80:
            return ResponseAPDU(b"", 0x6A86)
        return original(command)

    chip._read_binary = no_sfi
    result = read_card(transport, citizen.access_key(), trust_store)
    assert result.passive_auth.passed
    # one refused SFI read, then SELECT + READ BINARY per file
    assert result.stats.apdus == OPEN_BAC + 1 + 2 * 7 + 1


def test_card_access_is_readable_before_access_control(make_transport):
    from hardware.smartcard.lds.security_infos import ID_PACE

    # PACEInfo: id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, parameter 12 (NIST P-256)
    pace_info = bytes.fromhex("3012060A04007F0007020204020202010202010C")
    reader = EmrtdReader(make_transport(card_access=bytes.fromhex("3114") + pace_info))
    infos = reader.read_card_access()
    assert infos[0].protocol.startswith(ID_PACE) and infos[0].integer("optional") == 12
    assert EmrtdReader(make_transport()).read_card_access() is None
