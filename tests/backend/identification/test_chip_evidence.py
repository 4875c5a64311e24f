"""The server's chip verdict, without HTTP: EF.SOD decides which groups must be there, what the signed files
declare decides whether the chip must answer the challenge, and the verdict names what was proven."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from asn1crypto.core import ObjectIdentifier
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.identification.chip_evidence import ChipEvidenceRefused, verify_chip_evidence
from hardware.smartcard import tlv
from hardware.smartcard.lds import dg1, dg13, dg14, sod
from hardware.smartcard.lds.security_infos import ID_AA
from hardware.smartcard.passive_auth import TrustStore
from tests.chip_evidence import ChipCard, card_holder, trusted_pki

HOLDER = card_holder("001090012345", "Nguyễn Văn An", dt.date(1990, 1, 1))
STORE = TrustStore([trusted_pki().csca_certificate])
ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"


def _files(card: ChipCard, leave_out=()) -> dict:
    files = {"sod": card.sod}
    files.update({f"dg{n}": raw for n, raw in card.groups.items() if n not in leave_out})
    return files


def _signed(groups: dict[int, bytes]) -> dict:
    """Files signed by the trusted Document Signer exactly as given (a card of any design)."""
    pki = trusted_pki()
    files = {"sod": sod.encode(groups, pki.ds_key, pki.ds_certificate, "sha256")}
    files.update({f"dg{n}": raw for n, raw in groups.items()})
    return files


def _basic_groups(holder=HOLDER) -> dict[int, bytes]:
    return {1: dg1.encode(holder.mrz()), 13: dg13.encode(holder.personal_data())}


def _dg14(*infos: bytes) -> bytes:
    return dg14.encode(tlv.encode(0x31, b"".join(infos)))


def _info(oid: str, *parts: bytes) -> bytes:
    return tlv.encode(0x30, ObjectIdentifier(oid).dump() + b"".join(parts))


def test_aa_on_the_servers_challenge_makes_it_verified():
    card, nonce = ChipCard(HOLDER), os.urandom(8)
    verdict = verify_chip_evidence(_files(card), STORE, challenge=nonce, aa_signature=card.answer(nonce))
    assert verdict.trust_level == "chip_verified"
    assert (verdict.personal_id, verdict.full_name, verdict.date_of_birth) == (
        "001090012345",
        "Nguyễn Văn An",
        dt.date(1990, 1, 1),
    )


def test_without_a_challenge_the_data_is_authentic_but_the_chip_not_proven():
    verdict = verify_chip_evidence(_files(ChipCard(HOLDER)), STORE, challenge=None, aa_signature=None)
    assert verdict.trust_level == "chip_data_authentic" and "challenge" in verdict.detail


def test_a_card_offering_only_chip_authentication_is_data_authentic():
    spki = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    groups = _basic_groups() | {14: _dg14(_info(ID_PK_ECDH, spki))}
    verdict = verify_chip_evidence(_signed(groups), STORE, challenge=os.urandom(8), aa_signature=None)
    assert verdict.trust_level == "chip_data_authentic" and "Chip Authentication" in verdict.detail


def test_a_card_declaring_no_anti_cloning_is_data_authentic():
    verdict = verify_chip_evidence(_signed(_basic_groups()), STORE, challenge=os.urandom(8), aa_signature=None)
    assert verdict.trust_level == "chip_data_authentic" and "no anti-cloning" in verdict.detail


def test_dg14_declaring_aa_without_dg15_is_refused():
    aa_info = _info(ID_AA, tlv.encode(0x02, b"\x01"), ObjectIdentifier("0.4.0.127.0.7.1.1.4.1.3").dump())
    groups = _basic_groups() | {14: _dg14(aa_info)}
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(_signed(groups), STORE, challenge=os.urandom(8), aa_signature=b"\x00" * 64)
    assert refused.value.reason == "group-missing"


@pytest.mark.parametrize("left_out", [1, 13, 14, 15])
def test_every_signed_group_the_verifier_needs_must_be_sent(left_out):
    card = ChipCard(HOLDER)
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(_files(card, leave_out=(left_out,)), STORE, challenge=None, aa_signature=None)
    assert refused.value.reason == "group-missing"


def test_personal_data_not_listed_in_the_sod_is_refused():
    files = _signed({1: dg1.encode(HOLDER.mrz())})
    files["dg13"] = dg13.encode(HOLDER.personal_data())
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(files, STORE, challenge=None, aa_signature=None)
    assert refused.value.reason == "group-not-signed"


def test_dg1_and_dg13_of_different_people_are_refused():
    other = card_holder("001185006789", "Trần Thị Bình", dt.date(1985, 5, 10), "female")
    groups = {1: dg1.encode(other.mrz()), 13: dg13.encode(HOLDER.personal_data())}
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(_signed(groups), STORE, challenge=None, aa_signature=None)
    assert refused.value.reason == "inconsistent"


def test_no_trust_store_means_no_verdict():
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(_files(ChipCard(HOLDER)), None, challenge=None, aa_signature=None)
    assert refused.value.reason == "no-trust-store"


@pytest.mark.parametrize("garbage", [b"", b"\x77\x00", b"\x77\x82\xff\xff" + b"\x00" * 10, os.urandom(300)])
def test_garbage_in_place_of_the_sod_is_refused_as_malformed(garbage):
    files = _files(ChipCard(HOLDER)) | {"sod": garbage or None}
    with pytest.raises(ChipEvidenceRefused) as refused:
        verify_chip_evidence(files, STORE, challenge=None, aa_signature=None)
    assert refused.value.reason in ("malformed", "group-missing")
